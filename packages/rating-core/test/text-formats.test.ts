// Exact decimals, UTC times and CSV lines.
import {
  csvField,
  formatIsoDate,
  formatIsoInstant,
  formatScaled,
  parseCsvLine,
  parseIsoDate,
  parseIsoInstant,
  parseScaled,
} from '@cdrate/rating-core';

describe('decimals', () => {
  it('parse to scaled integers without rounding', () => {
    expect(parseScaled('0.05', 9)).toEqual({ ok: true, value: 50_000_000 });
    expect(parseScaled('12', 2)).toEqual({ ok: true, value: 1200 });
    expect(parseScaled('.5', 1)).toEqual({ ok: true, value: 5 });
    expect(parseScaled('1.2300', 2)).toEqual({ ok: true, value: 123 });
    expect(parseScaled('1.234', 2)).toEqual({ ok: false, reason: 'too many decimal places' });
    expect(parseScaled('1e3', 2)).toEqual({ ok: false, reason: 'bad number' });
    expect(parseScaled('', 2)).toEqual({ ok: false, reason: 'bad number' });
    expect(parseScaled('99999999999', 9)).toEqual({ ok: false, reason: 'out of range' });
  });

  it('format in shortest exact form', () => {
    expect(formatScaled(0, 9)).toBe('0');
    expect(formatScaled(1500, 4)).toBe('0.15');
    expect(formatScaled(7, 11)).toBe('0.00000000007');
    expect(formatScaled(120, 2)).toBe('1.2');
    expect(formatScaled(100, 2)).toBe('1');
    expect(formatScaled(-25, 1)).toBe('-2.5');
    expect(formatScaled(123456789012345678901n, 11)).toBe('1234567890.12345678901');
  });
});

describe('times', () => {
  it('parse ISO 8601 with any offset to UTC', () => {
    expect(parseIsoInstant('2026-03-01T10:00:00Z')).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseIsoInstant('2026-03-01T07:00:00-03:00')).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseIsoInstant('2026-03-01 15:30:00+0530')).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseIsoInstant('2026-03-01T11:00+01')).toBe(Date.UTC(2026, 2, 1, 10));
    expect(parseIsoInstant('2026-03-01T10:00:00.123456Z')).toBe(Date.UTC(2026, 2, 1, 10, 0, 0, 123));
    expect(parseIsoInstant('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  it('refuse malformed times and times without offset', () => {
    for (const bad of [
      '2026-03-01T10:00:00',
      '2026-03-01',
      '2025-02-29T00:00:00Z',
      '2026-03-01T24:00:00Z',
      '2026-03-01T10:00:00ZZ',
      'x',
    ]) {
      expect(parseIsoInstant(bad)).toBeUndefined();
    }
  });

  it('format UTC instants and dates like Date#toISOString without needless milliseconds', () => {
    for (const ms of [
      0,
      Date.UTC(2026, 0, 1),
      Date.UTC(1999, 11, 31, 23, 59, 59),
      Date.UTC(2024, 1, 29, 12, 34, 56),
    ]) {
      expect(formatIsoInstant(ms)).toBe(new Date(ms).toISOString().replace('.000Z', 'Z'));
    }
    expect(formatIsoInstant(Date.UTC(2026, 2, 1, 10, 0, 0, 5))).toBe('2026-03-01T10:00:00.005Z');
    // The whole range it is given (years 0000–9999), to the millisecond: ~3,000 instants a fixed,
    // odd stride apart (about 3.3 years and 237 ms), and both ends.
    const first = Date.parse('0000-01-01T00:00:00Z');
    const last = Date.parse('9999-12-31T23:59:59.999Z');
    expect(formatIsoInstant(first)).toBe('0000-01-01T00:00:00Z');
    expect(formatIsoInstant(last)).toBe('9999-12-31T23:59:59.999Z');
    for (let ms = first; ms <= last; ms += 105_179_299_237) {
      expect(formatIsoInstant(ms)).toBe(new Date(ms).toISOString().replace('.000Z', 'Z'));
    }
    expect(formatIsoDate(parseIsoDate('2026-03-01')!)).toBe('2026-03-01');
  });
});

describe('CSV lines', () => {
  it('split plain and quoted fields', () => {
    expect(parseCsvLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(parseCsvLine('"a,1","say ""hi""",x')).toEqual(['a,1', 'say "hi"', 'x']);
    expect(parseCsvLine('"open')).toEqual({ error: 'unterminated quoted field' });
    expect(parseCsvLine('"a"b')).toEqual({ error: 'text after a closing quote' });
  });

  it('quote fields only when needed', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
  });
});
