/**
 * The modern-ClickHouse check (run by `bash test/modern-clickhouse/run.sh`): renders every DDL statement and
 * query the project issues — with the project's own code, not copies — into `.local/modern-sql/`, runs them
 * on ClickHouse 26.x embedded by chDB (`run_sql.py`), and checks that the answers are the hand-worked ones
 * the 18.16 tests expect.
 *
 * Rendered, in order: the migration runner's statements (recorded from `migrate()` with a recording client:
 * CREATE DATABASE, schema_migrations, every `schemas/clickhouse` statement, its bookkeeping insert), the
 * aggregation service's landing inserts (`ratedCallTsvRow` as TabSeparated, `rejectedCdrRow` as JSONEachRow), the billing
 * fixtures, then the queries: the twelve of docs/analysts.md, the billing builders (`usageTotalsQuery`,
 * `billedCallsQuery`) and `cdr export rated`'s `exportQuery`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { encodeJsonValue, migrate, sql, type ClickhouseClient, type SqlText } from '@cdrate/clickhouse';
import {
  bcdCsvLineFromTsv,
  BCD_CSV_HEADER,
  billedCallsQuery,
  computeUsage,
  usageTotalsQuery,
  type Month,
} from '@cdrate/billing';
import { buildDlqRecord, type RatedCall } from '@cdrate/schemas';
import { RATED_CALLS_COLUMNS, ratedCallTsvRow } from '../../services/aggregation/src/rated-tsv.js';
import { rejectedCdrRow } from '../../services/aggregation/src/rows.js';
import {
  exportQuery,
  ratedCallFromRow,
  type ExportRow,
} from '../../packages/cli/src/commands/export-rated.js';
import {
  ACME_FEBRUARY_INVOICE_BCD,
  ACME_JANUARY,
  ACME_PLAN,
  BRAZIL_PLAN,
  FIXTURE_CALLS,
  insertCalls,
} from '../../packages/billing/test/fixtures.js';

const repoRoot = path.resolve(__dirname, '..', '..');
const outDir = path.join(repoRoot, '.local', 'modern-sql');
const python = process.env['CHDB_PYTHON'] ?? path.join(repoRoot, '.local', 'venv-chdb', 'bin', 'python');
const DATABASE = 'cdr'; // the analyst queries name cdr.rated_calls
const JANUARY: Month = { year: 2026, month: 1 };
const FEBRUARY: Month = { year: 2026, month: 2 };

const statements: { name: string; text: string; tsv?: boolean }[] = [];
function add(name: string, text: SqlText, tsv = false): void {
  statements.push({ name, text: String(text), tsv });
}

/** A client that runs nothing and records what `migrate()` sends (queries answer "nothing applied yet"). */
function recordingClient(): ClickhouseClient {
  let n = 0;
  const recorder = {
    command: (text: SqlText) => {
      add(`migrate_${String(++n).padStart(2, '0')}`, text);
      return Promise.resolve();
    },
    query: (text: SqlText) => {
      add(`migrate_${String(++n).padStart(2, '0')}`, text);
      return Promise.resolve([]);
    },
    insert: (table: string, rows: readonly object[]) => {
      const lines = rows.map((row) => encodeJsonValue(row)).join('\n');
      add(`migrate_${String(++n).padStart(2, '0')}`, `INSERT INTO ${table} FORMAT JSONEachRow\n${lines}`);
      return Promise.resolve();
    },
  };
  return recorder as unknown as ClickhouseClient;
}

/** A rated call as the rating service publishes it (times epoch ms). */
const landed: RatedCall = {
  cdr_id: 'landed-1',
  account_id: 'landing-acct',
  call_type: 'international',
  billable: true,
  billable_seconds: 66,
  billable_minutes: '1.1',
  rate: '0.123456789',
  cost: '0.1358024679',
  currency: 'USD',
  source: '+12125550100',
  destination: '+4930123456',
  destination_country: 'DE',
  matched_prefix: '4930',
  start_time: Date.UTC(2026, 0, 20, 12, 0, 0, 250),
  end_time: Date.UTC(2026, 0, 20, 12, 1, 2, 750),
  duration_ms: 62_500,
  reason: null,
  rated_at: Date.UTC(2026, 0, 20, 12, 5),
  rating_version: Date.UTC(2026, 0, 20, 12, 5),
};

function readOut(name: string): string {
  const file = statements.find((s) => s.name === name);
  if (file === undefined) throw new Error(`no statement ${name}`);
  const index = statements.indexOf(file);
  return fs.readFileSync(
    path.join(outDir, fileName(index, file.name, file.tsv).replace(/\.sql$/, '.out')),
    'utf8',
  );
}

function fileName(index: number, name: string, tsv = false): string {
  return `${String(index).padStart(3, '0')}_${name}${tsv ? '.tsv' : ''}.sql`;
}

function jsonRows<T>(name: string): T[] {
  return readOut(name)
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
}

let run: { status: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  add('version', 'SELECT version()');
  await migrate(recordingClient(), { dir: path.join(repoRoot, 'schemas', 'clickhouse'), database: DATABASE });
  add(
    'landing_rated_calls',
    // What the aggregation service sends: TabSeparated with an explicit column list.
    `INSERT INTO ${DATABASE}.rated_calls (${RATED_CALLS_COLUMNS.join(', ')}) FORMAT TabSeparated\n${ratedCallTsvRow(landed)}`,
  );
  const dlq = buildDlqRecord({
    cdrId: 'bad-1',
    errorCode: 'NO_RATE',
    errorMessage: 'no rate for +999',
    stage: 'rating',
    payload: Buffer.from('{"cdr_id":"bad-1"}'),
    origin: { topic: 'cdr.normalized', partition: 3, offset: '18446744073709551615' },
    failedAtMs: Date.UTC(2026, 0, 21),
  });
  add(
    'landing_rejected_cdrs',
    `INSERT INTO ${DATABASE}.rejected_cdrs FORMAT JSONEachRow\n${rejectedCdrRow(dlq)}`,
  );
  add('fixtures', insertCalls(DATABASE, FIXTURE_CALLS));

  const guide = fs.readFileSync(path.join(repoRoot, 'docs', 'analysts.md'), 'utf8');
  for (const match of guide.matchAll(/### (\d+)\. [^\n]+\n[\s\S]*?```sql\n([\s\S]*?)```/g)) {
    add(`analysts_${match[1]!.padStart(2, '0')}`, match[2]!);
  }

  add('usage_acme_2026_01', usageTotalsQuery({ database: DATABASE, accountId: 'acme-us', month: JANUARY }));
  add('usage_acme_2026_02', usageTotalsQuery({ database: DATABASE, accountId: 'acme-us', month: FEBRUARY }));
  add('usage_br_2026_01', usageTotalsQuery({ database: DATABASE, accountId: 'br-sp', month: JANUARY }));
  add(
    'bcd_acme_2026_01',
    billedCallsQuery({ database: DATABASE, accountId: 'acme-us', month: JANUARY }),
    true,
  );
  add('export_rated_acme_2026_01', exportQuery(sql, DATABASE, 'acme-us', 2026, 1));
  add('landed_read_back', exportQuery(sql, DATABASE, 'landing-acct', 2026, 1));

  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  statements.forEach((statement, index) =>
    fs.writeFileSync(path.join(outDir, fileName(index, statement.name, statement.tsv)), statement.text),
  );
  const result = spawnSync(python, [path.join(__dirname, 'run_sql.py'), outDir], { encoding: 'utf8' });
  if (result.error !== undefined)
    throw new Error(`cannot run ${python}: ${result.error.message} (run run.sh)`);
  run = { status: result.status, stdout: result.stdout, stderr: result.stderr };
}, 120_000);

describe('the project SQL on modern ClickHouse (chDB)', () => {
  it('runs every statement without an error', () => {
    expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: '' });
    expect(run.stdout).toMatch(/^chDB ClickHouse (2[3-9]|[3-9][0-9])\./);
    expect(run.stdout.match(/^ok /gm)).toHaveLength(statements.length);
  });

  it('renders the migrations, the twelve analyst queries and the billing builders', () => {
    const names = statements.map((s) => s.name);
    expect(names.filter((n) => n.startsWith('analysts_'))).toHaveLength(12);
    expect(statements.some((s) => s.text.includes('CREATE TABLE IF NOT EXISTS cdr.rated_calls'))).toBe(true);
    expect(statements.some((s) => s.text.includes('CREATE TABLE IF NOT EXISTS cdr.rejected_cdrs'))).toBe(
      true,
    );
  });

  it('gives the hand-worked January invoice of acme-us', () => {
    const totals = jsonRows<{
      call_type_name: string;
      currency_code: string;
      calls: string;
      minutes_total: string;
      cost_total: string;
    }>('usage_acme_2026_01').map((row) => ({
      callType: row.call_type_name,
      currency: row.currency_code,
      calls: Number(row.calls),
      minutes: row.minutes_total,
      cost: row.cost_total,
    }));
    const report = computeUsage({ accountId: 'acme-us', month: JANUARY, plan: ACME_PLAN, totals });
    expect(report.lines.map((line) => [line.line_item, line.minutes, line.charge])).toEqual(ACME_JANUARY);
    expect(report.total_charge).toBe('0.71');
  });

  it('puts the 31 January 21:00 UTC−4 call into February and keeps Brazilian fractions', () => {
    const february = jsonRows<{ call_type_name: string; cost_total: string }>('usage_acme_2026_02');
    expect(february).toEqual([
      expect.objectContaining({ call_type_name: 'international', cost_total: '0.2' }),
    ]);
    const brazil = jsonRows<{
      call_type_name: string;
      currency_code: string;
      minutes_total: string;
      cost_total: string;
      calls: string;
    }>('usage_br_2026_01').map((row) => ({
      callType: row.call_type_name,
      currency: row.currency_code,
      calls: Number(row.calls),
      minutes: row.minutes_total,
      cost: row.cost_total,
    }));
    const report = computeUsage({ accountId: 'br-sp', month: JANUARY, plan: BRAZIL_PLAN, totals: brazil });
    expect(report.lines[1]).toEqual({
      line_item: 'Outbound Minutes Overages',
      minutes: '0.7',
      charge: '0.04',
    });
  });

  it('exports the same billed call details as on 18.16', () => {
    const lines = readOut('bcd_acme_2026_01')
      .split('\n')
      .filter((line) => line !== '');
    expect(BCD_CSV_HEADER + lines.map(bcdCsvLineFromTsv).join('')).toBe(ACME_FEBRUARY_INVOICE_BCD);
  });

  it('reads back cdr export rated rows, one per call, latest version, and the landed call exactly', () => {
    const calls = jsonRows<ExportRow>('export_rated_acme_2026_01').map(ratedCallFromRow);
    expect(calls.map((call) => call.cdr_id)).toEqual([
      'm1',
      'd1',
      'd2',
      'd3',
      'd4',
      'tf1',
      'i2',
      'i1',
      'u1',
      'in1',
      'i3',
    ]);
    expect(calls.find((call) => call.cdr_id === 'i1')?.cost).toBe('0.125');
    const [back] = jsonRows<ExportRow>('landed_read_back').map(ratedCallFromRow);
    expect(back).toMatchObject({
      billable_minutes: '1.1',
      rate: '0.123456789',
      cost: '0.1358024679',
      start_time: '2026-01-20T12:00:00.250Z',
      duration_sec: 62.5,
    });
  });
});
