// Benchmark of the billed-call-detail export: 1M rated calls of one account in one month (plus 10% re-rated
// versions, so deduplication is paid for) inserted into a bench database by INSERT … SELECT FROM
// system.numbers, then exported to a file through `exportBilledCalls` in this process (peak RSS from
// process.resourceUsage) and through the `cdr export bcd` binary (peak RSS = VmHWM polled from /proc).
//   pnpm build && node packages/billing/bench/export.mjs [rows]      (CLICKHOUSE_URL, default local stack)
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, statSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClickhouse, migrate, sql } from '@cdrate/clickhouse';
import { exportBilledCalls } from '@cdrate/billing';

const repoRoot = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..');
const rows = Number(process.argv[2] ?? 1_000_000);
const url = process.env.CLICKHOUSE_URL ?? 'http://127.0.0.1:8123';
const database = 'bench_billing';
const account = 'bench-acct';
const january = Date.UTC(2026, 0, 1) / 1000;
const monthSeconds = 31 * 86400;

const clickhouse = createClickhouse({ url, requestTimeoutMs: 600_000 });
await clickhouse.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`);
await migrate(clickhouse, { dir: join(repoRoot, 'schemas', 'clickhouse'), database });

/** Rows `number` of system.numbers as rated calls; `versionOffset` re-rates with a higher version. */
function insertSelect(limit, where, versionOffset) {
  return sql`INSERT INTO ${sql.identifier(`${database}.rated_calls`)}
SELECT
  concat('c', toString(number)) AS cdr_id,
  ${account} AS account_id,
  arrayElement(['international', 'inbound_toll_free', 'domestic_metered'], number % 3 + 1) AS call_type,
  1 AS billable,
  toUInt32(60 * (1 + number % 5)) AS billable_seconds,
  toDecimal64(1 + number % 5, 6) AS billable_minutes,
  toDecimal64('0.125', 9) AS rate,
  toDecimal64(1 + number % 5, 0) * toDecimal64('0.125', 11) AS cost,
  'USD' AS currency,
  '+12125550100' AS source,
  concat('+4930', toString(1000000 + number % 100000)) AS destination,
  'DE' AS destination_country,
  '4930' AS matched_prefix,
  toDateTime(${january} + intDiv(number * ${monthSeconds}, ${limit}), 'UTC') AS start_time,
  toDateTime(${january} + intDiv(number * ${monthSeconds}, ${limit}) + 42, 'UTC') AS end_time,
  toUInt16(number % 1000) AS start_time_ms,
  toUInt16(number % 1000) AS end_time_ms,
  toDecimal64('42.5', 3) AS duration_sec,
  '' AS reason,
  toDateTime(${january + monthSeconds + 86400}, 'UTC') AS rated_at,
  toUInt64(1767225600000 + ${versionOffset}) AS rating_version
FROM system.numbers
WHERE ${where}
LIMIT ${limit}`;
}

let started = performance.now();
await clickhouse.command(insertSelect(rows, sql`1`, 0));
await clickhouse.command(
  sql`INSERT INTO ${sql.identifier(`${database}.rated_calls`)} SELECT * FROM ${sql.identifier(`${database}.rated_calls`)} WHERE cityHash64(cdr_id) % 10 = 0`,
);
const [{ stored }] = await clickhouse.query(
  sql`SELECT count() AS stored FROM ${sql.identifier(`${database}.rated_calls`)}`,
);
console.log(
  `inserted ${stored} rows (${rows} calls + ~10% second versions) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

const target = { database, accountId: account, month: { year: 2026, month: 1 } };
const out = join(tmpdir(), `bench-bcd-${process.pid}.csv`);

// 1. In process: the library.
started = performance.now();
const { rows: exported } = await exportBilledCalls(
  clickhouse,
  target,
  createWriteStream(out, { highWaterMark: 1 << 20 }),
);
const seconds = (performance.now() - started) / 1000;
const bytes = statSync(out).size;
const peakMb = process.resourceUsage().maxRSS / 1024;
console.log(
  `library: ${exported} rows, ${(bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(2)} s = ` +
    `${Math.round(exported / seconds).toLocaleString('en-US')} rows/s; peak RSS ${peakMb.toFixed(0)} MB`,
);
if (exported !== rows) throw new Error(`expected ${rows} rows, exported ${exported}`);
rmSync(out, { force: true });
await clickhouse.close();

// 2. The binary, as a billing user runs it.
const cli = join(repoRoot, 'packages', 'cli', 'dist', 'main.js');
started = performance.now();
const child = spawn(
  process.execPath,
  [
    cli,
    'export',
    'bcd',
    '--account',
    account,
    '--invoice-month',
    '2026-02',
    '--database',
    database,
    '--out',
    out,
    '--clickhouse-url',
    url,
  ],
  { stdio: ['ignore', 'inherit', 'inherit'] },
);
let hwmKb = 0;
const poll = setInterval(() => {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    if (match) hwmKb = Math.max(hwmKb, Number(match[1]));
  } catch {
    // exited
  }
}, 20);
const code = await new Promise((resolvePromise) => child.once('exit', resolvePromise));
clearInterval(poll);
const cliSeconds = (performance.now() - started) / 1000;
const lines = readFileSync(out, 'utf8').split('\n').length - 2;
rmSync(out, { force: true });
console.log(
  `cdr export bcd: exit ${code}, ${lines} rows in ${cliSeconds.toFixed(2)} s (process start included) = ` +
    `${Math.round(lines / cliSeconds).toLocaleString('en-US')} rows/s; peak RSS ${(hwmKb / 1024).toFixed(0)} MB`,
);
console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, node ${process.version}`,
);
if (process.env.KEEP_BENCH_DB === '1') process.exit(0);
const drop = createClickhouse({ url });
await drop.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`);
await drop.close();
