import { partitionLag } from '@cdrate/kafka';

describe('partitionLag', () => {
  it('counts from the committed offset to the high watermark', () => {
    expect(partitionLag('40', '0', '100')).toBe(60);
    expect(partitionLag('100', '0', '100')).toBe(0);
  });

  it('counts from the low watermark when the group never committed or its offset was deleted by retention', () => {
    expect(partitionLag(null, '20', '100')).toBe(80);
    expect(partitionLag('5', '20', '100')).toBe(80);
  });

  it('is never negative and handles offsets beyond 2^53', () => {
    expect(partitionLag('120', '0', '100')).toBe(0);
    expect(partitionLag('9223372036854775800', '0', '9223372036854775807')).toBe(7);
  });
});
