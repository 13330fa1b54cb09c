// Field decoding of CDR and account records, and the reject codes it produces.
import { decodeAccount, decodeCdr, durationMs, REJECT_CODES, type DecodeResult } from '@cdrate/rating-core';

const GOOD = {
  cdr_id: 'c1',
  account_id: 'a1',
  direction: 'outbound',
  source: '+12125550100',
  destination: '+442079460958',
  start_time: '2026-03-01T10:00:00Z',
  end_time: '2026-03-01T10:01:02Z',
  duration_sec: 62,
  disposition: 'answered',
};

function code(result: DecodeResult): string {
  return result.kind === 'decoded' ? 'decoded' : result.code;
}

describe('decodeCdr', () => {
  it('decodes a complete record to UTC epoch milliseconds', () => {
    const result = decodeCdr(GOOD);
    expect(result).toEqual({
      kind: 'decoded',
      cdr: {
        cdrId: 'c1',
        accountId: 'a1',
        direction: 'outbound',
        source: '+12125550100',
        destination: '+442079460958',
        startMs: Date.UTC(2026, 2, 1, 10, 0, 0),
        endMs: Date.UTC(2026, 2, 1, 10, 1, 2),
        durationSec: 62,
        disposition: 'answered',
      },
    });
  });

  it('defaults duration to end − start, disposition to answered, direction to unknown', () => {
    const rest: Record<string, unknown> = { ...GOOD, end_time: '2026-03-01T07:01:05.500-03:00' };
    delete rest['duration_sec'];
    delete rest['disposition'];
    delete rest['direction'];
    const result = decodeCdr(rest);
    expect(result.kind === 'decoded' && result.cdr).toMatchObject({
      durationSec: 65.5,
      disposition: 'answered',
      direction: undefined,
    });
  });

  it('accepts CSV-style string fields and empty optional fields', () => {
    const result = decodeCdr({ ...GOOD, duration_sec: '62', direction: '', disposition: '' });
    expect(result.kind === 'decoded' && result.cdr).toMatchObject({
      durationSec: 62,
      direction: undefined,
      disposition: 'answered',
    });
  });

  it('rejects a record that is not an object with MALFORMED_RECORD', () => {
    expect(code(decodeCdr('x'))).toBe('MALFORMED_RECORD');
    expect(code(decodeCdr([GOOD]))).toBe('MALFORMED_RECORD');
    expect(code(decodeCdr(null))).toBe('MALFORMED_RECORD');
  });

  it('rejects a missing required field with MISSING_FIELD naming it', () => {
    for (const field of ['cdr_id', 'account_id', 'source', 'destination', 'start_time', 'end_time']) {
      const result = decodeCdr({ ...GOOD, [field]: undefined });
      expect(result).toEqual({ kind: 'rejected', code: 'MISSING_FIELD', message: `${field} is missing` });
    }
    expect(code(decodeCdr({ ...GOOD, cdr_id: '' }))).toBe('MISSING_FIELD');
  });

  it('rejects values outside their domain with BAD_FIELD', () => {
    expect(code(decodeCdr({ ...GOOD, direction: 'sideways' }))).toBe('BAD_FIELD');
    expect(code(decodeCdr({ ...GOOD, disposition: 'hung_up' }))).toBe('BAD_FIELD');
    expect(code(decodeCdr({ ...GOOD, duration_sec: 'long' }))).toBe('BAD_FIELD');
    expect(code(decodeCdr({ ...GOOD, cdr_id: { id: 1 } }))).toBe('BAD_FIELD');
  });

  it('rejects unparseable times and times without an offset with BAD_TIME', () => {
    expect(code(decodeCdr({ ...GOOD, start_time: 'yesterday' }))).toBe('BAD_TIME');
    expect(code(decodeCdr({ ...GOOD, start_time: '2026-03-01T10:00:00' }))).toBe('BAD_TIME');
    expect(code(decodeCdr({ ...GOOD, end_time: '2026-02-30T10:00:00Z' }))).toBe('BAD_TIME');
  });

  it('rejects an end before the start with END_BEFORE_START, comparing instants across offsets', () => {
    expect(code(decodeCdr({ ...GOOD, end_time: '2026-03-01T09:59:59Z' }))).toBe('END_BEFORE_START');
    // 07:00:30-03:00 is 10:00:30Z, after the start.
    expect(code(decodeCdr({ ...GOOD, end_time: '2026-03-01T07:00:30-03:00' }))).toBe('decoded');
  });

  it('rejects a negative duration with NEGATIVE_DURATION', () => {
    expect(code(decodeCdr({ ...GOOD, duration_sec: -1 }))).toBe('NEGATIVE_DURATION');
  });

  it('documents a closed set of reject codes', () => {
    expect(REJECT_CODES).toEqual([
      'MALFORMED_RECORD',
      'MISSING_FIELD',
      'BAD_FIELD',
      'BAD_TIME',
      'END_BEFORE_START',
      'NEGATIVE_DURATION',
      'BAD_NUMBER',
      'UNKNOWN_ACCOUNT',
      'NO_RATE',
    ]);
  });
});

describe('decodeAccount', () => {
  const ACCOUNT = {
    account_id: 'a1',
    country: 'US',
    billing_start_date: '2026-01-15',
    included_minutes: 1000,
  };

  it('applies the defaults: overage 0.02, USD, no numbers', () => {
    expect(decodeAccount(ACCOUNT)).toEqual({
      kind: 'decoded',
      account: {
        accountId: 'a1',
        country: 'US',
        billingStartDay: Date.UTC(2026, 0, 15) / 86_400_000,
        includedMinutes: 1000,
        overageRate: '0.02',
        currency: 'USD',
        numbers: [],
        tollFreeNumbers: [],
      },
    });
  });

  it('names the bad field', () => {
    expect(decodeAccount({ ...ACCOUNT, country: 'usa' })).toMatchObject({
      kind: 'invalid',
      message: expect.stringContaining('country'),
    });
    expect(decodeAccount({ ...ACCOUNT, billing_start_date: '2026-13-01' })).toMatchObject({
      message: expect.stringContaining('billing_start_date'),
    });
    expect(decodeAccount({ ...ACCOUNT, overage_rate: '-1' })).toMatchObject({
      message: expect.stringContaining('overage_rate'),
    });
    expect(decodeAccount({ ...ACCOUNT, numbers: '+1212' })).toMatchObject({
      message: expect.stringContaining('numbers'),
    });
    expect(decodeAccount({ ...ACCOUNT, currency: 'dollar' })).toMatchObject({
      message: expect.stringContaining('currency'),
    });
  });
});

describe('talk time is kept to the millisecond (durationMs)', () => {
  it.each([
    [62.5, 62_500],
    [0.29, 290],
    [1.005, 1005],
    [0, 0],
    [3600, 3_600_000],
    [60.0000001, 60_001],
    [0.0001, 1],
  ])('%p s is %p ms', (seconds, ms) => {
    expect(durationMs(seconds)).toBe(ms);
  });

  it('keeps ceil(ms / 1000) equal to ceil(seconds), so billable time never changes', () => {
    for (let i = 0; i < 5000; i++) {
      const seconds = Math.round(Math.random() * 1e7) / 1e4;
      expect(Math.ceil(durationMs(seconds)! / 1000)).toBe(Math.ceil(seconds));
    }
  });

  it('is undefined beyond safe integers', () => {
    expect(durationMs(1e300)).toBeUndefined();
  });
});

describe('decodeCdr keeps talk time to the millisecond', () => {
  it.each([
    [62.5, 62.5],
    ['62.5', 62.5],
    [0.29, 0.29],
    // 62.0004 s has a sub-millisecond part: rounded up to 62.001 s (billable time is the same: 63 s).
    [62.0004, 62.001],
  ])('duration_sec %p decodes as %p s', (given, expected) => {
    const result = decodeCdr({ ...GOOD, duration_sec: given });
    expect(result.kind === 'decoded' ? result.cdr.durationSec : result).toBe(expected);
  });

  it('rejects a talk time beyond 2^53 ms as BAD_FIELD', () => {
    expect(decodeCdr({ ...GOOD, duration_sec: 1e300 })).toMatchObject({
      kind: 'rejected',
      code: 'BAD_FIELD',
    });
  });
});
