import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClickhouse, migrate } from '@cdrate/clickhouse';
import type { RatedCall } from '@cdrate/schemas';
import { testClickhouseUrl, uniqueName } from '../../../test/support/stack.js';
import { ratedCall } from './fixtures.js';

const MIGRATIONS_DIR = join(__dirname, '..', '..', '..', 'schemas', 'clickhouse');

/** POSTs one statement; returns the response body, throws with the server's message on failure. */
async function query(sql: string): Promise<string> {
  const response = await fetch(testClickhouseUrl(), {
    method: 'POST',
    body: sql,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`ClickHouse ${response.status}: ${text}\n-- for: ${sql.slice(0, 300)}`);
  return text;
}

async function rows<T>(sql: string): Promise<T[]> {
  const text = await query(`${sql} FORMAT JSONEachRow`);
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

/** The project's migration runner (`migrate` of `@cdrate/clickhouse`); returns the versions it applied. */
async function applyMigrations(database: string): Promise<readonly number[]> {
  const client = createClickhouse({ url: testClickhouseUrl() });
  try {
    return (await migrate(client, { dir: MIGRATIONS_DIR, database })).applied;
  } finally {
    await client.close();
  }
}

/** Whole milliseconds as an exact decimal of seconds with 3 places: 62500 → `62.500`. */
function msToSeconds(ms: number): string {
  return `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, '0')}`;
}

/**
 * The JSONEachRow line of a rated call: decimals unquoted, times in unix seconds plus a `*_ms` column,
 * `duration_ms` as `duration_sec` Decimal(12, 3), nulls as ''.
 */
function ratedCallRow(call: RatedCall): string {
  const { duration_ms: durationMs, ...fields } = call;
  const row = {
    ...fields,
    billable: call.billable ? 1 : 0,
    billable_minutes: `@${call.billable_minutes}@`,
    rate: `@${call.rate}@`,
    cost: `@${call.cost}@`,
    destination_country: call.destination_country ?? '',
    matched_prefix: call.matched_prefix ?? '',
    reason: call.reason ?? '',
    start_time: Math.floor(call.start_time / 1000),
    end_time: Math.floor(call.end_time / 1000),
    start_time_ms: call.start_time % 1000,
    end_time_ms: call.end_time % 1000,
    duration_sec: `@${msToSeconds(durationMs)}@`,
    rated_at: Math.floor(call.rated_at / 1000),
  };
  return JSON.stringify(row).replace(/"@([0-9.]+)@"/g, '$1');
}

/**
 * A decimal's text without trailing fraction zeros: `toString(Decimal)` pads to the scale on 18.16
 * (`0.375000000`) and does not on modern servers (`0.375`); the digits must be equal either way.
 */
function decimal(text: string): string {
  return text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
}

function version(call: RatedCall, ratedAt: number, changes: Partial<RatedCall> = {}): RatedCall {
  return { ...call, ...changes, rated_at: ratedAt, rating_version: ratedAt };
}

/** Per-month read that deduplicates before filtering on the month (docs/schemas.md). */
function monthlyCostsSql(database: string, month: string, windowStart: string, windowEnd: string): string {
  return `
    SELECT account_id, latest_call_type AS call_type, count() AS calls, toString(sum(latest_cost)) AS cost
    FROM
    (
      SELECT account_id, cdr_id,
             argMax(call_type, rating_version) AS latest_call_type,
             argMax(cost, rating_version) AS latest_cost,
             argMax(start_time, rating_version) AS latest_start
      FROM ${database}.rated_calls
      WHERE start_time >= toDateTime('${windowStart} 00:00:00', 'UTC') AND start_time < toDateTime('${windowEnd} 00:00:00', 'UTC')
      GROUP BY account_id, cdr_id
      HAVING toYYYYMM(latest_start) = ${month}
    )
    GROUP BY account_id, call_type
    ORDER BY account_id, call_type`;
}

describe('ClickHouse DDL (schemas/clickhouse) on the real server', () => {
  const database = uniqueName('schemas_ddl');
  const feb1 = Date.UTC(2026, 1, 1, 10, 0, 0);

  let appliedFirst: readonly number[] = [];

  beforeAll(async () => {
    appliedFirst = await applyMigrations(database);
  }, 30_000);

  afterAll(async () => {
    await query(`DROP DATABASE IF EXISTS ${database}`);
  });

  it('applies every migration once: a second run applies nothing', async () => {
    expect(appliedFirst).toEqual([1, 2, 3]);
    expect(await applyMigrations(database)).toEqual([]);
    const tables = await rows<{ name: string }>(
      `SELECT name FROM system.tables WHERE database = '${database}' ORDER BY name`,
    );
    expect(tables.map((t) => t.name)).toEqual([
      'rated_calls',
      'rejected_cdrs',
      'rejected_cdrs_before_0003',
      'schema_migrations',
    ]);
  });

  it('keeps the latest rating of a duplicated call, by rating_version not by insertion order, with exact money', async () => {
    const a = { ...ratedCall, cdr_id: 'A', start_time: feb1, end_time: feb1 + 125_000 };
    const b = { ...a, cdr_id: 'B', cost: '0.375000', rate: '0.125', billable_minutes: '3' };
    const c = {
      ...a,
      cdr_id: 'C',
      cost: '0.125',
      rate: '0.125',
      billable_minutes: '1',
      billable_seconds: 60,
    };
    await query(
      `INSERT INTO ${database}.rated_calls FORMAT JSONEachRow\n` +
        [
          ratedCallRow(version(a, feb1 + 1000, { cost: '0.125', rate: '0.041666667' })),
          ratedCallRow(version(b, feb1 + 1000)),
          ratedCallRow(version(c, feb1 + 9000)),
        ].join('\n'),
    );
    // Later inserts: A re-rated (higher version), C replayed with an older rating (lower version).
    await query(
      `INSERT INTO ${database}.rated_calls FORMAT JSONEachRow\n` +
        [
          ratedCallRow(version(a, feb1 + 5000, { cost: '0.375', rate: '0.125' })),
          ratedCallRow(version(c, feb1 + 2000, { cost: '9.999' })),
        ].join('\n'),
    );

    const latest = await rows<{
      cdr_id: string;
      cost: string;
      rate: string;
      billable_minutes: string;
      rating_version: string;
    }>(
      `SELECT cdr_id, toString(cost) AS cost, toString(rate) AS rate, toString(billable_minutes) AS billable_minutes,
              rating_version
       FROM ${database}.rated_calls FINAL WHERE account_id = '${a.account_id}' ORDER BY cdr_id`,
    );
    const v = (ratedAt: number): string => String(feb1 + ratedAt);
    expect(
      latest.map((r) => ({
        ...r,
        cost: decimal(r.cost),
        rate: decimal(r.rate),
        billable_minutes: decimal(r.billable_minutes),
      })),
    ).toEqual([
      { cdr_id: 'A', cost: '0.375', rate: '0.125', billable_minutes: '3', rating_version: v(5000) },
      { cdr_id: 'B', cost: '0.375', rate: '0.125', billable_minutes: '3', rating_version: v(1000) },
      { cdr_id: 'C', cost: '0.125', rate: '0.125', billable_minutes: '1', rating_version: v(9000) },
    ]);

    const [total] = await rows<{ cost: string; calls: string }>(
      `SELECT toString(sum(cost)) AS cost, count() AS calls FROM ${database}.rated_calls FINAL WHERE account_id = '${a.account_id}'`,
    );
    expect(total && { ...total, cost: decimal(total.cost) }).toEqual({ cost: '0.875', calls: '3' });

    const byArgMax = await rows<{ cost: string }>(
      `SELECT toString(sum(latest_cost)) AS cost FROM
       (SELECT argMax(cost, rating_version) AS latest_cost FROM ${database}.rated_calls
        WHERE account_id = '${a.account_id}' GROUP BY account_id, cdr_id)`,
    );
    expect(byArgMax.map((r) => decimal(r.cost))).toEqual(['0.875']);
  });

  it('stores every rated-call field under its Avro name, nulls as empty strings, times in UTC', async () => {
    const unbilled: RatedCall = {
      ...ratedCall,
      account_id: 'acct-fields',
      cdr_id: 'F',
      call_type: 'internal',
      billable: false,
      billable_seconds: 0,
      billable_minutes: '0',
      rate: '0',
      cost: '0',
      destination: '204',
      destination_country: null,
      matched_prefix: null,
      reason: 'not answered',
    };
    await query(`INSERT INTO ${database}.rated_calls FORMAT JSONEachRow\n${ratedCallRow(unbilled)}`);
    const [row] = await rows<Record<string, unknown>>(
      `SELECT *, toString(cost) AS cost_text, toString(duration_sec) AS duration_text,
              formatDateTime(start_time, '%Y-%m-%d %H:%M:%S', 'UTC') AS start_text
       FROM ${database}.rated_calls FINAL WHERE account_id = 'acct-fields'`,
    );
    expect(row).toMatchObject({
      cdr_id: 'F',
      call_type: 'internal',
      billable: 0,
      billable_seconds: 0,
      destination_country: '',
      matched_prefix: '',
      reason: 'not answered',
      cost_text: expect.stringMatching(/^0(\.0+)?$/),
      start_text: '2026-02-01 00:00:00',
      start_time_ms: 0,
      end_time_ms: 500,
      duration_text: expect.stringMatching(/^120\.50*$/),
    });
    const columns = await rows<{ name: string }>(
      `SELECT name FROM system.columns WHERE database = '${database}' AND table = 'rated_calls'`,
    );
    const expected = Object.keys(ratedCall)
      .filter((name) => name !== 'duration_ms')
      .concat('duration_sec', 'start_time_ms', 'end_time_ms');
    expect(columns.map((c) => c.name).sort()).toEqual(expected.sort());
  });

  it('reads back exactly what the rating core produced: 11-decimal cost, millisecond times and duration', async () => {
    const start = feb1 + 123;
    const call: RatedCall = {
      ...ratedCall,
      account_id: 'acct-exact',
      cdr_id: 'X',
      billable_seconds: 1,
      billable_minutes: '0.01',
      rate: '0.833333333',
      cost: '0.00833333333',
      start_time: start,
      end_time: start + 62_500,
      duration_ms: 62_500,
    };
    await query(`INSERT INTO ${database}.rated_calls FORMAT JSONEachRow\n${ratedCallRow(call)}`);
    const [row] = await rows<Record<string, string>>(
      `SELECT toString(cost) AS cost_text, toString(rate) AS rate_text, toString(duration_sec) AS duration_text,
              toString(toUInt64(start_time) * 1000 + start_time_ms) AS start_ms,
              toString(toUInt64(end_time) * 1000 + end_time_ms) AS end_ms,
              toString(duration_sec * 1000) AS duration_ms_text
       FROM ${database}.rated_calls FINAL WHERE account_id = 'acct-exact'`,
    );
    // 18.16 pads toString(Decimal) to the scale (62.500, 0.833333333); modern servers drop trailing zeros.
    expect(row?.['cost_text']).toBe('0.00833333333'); // all 11 digits significant: equal on both
    expect(row?.['rate_text']).toBe('0.833333333');
    expect(row?.['duration_text']).toMatch(/^62\.50*$/);
    expect(decimal(row?.['duration_text'] ?? '')).toBe('62.5');
    expect(decimal(row?.['duration_ms_text'] ?? '')).toBe('62500');
    expect(row?.['start_ms']).toBe(String(call.start_time));
    expect(row?.['end_ms']).toBe(String(call.end_time));
  });

  it('counts a call moved to another month by a correction once, in its latest month', async () => {
    const jan31 = Date.UTC(2026, 0, 31, 23, 59, 50);
    const moved = {
      ...ratedCall,
      account_id: 'acct-moved',
      cdr_id: 'M',
      cost: '1.5',
      start_time: jan31,
      end_time: jan31 + 5000,
    };
    const corrected = version(moved, jan31 + 86_400_000, {
      start_time: jan31 + 20_000,
      end_time: jan31 + 25_000,
      cost: '2.25',
    });
    await query(
      `INSERT INTO ${database}.rated_calls FORMAT JSONEachRow\n${ratedCallRow(version(moved, jan31 + 60_000))}\n${ratedCallRow(corrected)}`,
    );
    const january = await rows(monthlyCostsSql(database, '202601', '2025-12-01', '2026-03-01'));
    const february = await rows(monthlyCostsSql(database, '202602', '2026-01-01', '2026-04-01'));
    expect(january.filter((r) => (r as { account_id: string }).account_id === 'acct-moved')).toEqual([]);
    const moved2 = february.filter((r) => (r as { account_id: string }).account_id === 'acct-moved') as {
      cost: string;
    }[];
    expect(moved2.map((r) => ({ ...r, cost: decimal(r.cost) }))).toEqual([
      { account_id: 'acct-moved', call_type: 'international', calls: '1', cost: '2.25' },
    ]);
  });

  it('lands DLQ records in rejected_cdrs, a redelivered one counted once', async () => {
    const reject = (offset: number, code: string): string =>
      JSON.stringify({
        cdr_id: offset === 7 ? '' : `sw1-${offset}`,
        error_code: code,
        error_message: 'no rate for +999',
        stage: 'rating',
        payload: 'AAEC/w==',
        payload_encoding: 'base64',
        origin_topic: 'cdr.normalized',
        origin_partition: 2,
        origin_offset: offset,
        failed_at: Math.floor(feb1 / 1000),
      });
    await query(
      `INSERT INTO ${database}.rejected_cdrs FORMAT JSONEachRow\n${reject(5, 'NO_RATE')}\n${reject(6, 'NO_RATE')}`,
    );
    await query(
      `INSERT INTO ${database}.rejected_cdrs FORMAT JSONEachRow\n${reject(5, 'NO_RATE')}\n${reject(7, 'BAD_NUMBER')}`,
    );
    const byCode = await rows<{ error_code: string; rejects: string }>(
      `SELECT error_code, count() AS rejects FROM ${database}.rejected_cdrs FINAL GROUP BY error_code ORDER BY error_code`,
    );
    expect(byCode).toEqual([
      { error_code: 'BAD_NUMBER', rejects: '1' },
      { error_code: 'NO_RATE', rejects: '2' },
    ]);
  });

  it('keeps apart the records of one batch message refused with the same code (0003: the payload is in the key)', async () => {
    // Three records of one cdr.rated message (same origin offset 40), all NO_RATE, each its own payload;
    // the second is delivered twice.
    const reject = (payload: string): string =>
      JSON.stringify({
        cdr_id: `batch-${payload}`,
        error_code: 'NO_RATE',
        error_message: 'no rate',
        stage: 'rating',
        payload,
        payload_encoding: 'base64',
        origin_topic: 'cdr.normalized',
        origin_partition: 1,
        origin_offset: 40,
        failed_at: Math.floor(feb1 / 1000),
      });
    await query(
      `INSERT INTO ${database}.rejected_cdrs FORMAT JSONEachRow\n${['zQIB', 'zQIC', 'zQID'].map(reject).join('\n')}`,
    );
    await query(`INSERT INTO ${database}.rejected_cdrs FORMAT JSONEachRow\n${reject('zQIC')}`);
    const ids = await rows<{ cdr_id: string }>(
      `SELECT cdr_id FROM ${database}.rejected_cdrs FINAL WHERE origin_offset = 40 ORDER BY cdr_id`,
    );
    expect(ids.map((r) => r.cdr_id)).toEqual(['batch-zQIB', 'batch-zQIC', 'batch-zQID']);
  });

  it('moves the rows of a 0002 table into the 0003 one and keeps the old table', async () => {
    const old = uniqueName('schemas_ddl_0002');
    // A database migrated by a build that had only 0001 and 0002 (the same files, so the same checksums).
    const before = mkdtempSync(join(tmpdir(), 'cdrate-0002-'));
    for (const file of ['0001_rated_calls.sql', '0002_rejected_cdrs.sql']) {
      copyFileSync(join(MIGRATIONS_DIR, file), join(before, file));
    }
    const client = createClickhouse({ url: testClickhouseUrl() });
    try {
      expect((await migrate(client, { dir: before, database: old })).applied).toEqual([1, 2]);
      const row = (offset: number): string =>
        JSON.stringify({
          cdr_id: `old-${offset}`,
          error_code: 'BAD_NUMBER',
          error_message: 'unreadable',
          stage: 'ingest',
          payload: 'x',
          payload_encoding: 'utf8',
          origin_topic: 'cdr.raw',
          origin_partition: 0,
          origin_offset: offset,
          failed_at: Math.floor(feb1 / 1000),
        });
      await query(`INSERT INTO ${old}.rejected_cdrs FORMAT JSONEachRow\n${row(1)}\n${row(2)}`);
      expect((await migrate(client, { dir: MIGRATIONS_DIR, database: old })).applied).toEqual([3]);
      const ids = await rows<{ cdr_id: string }>(
        `SELECT cdr_id FROM ${old}.rejected_cdrs FINAL ORDER BY cdr_id`,
      );
      expect(ids.map((r) => r.cdr_id)).toEqual(['old-1', 'old-2']);
      const kept = await rows<{ n: string }>(`SELECT count() AS n FROM ${old}.rejected_cdrs_before_0003`);
      expect(kept).toEqual([{ n: '2' }]);
    } finally {
      await client.close();
      rmSync(before, { recursive: true, force: true });
      await query(`DROP DATABASE IF EXISTS ${old}`);
    }
  });
});
