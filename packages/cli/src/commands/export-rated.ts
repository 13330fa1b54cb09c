/**
 * `cdr export rated`: one account's rated calls of one usage month from ClickHouse, deduplicated, in the
 * exact output format of `cdr rate` (same fields, order and value forms), streamed in constant memory.
 */
import { parseArgs } from 'node:util';
import { open } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { formatIsoInstant, type CallType, type RatedCall } from '@cdrate/rating-core';
import type { sql as SqlTag, SqlFragment } from '@cdrate/clickhouse';
import { CALL_TYPE_SYMBOLS } from '@cdrate/schemas';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js';
import { RATED_CSV_HEADER, ratedCsvLine, ratedJsonLine, type OutputFormat } from '../io/formats.js';
import { BatchedWriter } from '../io/output.js';
import {
  CLICKHOUSE_HELP,
  CLICKHOUSE_OPTIONS,
  clickhouseOption,
  count,
  defineCommand,
  usageErrors,
  Progress,
  type ClickhouseConnection,
  type CommandEnv,
} from './shared.js';

const LABEL = 'cdr export rated';

const HELP = `cdr export rated — one account's rated calls of one month from ClickHouse, as cdr rate prints them

Usage:
  cdr export rated --account <id> --month <YYYY-MM> [--format jsonl|csv] [--out <file|->]
                   [--clickhouse-url <url>] [--database <name>] [--user <name>] [--password <secret>]

Reads rated_calls of the account for the usage month — calls whose start_time falls in that UTC
month — with one row per call: the latest rating_version of each (account_id, cdr_id), deduplicated
before the month is applied, so a call whose correction moved it into a neighbouring month is shown
only where its latest version says (docs/schemas.md, "Per-month reads"). Ordered by start_time, then
cdr_id. Streamed: memory stays constant whatever the month holds.

The lines are exactly those \`cdr rate\` writes for the same calls: same fields in the same order, money
and minutes in the rating core's shortest decimal form ("0.375", "0" — ClickHouse 18.16 pads decimals to
their scale, newer servers do not; both are normalised), times as UTC ISO 8601 with milliseconds only
when there are some, duration_sec as the number of seconds, null where the core writes null.

Options:
  --account <id>        The account_id (as on the accounts topic). Required.
  --month <YYYY-MM>     The usage month, UTC. Required.
  --format <f>          jsonl (default) or csv (with the header row of cdr rate --format csv).
  --out <file|->        Where to write (default "-": standard output).
${CLICKHOUSE_HELP}
  -h, --help            This help.

Only the data goes to standard output; the summary ("N calls …") goes to standard error, with a
progress line while it runs when standard error is a terminal.

Exit codes:
  0  exported (also when the month has no calls)
  2  usage error (a bad account id or month), or the output cannot be written
  1  ClickHouse failed (unreachable, no rated_calls table in --database, refused the query)

Examples:
  pnpm --silent cdr export rated --account acme-us --month 2026-01 > acme-us-2026-01.jsonl
  pnpm --silent cdr export rated --account acme-us --month 2026-01 --format csv --out jan.csv
`;

/** Options of {@link exportRated}. */
export interface ExportRatedOptions {
  readonly account: string;
  readonly year: number;
  /** 1..12 */
  readonly month: number;
  readonly format: OutputFormat;
  readonly out: string;
  readonly clickhouse: ClickhouseConnection;
}

/**
 * Checks an account id: 1 to 256 characters, no control characters, no surrounding spaces.
 * @throws UsageError
 */
export function checkAccountId(id: string): string {
  if (id.length === 0 || id.length > 256)
    throw new UsageError(`--account must be 1 to 256 characters, got ${id.length}`);
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(id)) throw new UsageError('--account must not contain control characters');
  if (id.trim() !== id)
    throw new UsageError(`--account must not start or end with spaces, got ${JSON.stringify(id)}`);
  return id;
}

/** `YYYY-MM` as year and month; years 1970..2105 (ClickHouse DateTime). @throws UsageError */
export function parseMonth(text: string): { year: number; month: number } {
  const match = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(text);
  const year = Number(match?.[1]);
  if (match === null || year < 1970 || year > 2105)
    throw new UsageError(`--month must be YYYY-MM between 1970-01 and 2105-12, got "${text}"`);
  return { year, month: Number(match[2]) };
}

/** Parses the arguments of `cdr export rated`. @throws UsageError */
export function parseExportRatedArgs(args: readonly string[], env: CommandEnv): ExportRatedOptions | 'help' {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        account: { type: 'string' },
        month: { type: 'string' },
        format: { type: 'string' },
        out: { type: 'string' },
        ...CLICKHOUSE_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) return 'help';
  const missing = (['account', 'month'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => '--' + m).join(', ')}`);
  const format = values.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv')
    throw new UsageError(`--format must be jsonl or csv, got "${format}"`);
  const out = values.out ?? '-';
  if (out === '') throw new UsageError('--out must be a file or -');
  return {
    account: checkAccountId(values.account as string),
    ...parseMonth(values.month as string),
    format,
    out,
    clickhouse: clickhouseOption(values, env),
  };
}

/** Unix seconds of the first instant of a UTC month (`month` may run past 12 or below 1). */
function monthStartSeconds(year: number, month: number): number {
  return Date.UTC(year, month - 1, 1) / 1000;
}

/**
 * The export query: every version of the account's calls from the month before to the month after,
 * deduplicated by `argMax(…, rating_version)` per (account_id, cdr_id), then the month applied to the
 * latest start time (docs/schemas.md rule 3), ordered by start time (ms included) and cdr_id. Aliases
 * differ from column names; decimals come out with `toString`, times as unix seconds plus ms.
 */
export function exportQuery(
  sqlTag: typeof SqlTag,
  database: string,
  account: string,
  year: number,
  month: number,
): SqlFragment {
  const from = sqlTag.dateTime(monthStartSeconds(year, month - 1));
  const to = sqlTag.dateTime(monthStartSeconds(year, month + 2));
  const yyyymm = year * 100 + month;
  const table = sqlTag.identifier(`${database}.rated_calls`);
  return sqlTag`SELECT
  account_id AS v_account_id,
  cdr_id AS v_cdr_id,
  toString(argMax(call_type, rating_version)) AS v_call_type,
  argMax(billable, rating_version) AS v_billable,
  argMax(billable_seconds, rating_version) AS v_billable_seconds,
  toString(argMax(billable_minutes, rating_version)) AS v_billable_minutes,
  toString(argMax(rate, rating_version)) AS v_rate,
  toString(argMax(cost, rating_version)) AS v_cost,
  argMax(currency, rating_version) AS v_currency,
  argMax(source, rating_version) AS v_source,
  argMax(destination, rating_version) AS v_destination,
  argMax(destination_country, rating_version) AS v_destination_country,
  argMax(matched_prefix, rating_version) AS v_matched_prefix,
  argMax(start_time, rating_version) AS v_start,
  toUInt32(v_start) AS v_start_seconds,
  argMax(start_time_ms, rating_version) AS v_start_ms,
  toUInt32(argMax(end_time, rating_version)) AS v_end_seconds,
  argMax(end_time_ms, rating_version) AS v_end_ms,
  toString(argMax(duration_sec, rating_version)) AS v_duration_sec,
  argMax(reason, rating_version) AS v_reason
FROM ${table}
WHERE account_id = ${account}
  AND start_time >= ${from}
  AND start_time < ${to}
GROUP BY account_id, cdr_id
HAVING toYYYYMM(v_start, 'UTC') = ${yyyymm}
ORDER BY v_start, v_start_ms, v_cdr_id`;
}

/** A row of {@link exportQuery} as JSONEachRow gives it. */
export interface ExportRow {
  readonly v_account_id: string;
  readonly v_cdr_id: string;
  readonly v_call_type: string;
  readonly v_billable: number;
  readonly v_billable_seconds: number;
  readonly v_billable_minutes: string;
  readonly v_rate: string;
  readonly v_cost: string;
  readonly v_currency: string;
  readonly v_source: string;
  readonly v_destination: string;
  readonly v_destination_country: string;
  readonly v_matched_prefix: string;
  readonly v_start_seconds: number;
  readonly v_start_ms: number;
  readonly v_end_seconds: number;
  readonly v_end_ms: number;
  readonly v_duration_sec: string;
  readonly v_reason: string;
}

const CALL_TYPES: ReadonlySet<string> = new Set<CallType>(CALL_TYPE_SYMBOLS);

/**
 * A ClickHouse decimal's text (`toString`) in the rating core's form (`formatScaled`): no trailing
 * fraction zeros, no trailing point, `"0"` for zero. 18.16 pads to the scale (`0.37500000000`), modern
 * servers do not (`0.375`); both give `0.375`. @throws TypeError when `text` is not a plain decimal.
 */
export function normaliseDecimal(text: string): string {
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text)) throw new TypeError(`not a decimal: ${JSON.stringify(text)}`);
  let integer = text;
  let fraction = '';
  const point = text.indexOf('.');
  if (point >= 0) {
    integer = text.slice(0, point);
    fraction = text.slice(point + 1);
    let end = fraction.length;
    while (end > 0 && fraction.charCodeAt(end - 1) === 48) end--;
    fraction = fraction.slice(0, end);
  }
  let start = 0;
  while (start < integer.length - 1 && integer.charCodeAt(start) === 48) start++;
  integer = integer.slice(start);
  if (fraction === '') return integer;
  return `${integer}.${fraction}`;
}

function whole(value: unknown, name: string, max: number): number {
  const n = typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > max)
    throw new TypeError(`${name}: not an integer 0..${max}: ${JSON.stringify(value)}`);
  return n;
}

function text(value: unknown, name: string): string {
  if (typeof value !== 'string') throw new TypeError(`${name}: not a string: ${JSON.stringify(value)}`);
  return value;
}

/**
 * Turns an export row back into the rating core's `RatedCall` (the inverse of the aggregation service's
 * landing): times from unix seconds + ms through the core's `formatIsoInstant`, decimals normalised
 * ({@link normaliseDecimal}), `duration_sec` back to the number of seconds, `''` back to `null`,
 * `billable` 0/1 to a boolean. @throws TypeError on a row that does not have the expected shape.
 */
export function ratedCallFromRow(row: ExportRow): RatedCall {
  const callType = text(row.v_call_type, 'call_type');
  if (!CALL_TYPES.has(callType)) throw new TypeError(`call_type: unknown ${JSON.stringify(callType)}`);
  const startMs =
    whole(row.v_start_seconds, 'start_time', 0xffffffff) * 1000 + whole(row.v_start_ms, 'start_time_ms', 999);
  const endMs =
    whole(row.v_end_seconds, 'end_time', 0xffffffff) * 1000 + whole(row.v_end_ms, 'end_time_ms', 999);
  const orNull = (value: unknown, name: string): string | null => {
    const t = text(value, name);
    return t === '' ? null : t;
  };
  return {
    cdr_id: text(row.v_cdr_id, 'cdr_id'),
    account_id: text(row.v_account_id, 'account_id'),
    call_type: callType as CallType,
    billable: whole(row.v_billable, 'billable', 1) === 1,
    billable_seconds: whole(row.v_billable_seconds, 'billable_seconds', 0xffffffff),
    billable_minutes: normaliseDecimal(text(row.v_billable_minutes, 'billable_minutes')),
    rate: normaliseDecimal(text(row.v_rate, 'rate')),
    cost: normaliseDecimal(text(row.v_cost, 'cost')),
    currency: text(row.v_currency, 'currency'),
    source: text(row.v_source, 'source'),
    destination: text(row.v_destination, 'destination'),
    destination_country: orNull(row.v_destination_country, 'destination_country'),
    matched_prefix: orNull(row.v_matched_prefix, 'matched_prefix'),
    start_time: formatIsoInstant(startMs),
    end_time: formatIsoInstant(endMs),
    duration_sec: Number(normaliseDecimal(text(row.v_duration_sec, 'duration_sec'))),
    reason: orNull(row.v_reason, 'reason'),
  };
}

/**
 * Runs `cdr export rated`. Resolves to the exit code; ClickHouse failures reject with an `InfraError`
 * (what was written before stays written).
 */
export async function exportRated(options: ExportRatedOptions, io: CliIo): Promise<number> {
  const started = performance.now();
  let stream: Writable;
  let owned = false;
  if (options.out === '-') {
    stream = io.stdout;
  } else {
    try {
      stream = (await open(options.out, 'w')).createWriteStream({ highWaterMark: 1 << 20 });
      owned = true;
    } catch (error) {
      io.stderr.write(`${LABEL}: cannot write --out ${options.out}: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  const { createClickhouse, sql } = await import('@cdrate/clickhouse');
  const clickhouse = createClickhouse({
    url: options.clickhouse.url,
    database: options.clickhouse.database,
    ...(options.clickhouse.username === undefined ? {} : { username: options.clickhouse.username }),
    ...(options.clickhouse.password === undefined ? {} : { password: options.clickhouse.password }),
    requestTimeoutMs: 300_000,
    queryIdPrefix: 'cdr-export',
  });
  const output = new BatchedWriter(stream);
  const progress = new Progress(io.stderr);
  const serialise = options.format === 'csv' ? ratedCsvLine : ratedJsonLine;
  if (options.format === 'csv') output.write(RATED_CSV_HEADER);
  let rows = 0;
  try {
    const query = exportQuery(sql, options.clickhouse.database, options.account, options.year, options.month);
    for await (const row of clickhouse.queryStream<ExportRow>(query, 'JSONEachRow')) {
      output.write(serialise(ratedCallFromRow(row)));
      rows++;
      if ((rows & 1023) === 0) {
        await output.drain();
        progress.tick(() => `${LABEL}: ${count(rows)} calls`);
      }
    }
  } finally {
    await output.close(owned);
    await clickhouse.close();
    progress.clear();
  }
  const month = `${options.year}-${String(options.month).padStart(2, '0')}`;
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  io.stderr.write(
    `${LABEL}: ${count(rows)} calls of account ${JSON.stringify(options.account)} in ${month}` +
      `${options.out === '-' ? '' : ` written to ${options.out}`} in ${seconds} s\n`,
  );
  return EXIT_OK;
}

/**
 * `cdr export rated`, with defaults from `env` (`CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE`,
 * `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`).
 */
export function exportRatedCommand(env: CommandEnv): Command {
  return defineCommand({
    name: ['export', 'rated'],
    summary: "one account's rated calls of one month from ClickHouse, in cdr rate's output format",
    help: HELP,
    parse: (args) => parseExportRatedArgs(args, env),
    execute: exportRated,
  });
}
