/**
 * The analyst guide's queries (docs/analysts.md) run as written on the real ClickHouse, against a database
 * migrated with the project's own migrations and holding a few hand-made calls, and give the answers
 * worked out by hand below.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createClickhouse, migrate, sql, type ClickhouseClient } from '@cdrate/clickhouse';
import { testClickhouseUrl, uniqueName } from '../support/stack.js';

const repoRoot = path.resolve(__dirname, '..', '..');
const guide = fs.readFileSync(path.join(repoRoot, 'docs', 'analysts.md'), 'utf8');
const queries = [...guide.matchAll(/### (\d+)\. ([^\n]+)\n[\s\S]*?```sql\n([\s\S]*?)```/g)].map((m) => ({
  number: Number(m[1]),
  title: m[2] ?? '',
  text: m[3] ?? '',
}));

const database = uniqueName('analysts');
let client: ClickhouseClient;

/** Columns in table order; values as SQL literals. */
function ratedCall(values: {
  cdr: string;
  account?: string;
  type: string;
  billable?: 0 | 1;
  seconds: number;
  minutes: string;
  rate: string;
  cost: string;
  currency?: string;
  country: string;
  start: string;
  duration: string;
  version: number;
  reason?: string;
}): string {
  return `('${values.cdr}', '${values.account ?? 'acct-00001'}', '${values.type}', ${values.billable ?? 1}, ${values.seconds},
    toDecimal64('${values.minutes}', 6), toDecimal64('${values.rate}', 9), toDecimal64('${values.cost}', 11),
    '${values.currency ?? 'USD'}', '+12125550100', '+4930123456', '${values.country}', '', toDateTime('${values.start}', 'UTC'),
    toDateTime('${values.start}', 'UTC') + ${values.seconds}, 0, 0, toDecimal64('${values.duration}', 3), '${values.reason ?? ''}',
    toDateTime('${values.start}', 'UTC'), ${values.version})`;
}

beforeAll(async () => {
  client = createClickhouse({ url: testClickhouseUrl() });
  await migrate(client, { dir: path.join(repoRoot, 'schemas', 'clickhouse'), database });
  const rows = [
    // Three international calls of 0.125 each in January; c1 was re-rated (version 2 wins over 1).
    ratedCall({
      cdr: 'c1',
      type: 'international',
      seconds: 60,
      minutes: '1',
      rate: '0.5',
      cost: '0.5',
      country: 'DE',
      start: '2026-01-10 10:00:00',
      duration: '42',
      version: 1,
    }),
    ratedCall({
      cdr: 'c1',
      type: 'international',
      seconds: 60,
      minutes: '1',
      rate: '0.125',
      cost: '0.125',
      country: 'DE',
      start: '2026-01-10 10:00:00',
      duration: '42',
      version: 2,
    }),
    ratedCall({
      cdr: 'c2',
      type: 'international',
      seconds: 60,
      minutes: '1',
      rate: '0.125',
      cost: '0.125',
      country: 'DE',
      start: '2026-01-11 11:00:00',
      duration: '60',
      version: 1,
    }),
    ratedCall({
      cdr: 'c3',
      type: 'international',
      seconds: 60,
      minutes: '1',
      rate: '0.125',
      cost: '0.125',
      country: 'FR',
      start: '2026-01-31 23:30:00',
      duration: '1.5',
      version: 1,
    }),
    // A domestic call and an unanswered one.
    ratedCall({
      cdr: 'c4',
      type: 'domestic',
      seconds: 120,
      minutes: '2',
      rate: '0',
      cost: '0',
      country: 'US',
      start: '2026-01-12 12:00:00',
      duration: '62',
      version: 1,
    }),
    ratedCall({
      cdr: 'c5',
      type: 'domestic',
      billable: 0,
      seconds: 0,
      minutes: '0',
      rate: '0',
      cost: '0',
      country: 'US',
      start: '2026-01-12 13:00:00',
      duration: '0',
      version: 1,
      reason: 'not answered (no_answer)',
    }),
    // A Brazilian mobile call: 43 s of talk billed as 48 s (6-second steps).
    ratedCall({
      cdr: 'c6',
      account: 'acct-br',
      type: 'domestic',
      seconds: 48,
      minutes: '0.8',
      rate: '0',
      cost: '0',
      currency: 'BRL',
      country: 'BR',
      start: '2026-01-13 09:00:00',
      duration: '43',
      version: 1,
    }),
    // February.
    ratedCall({
      cdr: 'c7',
      type: 'international',
      seconds: 120,
      minutes: '2',
      rate: '0.1',
      cost: '0.2',
      country: 'DE',
      start: '2026-02-01 00:30:00',
      duration: '100',
      version: 1,
    }),
  ];
  await client.command(`INSERT INTO ${database}.rated_calls VALUES ${rows.join(',\n')}`);
  await client.command(
    `INSERT INTO ${database}.rejected_cdrs VALUES
      ('x1', 'NO_RATE', 'no rate for +999', 'rating', '{"cdr_id":"x1"}', 'utf8', 'cdr.normalized', 0, 10, toDateTime('2026-01-15 08:00:00', 'UTC')),
      ('c2', 'UNKNOWN_ACCOUNT', 'no account acct-00001', 'ingest', '{"cdr_id":"c2"}', 'utf8', 'cdr.raw', 1, 5, toDateTime('2026-01-11 10:00:00', 'UTC')),
      ('', 'MALFORMED_RECORD', 'not JSON', 'ingest', 'AAEC', 'base64', 'cdr.raw', 2, 7, toDateTime('2026-01-15 09:00:00', 'UTC'))`,
  );
}, 60_000);

afterAll(async () => {
  await client.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`);
  await client.close();
});

function run(number: number): Promise<Record<string, unknown>[]> {
  const query = queries.find((q) => q.number === number);
  if (query === undefined) throw new Error(`docs/analysts.md has no query ${number}`);
  return client.query(query.text.replace(/\bcdr\./g, `${database}.`));
}

/** Decimal text without the padding 18.16 adds. */
function trim(text: unknown): string {
  const s = String(text);
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

describe('docs/analysts.md', () => {
  it('has a dozen worked queries', () => {
    expect(queries.map((q) => q.number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  });

  it('1: usage by call type counts the latest rating of each January call once', async () => {
    const rows = await run(1);
    // international: c1 (re-rated to 0.125), c2, c3 → 3 calls, 3 minutes, 0.375; domestic: c4, c5 → 2 min.
    expect(
      rows.map((r) => [r['call_type'], Number(r['calls']), trim(r['billable_minutes']), trim(r['cost'])]),
    ).toEqual([
      ['domestic', 2, '2', '0'],
      ['international', 3, '3', '0.375'],
    ]);
  });

  it('2: monthly usage rounds each sum once (0.375 → 0.38)', async () => {
    const rows = await run(2);
    const january = rows.find((r) => Number(r['month']) === 202601 && r['call_type'] === 'international');
    expect(trim(january?.['cost'])).toBe('0.38');
  });

  it('3: top destinations are by minutes, deduplicated', async () => {
    const rows = await run(3);
    expect(
      rows.map((r) => [r['destination_country'], Number(r['calls']), trim(r['minutes']), trim(r['cost'])]),
    ).toEqual([
      ['DE', 2, '2', '0.25'],
      ['FR', 1, '1', '0.13'],
    ]);
  });

  it('4: calls per hour put a 23:30 UTC call in hour 23', async () => {
    const rows = await run(4);
    expect(rows.find((r) => Number(r['hour_utc']) === 23)?.['calls']).toBe('1');
  });

  it('5: the Brazilian mobile call billed 48 s for 43 s where whole minutes would bill 60 s', async () => {
    const [row] = await run(5);
    expect([
      Number(row?.['calls']),
      trim(row?.['talk_seconds']),
      Number(row?.['billed_seconds']),
      Number(row?.['whole_minute_seconds']),
    ]).toEqual([1, '43', 48, 60]);
  });

  it('6 to 12 run on this server', async () => {
    expect((await run(6)).map((r) => r['reason'])).toEqual(['not answered (no_answer)']);
    expect((await run(7)).length).toBeGreaterThan(0);
    const versions = await run(8);
    expect(versions.length === 0 || versions[0]?.['cdr_id'] === 'c1').toBe(true);
    expect((await run(9)).length).toBe(0); // the example id is not in this fixture
    expect((await run(10)).length).toBe(3);
    expect((await run(11)).map((r) => r['cdr_id'])).toEqual(['x1']);
    expect((await run(12)).map((r) => [r['error_code'], Number(r['fixed'])])).toEqual([
      ['UNKNOWN_ACCOUNT', 1],
    ]);
  });
});
