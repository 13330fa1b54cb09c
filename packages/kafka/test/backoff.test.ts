import { backoffDelay, DEFAULT_BACKOFF } from '@cdrate/kafka';

describe('backoffDelay', () => {
  it('doubles from 200 ms and stays at the 10 s cap', () => {
    const schedule = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((attempt) => backoffDelay(attempt));
    expect(schedule).toEqual([200, 400, 800, 1600, 3200, 6400, 10_000, 10_000, 10_000]);
    expect(DEFAULT_BACKOFF).toEqual({ initialMs: 200, maxMs: 10_000 });
  });

  it('treats attempts below one as the first and never overflows for huge attempt numbers', () => {
    expect(backoffDelay(0)).toBe(200);
    expect(backoffDelay(-3)).toBe(200);
    expect(backoffDelay(1_000_000)).toBe(10_000);
    expect(backoffDelay(Number.MAX_SAFE_INTEGER, { initialMs: 1, maxMs: 50 })).toBe(50);
  });

  it('follows a custom policy', () => {
    expect([1, 2, 3].map((a) => backoffDelay(a, { initialMs: 10, maxMs: 25 }))).toEqual([10, 20, 25]);
  });
});
