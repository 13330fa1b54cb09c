// A rated call as a JSON line is exactly JSON.stringify of the call with the columns in order, whatever its
// texts hold (the hand-written serialiser takes a shortcut when nothing needs escaping).
import fc from 'fast-check';
import type { RatedCall } from '@cdrate/rating-core';
import { RATED_COLUMNS, ratedJsonLine } from '../src/io/formats.js';

const text = fc.oneof(
  fc.constantFrom('', 'cdr-1-1', '+12125550123', 'USD', 'GB', 'no talk time', '(212) 555-0123'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({
    unit: fc.constantFrom(
      'a',
      '"',
      '\\',
      '\n',
      '\t',
      '\u0000',
      '\u001f',
      '\u007f',
      'é',
      '\u2028',
      '\ud800',
      '\udc00',
      '😀',
    ),
    maxLength: 6,
  }),
);

const call: fc.Arbitrary<RatedCall> = fc.record({
  cdr_id: text,
  account_id: text,
  call_type: fc.constantFrom(
    'domestic',
    'domestic_metered',
    'international',
    'inbound',
    'inbound_toll_free',
    'internal',
  ),
  billable: fc.boolean(),
  billable_seconds: fc.oneof(fc.nat(100_000), fc.constant(0)),
  billable_minutes: fc.constantFrom('0', '1', '2.5', '0.1', '1666.65'),
  rate: fc.constantFrom('0', '0.02', '0.187654', '1.123456789'),
  cost: fc.constantFrom('0', '0.375308', '0.01234567891'),
  currency: text,
  source: text,
  destination: text,
  destination_country: fc.option(text, { nil: null }),
  matched_prefix: fc.option(fc.constantFrom('44', '1787', '55119'), { nil: null }),
  start_time: fc.constantFrom('2026-03-01T10:00:00Z', '2026-03-01T10:00:00.123Z'),
  end_time: fc.constantFrom('2026-03-01T10:01:02Z', '2026-03-01T10:01:02.5Z'),
  duration_sec: fc.oneof(fc.nat(10_000), fc.double({ min: 0, max: 1e6, noNaN: true }), fc.constant(-0)),
  reason: fc.option(text, { nil: null }),
});

describe('ratedJsonLine', () => {
  it('writes JSON.stringify of the call with the columns in order, for 20,000 generated calls', () => {
    fc.assert(
      fc.property(call, (c) => {
        const ordered = Object.fromEntries(RATED_COLUMNS.map((column) => [column, c[column]]));
        expect(ratedJsonLine(c)).toBe(JSON.stringify(ordered) + '\n');
      }),
      { numRuns: 20_000, seed: 42 },
    );
  });
});
