/**
 * Hand-made rated calls for the billing tests (and the modern-ClickHouse check, which inserts the same
 * statement): one US account with a plan of 3 included minutes at the default overage rate, a Brazilian
 * account, and a neighbour whose calls must never show up. Expected answers are worked out in the tests.
 */
import { sql, type SqlFragment } from '@cdrate/clickhouse';
import { BCD_CSV_HEADER } from '@cdrate/billing';

export interface FixtureCall {
  readonly cdr: string;
  readonly account: string;
  readonly type:
    'domestic' | 'internal' | 'domestic_metered' | 'international' | 'inbound_toll_free' | 'inbound';
  readonly billable?: 0 | 1;
  readonly seconds: number;
  readonly minutes: string;
  readonly rate: string;
  readonly cost: string;
  readonly currency?: string;
  readonly source: string;
  readonly destination: string;
  readonly country?: string;
  /** UTC, `YYYY-MM-DD HH:MM:SS.mmm`. */
  readonly start: string;
  /** Talk time in ms. */
  readonly durationMs: number;
  readonly version: number;
  readonly reason?: string;
}

function epochMs(utc: string): number {
  const ms = Date.parse(`${utc.replace(' ', 'T')}Z`);
  if (Number.isNaN(ms)) throw new Error(`bad fixture time ${utc}`);
  return ms;
}

/** One call as a VALUES tuple in `rated_calls` column order (literals through the `sql` tag). */
function tuple(call: FixtureCall): SqlFragment {
  const start = epochMs(call.start);
  const end = start + call.durationMs;
  const duration = `${Math.floor(call.durationMs / 1000)}.${String(call.durationMs % 1000).padStart(3, '0')}`;
  return sql`(${call.cdr}, ${call.account}, ${call.type}, ${call.billable ?? 1}, ${call.seconds},
    ${sql.decimal(call.minutes, 6)}, ${sql.decimal(call.rate, 9)}, ${sql.decimal(call.cost, 11)},
    ${call.currency ?? 'USD'}, ${call.source}, ${call.destination}, ${call.country ?? ''}, '',
    ${sql.dateTime(Math.floor(start / 1000))}, ${sql.dateTime(Math.floor(end / 1000))}, ${start % 1000}, ${end % 1000},
    ${sql.decimal(duration, 3)}, ${call.reason ?? ''}, ${sql.dateTime(Math.floor(call.version / 1000))}, ${call.version})`;
}

/** `INSERT INTO <database>.rated_calls VALUES …` of `calls` (at least one). */
export function insertCalls(database: string, calls: readonly FixtureCall[]): SqlFragment {
  const values = calls.map(tuple).reduce((all, value) => sql`${all},\n${value}`);
  return sql`INSERT INTO ${sql.identifier(`${database}.rated_calls`)} VALUES\n${values}`;
}

const US = '+12125550100';
/** A version (= rated_at in ms) in mid-February 2026, after the January calls. */
const V1 = Date.UTC(2026, 1, 10);
const V2 = V1 + 3_600_000;

/** Account `acme-us`: USD, 3 included minutes, overage 0.02 (the default). */
export const ACME_PLAN = { includedMinutes: '3', overageRate: '0.02', currency: 'USD' } as const;
/** Account `br-sp`: BRL, 1 included minute, overage 0.05. */
export const BRAZIL_PLAN = { includedMinutes: '1', overageRate: '0.05', currency: 'BRL' } as const;

/** Four domestic calls of 61 s: billed per started minute, 2 minutes each. */
const domestic = [1, 2, 3, 4].map((n): FixtureCall => ({
  cdr: `d${n}`,
  account: 'acme-us',
  type: 'domestic',
  seconds: 120,
  minutes: '2',
  rate: '0',
  cost: '0',
  source: US,
  destination: `+1212555020${n}`,
  country: 'US',
  start: `2026-01-0${n} 09:00:00.000`,
  durationMs: 61_000,
  version: V1,
}));

const international = (
  cdr: string,
  start: string,
  cost: string,
  version: number,
  durationMs = 60_000,
): FixtureCall => ({
  cdr,
  account: 'acme-us',
  type: 'international',
  seconds: 60,
  minutes: '1',
  rate: cost,
  cost,
  source: US,
  destination: '+4930123456',
  country: 'DE',
  start,
  durationMs,
  version,
});

/**
 * The calls as first stored. Re-rated or resent calls appear more than once: `i1` was first rated at 0.5
 * and re-rated at 0.125 after a tariff fix; `d1` was resent (an identical row); the metered call `m1` was
 * first stored with a wrong offset on 31 December and corrected into January.
 */
export const FIXTURE_CALLS: readonly FixtureCall[] = [
  ...domestic,
  { ...domestic[0]! },
  international('i1', '2026-01-10 10:00:00.250', '0.5', V1, 42_500),
  international('i1', '2026-01-10 10:00:00.250', '0.125', V2, 42_500),
  international('i2', '2026-01-10 10:00:00.100', '0.125', V1),
  international('i3', '2026-01-31 23:30:00.000', '0.125', V1),
  // 21:00 on 31 January at UTC−4 is 01:00 on 1 February UTC: February usage.
  international('f1', '2026-02-01 01:00:00.000', '0.2', V1),
  {
    cdr: 'tf1',
    account: 'acme-us',
    type: 'inbound_toll_free',
    seconds: 180,
    minutes: '3',
    rate: '0.035',
    cost: '0.105',
    source: '+13125550199',
    destination: '+18005550100',
    country: 'US',
    start: '2026-01-05 08:00:00.000',
    durationMs: 150_000,
    version: V1,
  },
  {
    cdr: 'm1',
    account: 'acme-us',
    type: 'domestic_metered',
    seconds: 120,
    minutes: '2',
    rate: '0.06',
    cost: '0.12',
    source: US,
    destination: '+19005550123',
    country: 'US',
    start: '2025-12-31 22:00:00.000',
    durationMs: 61_000,
    version: V1,
  },
  {
    cdr: 'm1',
    account: 'acme-us',
    type: 'domestic_metered',
    seconds: 120,
    minutes: '2',
    rate: '0.06',
    cost: '0.12',
    source: US,
    destination: '+19005550123',
    country: 'US',
    start: '2026-01-01 03:00:00.000',
    durationMs: 61_000,
    version: V2,
  },
  {
    ...international('u1', '2026-01-15 12:00:00.000', '0', V1),
    billable: 0,
    seconds: 0,
    minutes: '0',
    reason: 'not answered',
  },
  {
    cdr: 'in1',
    account: 'acme-us',
    type: 'inbound',
    seconds: 60,
    minutes: '1',
    rate: '0',
    cost: '0',
    source: '+13125550199',
    destination: US,
    start: '2026-01-16 12:00:00.000',
    durationMs: 30_000,
    version: V1,
  },
  { ...international('x1', '2026-01-12 12:00:00.000', '5', V1), account: 'other-acct' },
  // Brazilian mobiles from a BR account: 6-second steps, 30 s minimum. 66 s → 1.1 min; 31 s → 36 s = 0.6 min.
  {
    cdr: 'b1',
    account: 'br-sp',
    type: 'domestic',
    seconds: 66,
    minutes: '1.1',
    rate: '0',
    cost: '0',
    currency: 'BRL',
    source: '+551130000000',
    destination: '+5511987654321',
    country: 'BR',
    start: '2026-01-07 15:00:00.000',
    durationMs: 66_000,
    version: V1,
  },
  {
    cdr: 'b2',
    account: 'br-sp',
    type: 'domestic',
    seconds: 36,
    minutes: '0.6',
    rate: '0',
    cost: '0',
    currency: 'BRL',
    source: '+551130000000',
    destination: '+5511987654322',
    country: 'BR',
    start: '2026-01-08 15:00:00.000',
    durationMs: 31_000,
    version: V1,
  },
];

/** The January 2026 invoice lines of acme-us, worked out by hand. */
export const ACME_JANUARY = [
  // Four domestic calls of 61 s = 4 × 2 billed minutes = 8 plan minutes; 3 included.
  ['Included Minutes in Plan', '3', '0.00'],
  // 8 − 3 = 5 minutes × 0.02 = 0.10.
  ['Outbound Minutes Overages', '5', '0.10'],
  // m1: 2 minutes × 0.06 = 0.12 (first stored on 31 December with a wrong offset, corrected into January).
  ['Domestic Premium Minutes Not in Plan', '2', '0.12'],
  // tf1: 150 s → 3 minutes × 0.035 = 0.105 → half-up 0.11.
  ['Toll-Free Phone Numbers (DID)', '3', '0.11'],
  // i1 (re-rated from 0.5 to 0.125), i2, i3: 3 × 0.125 = 0.375 → 0.38 once (not 3 × 0.13 = 0.39).
  ['International Phone Numbers (DID)', '3', '0.38'],
];

/** The billed call details of the February 2026 invoice (January usage), in start-time order. */
export const ACME_FEBRUARY_INVOICE_BCD =
  BCD_CSV_HEADER +
  '+12125550100,+19005550123,2026-01-01 03:00:00,2026-01-01 03:01:01,61,2,0.12,0.06,Domestic Metered\n' +
  '+13125550199,+18005550100,2026-01-05 08:00:00,2026-01-05 08:02:30,150,3,0.105,0.035,Inbound Toll-Free\n' +
  // i2 and i1 start in the same second; i2 at .100, i1 at .250. i1 talked 42.5 s.
  '+12125550100,+4930123456,2026-01-10 10:00:00,2026-01-10 10:01:00,60,1,0.125,0.125,International\n' +
  '+12125550100,+4930123456,2026-01-10 10:00:00,2026-01-10 10:00:42,42.5,1,0.125,0.125,International\n' +
  '+12125550100,+4930123456,2026-01-31 23:30:00,2026-01-31 23:31:00,60,1,0.125,0.125,International\n';
