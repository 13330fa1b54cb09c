/**
 * `cdr export bcd`: the billed call details of an invoice (the usage month before the invoice month) as
 * the CSV customers get, streamed from ClickHouse in constant memory. The query and CSV are
 * `@cdrate/billing`'s, shared with the billing API.
 */
import { open, rename, rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import type { Writable } from 'node:stream';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js';
import {
  CLICKHOUSE_HELP,
  CLICKHOUSE_OPTIONS,
  clickhouseOption,
  count,
  defineCommand,
  usageErrors,
  type ClickhouseConnection,
  type CommandEnv,
} from './shared.js';

const LABEL = 'cdr export bcd';

const HELP = `cdr export bcd — the billed call details (CSV) of one account's invoice

Usage:
  cdr export bcd --account <id> --invoice-month <YYYY-MM> [--out <file|->]
                 [--clickhouse-url <url>] [--database <name>] [--user <name>] [--password <secret>]

An invoice of month N bills the usage of month N−1: the February 2026 invoice lists the calls that
started (UTC) in January 2026. One row per billed call — types Inbound Toll-Free, International,
Domestic Metered; billable calls only — with the latest rating of each call (resends and replays
once), ordered by start time. Columns exactly:

  Source Number,Destination Number,Start Time (UTC+0),End Time (UTC+0),Duration (sec),
  Billable Minutes,Total Cost,Rate,Call Type

Times are YYYY-MM-DD HH:MM:SS in UTC, numbers E.164 with +, Duration (sec) the talk time, Billable
Minutes, Total Cost and Rate exact decimals in their shortest form (0.125, 1.1), never rounded: the
invoice rounds each line once, after summing. Streamed: memory stays constant whatever the month holds.

Options:
  --account <id>            The account_id: 1-128 characters from A-Z a-z 0-9 . _ : @ -. Required.
  --invoice-month <YYYY-MM> The invoice month, 2000-02..2100-01. Required.
  --out <file|->            Where to write (default "-": standard output). A file is written as
                            <file>.partial and renamed when complete, so a failed export leaves no
                            truncated file behind.
${CLICKHOUSE_HELP}
  -h, --help                This help.

Only the CSV goes to standard output; the summary ("N billed calls …") goes to standard error.

Exit codes:
  0  exported (also when the month has no billed calls: the header alone)
  2  usage error (a bad account id or month), or the output cannot be written
  1  ClickHouse failed (unreachable, no rated_calls table in --database, refused the query)

Examples:
  pnpm --silent cdr export bcd --account acme-us --invoice-month 2026-02 --out acme-us-2026-02.csv
  pnpm --silent cdr export bcd --account acme-us --invoice-month 2026-02 | head
`;

/** Options of {@link runExportBcd}; the account id and month are checked by it (shared rules of billing). */
export interface ExportBcdOptions {
  readonly account: string;
  readonly invoiceMonth: string;
  readonly out: string;
  readonly clickhouse: ClickhouseConnection;
}

/** Parses the arguments of `cdr export bcd`. @throws UsageError */
export function parseExportBcdArgs(args: readonly string[], env: CommandEnv): ExportBcdOptions | 'help' {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        account: { type: 'string' },
        'invoice-month': { type: 'string' },
        out: { type: 'string' },
        ...CLICKHOUSE_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) return 'help';
  const missing = (['account', 'invoice-month'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => '--' + m).join(', ')}`);
  const out = values.out ?? '-';
  if (out === '') throw new UsageError('--out must be a file or -');
  return {
    account: values.account as string,
    invoiceMonth: values['invoice-month'] as string,
    out,
    clickhouse: clickhouseOption(values, env),
  };
}

function usageFailure(io: CliIo, reason: string): number {
  io.stderr.write(`${LABEL}: ${reason}\nRun \`${LABEL} --help\` for usage.\n`);
  return EXIT_USAGE;
}

/**
 * Runs `cdr export bcd`. Resolves to the exit code; ClickHouse failures reject with an `InfraError`
 * (exit 1 through `defineCommand`; a file output is removed, standard output keeps what was written).
 */
export async function runExportBcd(options: ExportBcdOptions, io: CliIo): Promise<number> {
  const started = performance.now();
  const billing = await import('@cdrate/billing');
  const id = billing.checkAccountId(options.account);
  if (!id.ok) return usageFailure(io, `--account: ${id.reason}`);
  const invoice = billing.parseInvoiceMonth(options.invoiceMonth);
  if (!invoice.ok) return usageFailure(io, `--${invoice.reason.replace('invoice month', 'invoice-month')}`);
  const usageMonth = billing.usageMonthOfInvoice(invoice.value);

  const partial = `${options.out}.partial`;
  let sink: Writable;
  if (options.out === '-') {
    sink = io.stdout;
  } else {
    try {
      sink = (await open(partial, 'w')).createWriteStream({ highWaterMark: 1 << 20 });
    } catch (error) {
      io.stderr.write(`${LABEL}: cannot write --out ${options.out}: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }

  const { createClickhouse } = await import('@cdrate/clickhouse');
  const { url, database, username, password } = options.clickhouse;
  const clickhouse = createClickhouse({
    url,
    database,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
    requestTimeoutMs: 300_000,
    queryIdPrefix: 'cdr-export-bcd',
  });
  let rows: number;
  try {
    ({ rows } = await billing.exportBilledCalls(
      clickhouse,
      { database, accountId: id.value, month: usageMonth },
      sink,
      {
        end: options.out !== '-',
      },
    ));
    if (options.out !== '-') await rename(partial, options.out);
  } catch (error) {
    if (options.out !== '-') {
      sink.destroy();
      await rm(partial, { force: true });
    }
    throw error;
  } finally {
    await clickhouse.close();
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  io.stderr.write(
    `${LABEL}: ${count(rows)} billed calls of account ${JSON.stringify(id.value)}, usage month ` +
      `${billing.formatMonth(usageMonth)} (invoice ${billing.formatMonth(invoice.value)})` +
      `${options.out === '-' ? '' : ` written to ${options.out}`} in ${seconds} s\n`,
  );
  return EXIT_OK;
}

/** `cdr export bcd`, with defaults from `env` (`CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE`, …). */
export function exportBcdCommand(env: CommandEnv): Command {
  return defineCommand({
    name: ['export', 'bcd'],
    summary: "the billed call details (CSV) of one account's invoice, streamed from ClickHouse",
    help: HELP,
    parse: (args) => parseExportBcdArgs(args, env),
    execute: runExportBcd,
  });
}
