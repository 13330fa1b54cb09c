/**
 * `cdr usage`: the usage lines of one account's usage month, from ClickHouse `rated_calls`
 * (deduplicated: latest rating of each call) and the account's plan (accounts topic or an accounts file).
 * The arithmetic and SQL are `@cdrate/billing`'s, shared with the billing API.
 */
import { hostname } from 'node:os';
import { createReadStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { decodeAccount } from '@cdrate/rating-core';
import type { BillingPlan, Month, UsageReport } from '@cdrate/billing';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js';
import { readLines } from '../io/line-reader.js';
import {
  brokersOption,
  CLICKHOUSE_HELP,
  CLICKHOUSE_OPTIONS,
  clickhouseOption,
  defineCommand,
  EXIT_FAILURE,
  KAFKA_HELP,
  KAFKA_OPTIONS,
  topicOption,
  usageErrors,
  type ClickhouseConnection,
  type CommandEnv,
} from './shared.js';

const LABEL = 'cdr usage';
/** How long reading the accounts topic to its end may take. */
const ACCOUNTS_TIMEOUT_MS = 60_000;

const HELP = `cdr usage — the usage lines of one account's month, as its invoice shows them

Usage:
  cdr usage --account <id> --month <YYYY-MM> [--format json|table]
            [--accounts <file> | --accounts-topic <topic> --brokers <list>]
            [--clickhouse-url <url>] [--database <name>] [--user <name>] [--password <secret>]

The usage month is the UTC month of the calls' start times; it is billed on the invoice of the month
after ("January usage on the February invoice"). Reads rated_calls deduplicated (the latest rating of
each call, resends and replays counted once; docs/schemas.md) and the account's plan:

  Included Minutes in Plan              min(plan minutes, included minutes), charge 0
  Outbound Minutes Overages             plan minutes above the included ones × the overage rate
  Domestic Premium Minutes Not in Plan  domestic_metered calls
  Toll-Free Phone Numbers (DID)         inbound_toll_free calls
  International Phone Numbers (DID)     international calls

Plan minutes are the billable minutes of domestic and internal calls. A line's charge is its calls'
costs summed unrounded, then rounded half-up to cents once. Billable calls only. Rules: docs/billing.md.

Options:
  --account <id>        The account_id: 1-128 characters from A-Z a-z 0-9 . _ : @ -. Required.
  --month <YYYY-MM>     The usage month, UTC, 2000-01..2099-12. Required.
  --format <f>          json (default): {"account_id","month","currency","included_minutes",
                        "lines":[{"line_item","minutes","charge"}],"total_charge"}, minutes and charges
                        as exact decimal strings; table: as a person reads an invoice.
  --accounts <file>     Take the plan (included_minutes, overage_rate, currency) from this accounts
                        file (JSON lines, the cdr rate --accounts format) instead of the topic.
  --accounts-topic <t>  The compacted accounts topic, read to its end (default: $TOPIC_ACCOUNTS, else
                        accounts). Used unless --accounts is given.
${KAFKA_HELP}
${CLICKHOUSE_HELP}
  -h, --help            This help.

Exit codes:
  0  printed
  2  usage error: a bad account id or month, an unreadable accounts file, an account that is not in it
     (or not on the topic)
  1  ClickHouse or Kafka failed, or calls of the month are rated in another currency than the account's

Examples:
  pnpm --silent cdr usage --account acme-us --month 2026-01
  pnpm --silent cdr usage --account acme-us --month 2026-01 --format table --accounts accounts.jsonl
`;

/** Where the account's plan comes from. */
export type PlanSource =
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'topic'; readonly topic: string; readonly brokers: readonly string[] };

/** Options of {@link runUsage}; the account id and month are checked by it (shared rules of billing). */
export interface UsageOptions {
  readonly account: string;
  readonly month: string;
  readonly format: 'json' | 'table';
  readonly plan: PlanSource;
  readonly clickhouse: ClickhouseConnection;
}

/** Parses the arguments of `cdr usage`. @throws UsageError */
export function parseUsageArgs(args: readonly string[], env: CommandEnv): UsageOptions | 'help' {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        account: { type: 'string' },
        month: { type: 'string' },
        format: { type: 'string' },
        accounts: { type: 'string' },
        'accounts-topic': { type: 'string' },
        ...KAFKA_OPTIONS,
        ...CLICKHOUSE_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) return 'help';
  const missing = (['account', 'month'] as const).filter((name) => values[name] === undefined);
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => '--' + m).join(', ')}`);
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'table')
    throw new UsageError(`--format must be json or table, got "${format}"`);
  if (
    values.accounts !== undefined &&
    (values['accounts-topic'] !== undefined || values.brokers !== undefined)
  )
    throw new UsageError('--accounts reads a file: it cannot be combined with --accounts-topic or --brokers');
  if (values.accounts === '') throw new UsageError('--accounts must name a file');
  const plan: PlanSource =
    values.accounts !== undefined
      ? { kind: 'file', path: values.accounts }
      : {
          kind: 'topic',
          topic: topicOption(values['accounts-topic'], env, 'TOPIC_ACCOUNTS', 'accounts', '--accounts-topic'),
          brokers: brokersOption(values.brokers, env),
        };
  return {
    account: values.account as string,
    month: values.month as string,
    format,
    plan,
    clickhouse: clickhouseOption(values, env),
  };
}

/** The plan fields of an account, as the rating core's `Account` and `AccountRecord` both hold them. */
interface PlanFields {
  readonly includedMinutes: number;
  readonly overageRate: string;
  readonly currency: string;
}

/** Outcome of looking an account up: its plan fields, or why there is none. */
type AccountLookup =
  { readonly ok: true; readonly account: PlanFields } | { readonly ok: false; readonly reason: string };

/**
 * The account's line of an accounts file (JSON lines; blank lines skipped). Only that line is decoded:
 * a bad line elsewhere does not stop billing this account.
 */
async function accountFromFile(path: string, accountId: string): Promise<AccountLookup> {
  let found: AccountLookup = { ok: false, reason: `account ${JSON.stringify(accountId)} is not in ${path}` };
  let seen = false;
  const needle = JSON.stringify(accountId);
  try {
    await readLines(createReadStream(path), (lines, first) => {
      lines.forEach((text, i) => {
        if (!text.includes(needle)) return;
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch {
          return;
        }
        if ((record as { account_id?: unknown } | null)?.account_id !== accountId) return;
        const line = `${path}:${first + i}`;
        if (seen) {
          found = { ok: false, reason: `${line}: account ${needle} is on more than one line` };
          return;
        }
        seen = true;
        const decoded = decodeAccount(record);
        found =
          decoded.kind === 'decoded'
            ? { ok: true, account: decoded.account }
            : { ok: false, reason: `${line}: ${decoded.message}` };
      });
    });
  } catch (error) {
    return { ok: false, reason: `cannot read --accounts ${path}: ${(error as Error).message}` };
  }
  return found;
}

/** The account as the compacted accounts topic holds it now (read to the high watermark, then left). */
async function accountFromTopic(
  source: Extract<PlanSource, { kind: 'topic' }>,
  accountId: string,
  io: CliIo,
): Promise<AccountLookup> {
  const [{ createKafka }, { accountDirectoryGroupId, startAccountDirectory }] = await Promise.all([
    import('@cdrate/kafka'),
    import('@cdrate/account-directory'),
  ]);
  const kafka = createKafka({
    brokers: [...source.brokers],
    clientId: 'cdrate-cli-usage',
    logger: (entry) => {
      if (entry.level === 'error') io.stderr.write(`${LABEL}: kafka: ${entry.message}\n`);
    },
    logLevel: 'error',
  });
  const quiet = {
    info: () => undefined,
    warn: (fields: Record<string, unknown>, message: string) =>
      io.stderr.write(`${LABEL}: accounts topic: ${message} ${JSON.stringify(fields)}\n`),
  };
  const directory = await startAccountDirectory({
    kafka,
    topic: source.topic,
    groupId: accountDirectoryGroupId('cdrate-cli-usage', `${hostname()}-${process.pid}`),
    logger: quiet,
  });
  try {
    await directory.waitUntilLoaded(ACCOUNTS_TIMEOUT_MS);
    const account = directory.get(accountId);
    return account === undefined
      ? { ok: false, reason: `account ${JSON.stringify(accountId)} is not on the topic ${source.topic}` }
      : { ok: true, account };
  } finally {
    await directory.stop();
  }
}

function usageFailure(io: CliIo, reason: string): number {
  io.stderr.write(`${LABEL}: ${reason}\nRun \`${LABEL} --help\` for usage.\n`);
  return EXIT_USAGE;
}

/**
 * Runs `cdr usage`: checks the account id and month (billing's rules), finds the plan, reads the month's
 * totals and prints the report. Resolves to the exit code; ClickHouse and Kafka failures reject with an
 * `InfraError` (exit 1 through `defineCommand`).
 */
export async function runUsage(options: UsageOptions, io: CliIo): Promise<number> {
  const billing = await import('@cdrate/billing');
  const id = billing.checkAccountId(options.account);
  if (!id.ok) return usageFailure(io, `--account: ${id.reason}`);
  const month = billing.parseUsageMonth(options.month);
  if (!month.ok) return usageFailure(io, `--${month.reason}`);

  const lookup =
    options.plan.kind === 'file'
      ? await accountFromFile(options.plan.path, id.value)
      : await accountFromTopic(options.plan, id.value, io);
  if (!lookup.ok) return usageFailure(io, lookup.reason);
  let plan: BillingPlan;
  try {
    plan = billing.planOf(lookup.account);
  } catch (error) {
    return usageFailure(io, `account ${JSON.stringify(id.value)}: ${(error as Error).message}`);
  }

  const report = await usageReport(options.clickhouse, id.value, month.value, plan);
  if (typeof report === 'string') {
    io.stderr.write(`${LABEL}: ${report}\n`);
    return EXIT_FAILURE;
  }
  io.stdout.write(
    options.format === 'json' ? `${JSON.stringify(report, null, 2)}\n` : billing.formatUsageTable(report),
  );
  return EXIT_OK;
}

/** The report, or the message of a currency mismatch. */
async function usageReport(
  connection: ClickhouseConnection,
  accountId: string,
  month: Month,
  plan: BillingPlan,
): Promise<UsageReport | string> {
  const [{ createClickhouse }, billing] = await Promise.all([
    import('@cdrate/clickhouse'),
    import('@cdrate/billing'),
  ]);
  const clickhouse = createClickhouse({
    url: connection.url,
    database: connection.database,
    ...(connection.username === undefined ? {} : { username: connection.username }),
    ...(connection.password === undefined ? {} : { password: connection.password }),
    requestTimeoutMs: 120_000,
    queryIdPrefix: 'cdr-usage',
  });
  try {
    return await billing.fetchUsage(clickhouse, { database: connection.database, accountId, month, plan });
  } catch (error) {
    if (error instanceof billing.CurrencyMismatchError)
      return `account ${JSON.stringify(accountId)}: ${error.message}`;
    throw error;
  } finally {
    await clickhouse.close();
  }
}

/**
 * `cdr usage`, with defaults from `env` (`CLICKHOUSE_*`, `KAFKA_BROKERS`, `TOPIC_ACCOUNTS`).
 */
export function usageCommand(env: CommandEnv): Command {
  return defineCommand({
    name: ['usage'],
    summary: "the usage lines of one account's month (invoice arithmetic on deduplicated rated calls)",
    help: HELP,
    parse: (args) => parseUsageArgs(args, env),
    execute: runUsage,
  });
}
