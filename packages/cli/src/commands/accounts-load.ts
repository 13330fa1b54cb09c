/**
 * `cdr accounts load`: publishes an accounts file (the `cdr rate --accounts` format) to the compacted
 * `accounts` topic that ingest and rating read, one Avro `Account` per account keyed by `account_id`.
 */
import { parseArgs } from 'node:util';
import { formatIsoDate, type Account as CoreAccount } from '@cdrate/rating-core';
import type { Account as WireAccount } from '@cdrate/schemas';
import { EXIT_OK, EXIT_REJECTS, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js';
import { readAccountsFile, type AccountsFile } from '../io/accounts.js';
import {
  brokersOption,
  count,
  defineCommand,
  DEFAULT_PARTITIONS,
  KAFKA_HELP,
  KAFKA_OPTIONS,
  kafkaLogSink,
  usageErrors,
  positiveIntegerOption,
  topicOption,
  type CommandEnv,
} from './shared.js';

const LABEL = 'cdr accounts load';
/** Accounts per Kafka send. */
const SEND_BATCH = 1000;
/** Bad lines printed before "… and N more". */
const SHOWN_ERRORS = 50;

const HELP = `cdr accounts load — publish an accounts file to the compacted accounts topic

Usage:
  cdr accounts load --file <file> [--topic <topic>] [--brokers <list>] [--partitions <n>]

Reads the accounts file (JSON lines, the format of \`cdr rate --accounts\`), checks every line and
normalises phone numbers to E.164 as \`cdr rate\` does, then publishes each valid account as an Avro
Account record keyed by account_id (content-type avro/binary). The topic is compacted, so the latest
record per account_id is the account; ingest and rating pick changes up while running. Publishing the
same file again is harmless.

Options:
  --file <file>         Accounts, JSON lines: {"account_id","country","billing_start_date",
                        "included_minutes","overage_rate","toll_free_numbers":[],"numbers":[],"currency"}.
  --topic <topic>       Accounts topic (default: $TOPIC_ACCOUNTS, else accounts). Created when missing
                        as the services create it: cleanup.policy=compact, --partitions partitions.
  --partitions <n>      Partitions of the topic if this command creates it (default: $TOPIC_PARTITIONS,
                        else ${DEFAULT_PARTITIONS}). An existing topic is never changed.
${KAFKA_HELP}
  -h, --help            This help.

Bad lines (not JSON, a missing or invalid field, an unreadable number, an account_id already on an
earlier line) are printed on standard error as file:line: reason and not published; the valid accounts
are published all the same. The summary "published N accounts" goes to standard error.

Exit codes:
  0  every account was published
  3  the valid accounts were published, some lines were bad (printed on standard error)
  2  usage error or unreadable file: nothing was published
  1  Kafka failed (unreachable, refused): some accounts may have been published; run it again

Example:
  pnpm --silent cdr accounts load --file accounts.jsonl
`;

/** Options of {@link loadAccountsToTopic}. */
export interface AccountsLoadOptions {
  readonly file: string;
  readonly topic: string;
  readonly brokers: readonly string[];
  readonly partitions: number;
}

/** Parses the arguments of `cdr accounts load`. @throws UsageError */
export function parseAccountsLoadArgs(
  args: readonly string[],
  env: CommandEnv,
): AccountsLoadOptions | 'help' {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        file: { type: 'string' },
        topic: { type: 'string' },
        partitions: { type: 'string' },
        ...KAFKA_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) return 'help';
  if (values.file === undefined || values.file === '') throw new UsageError('missing --file');
  if (values.file === '-') throw new UsageError('--file must name a file (standard input is not supported)');
  return {
    file: values.file,
    topic: topicOption(values.topic, env, 'TOPIC_ACCOUNTS', 'accounts'),
    brokers: brokersOption(values.brokers, env),
    partitions: positiveIntegerOption(
      values.partitions ?? env['TOPIC_PARTITIONS'],
      'partitions',
      DEFAULT_PARTITIONS,
    ),
  };
}

/** The wire (Avro) form of a core account: the inverse of the account directory's `toCoreAccount`. */
export function toWireAccount(account: CoreAccount): WireAccount {
  return {
    account_id: account.accountId,
    country: account.country,
    billing_start_date: formatIsoDate(account.billingStartDay),
    included_minutes: account.includedMinutes,
    overage_rate: account.overageRate,
    toll_free_numbers: [...account.tollFreeNumbers],
    numbers: [...account.numbers],
    currency: account.currency,
  };
}

/**
 * Runs `cdr accounts load`: reads and checks the file, creates the topic when missing, publishes the
 * valid accounts. Resolves to the exit code; Kafka failures reject with an `InfraError`.
 */
export async function loadAccountsToTopic(options: AccountsLoadOptions, io: CliIo): Promise<number> {
  const started = performance.now();
  const { createNormaliser } = await import('@cdrate/numbering');
  let file: AccountsFile;
  try {
    file = await readAccountsFile(options.file, createNormaliser());
  } catch (error) {
    io.stderr.write(`${LABEL}: cannot read --file ${options.file}: ${(error as Error).message}\n`);
    return EXIT_USAGE;
  }
  for (const e of file.errors.slice(0, SHOWN_ERRORS))
    io.stderr.write(`${options.file}:${e.line}: ${e.message}\n`);
  if (file.errors.length > SHOWN_ERRORS)
    io.stderr.write(`… and ${count(file.errors.length - SHOWN_ERRORS)} more bad lines\n`);

  const [{ createKafka }, { encodeAccount, CONTENT_TYPE_AVRO, CONTENT_TYPE_HEADER }] = await Promise.all([
    import('@cdrate/kafka'),
    import('@cdrate/schemas'),
  ]);
  const kafka = createKafka({
    brokers: [...options.brokers],
    clientId: 'cdrate-cli-accounts-load',
    logger: kafkaLogSink(io, LABEL),
    logLevel: 'error',
  });
  const admin = await kafka.connectAdmin();
  try {
    const ensured = await admin.ensureTopics([
      { topic: options.topic, partitions: options.partitions, configs: { 'cleanup.policy': 'compact' } },
    ]);
    if (ensured.created.length > 0)
      io.stderr.write(
        `${LABEL}: created topic ${options.topic} (compacted, ${options.partitions} partitions)\n`,
      );
  } finally {
    await admin.disconnect();
  }

  const producer = await kafka.connectProducer();
  let published = 0;
  try {
    let batch: { key: string; value: Buffer; headers: Record<string, string> }[] = [];
    for (const account of file.accounts.values()) {
      batch.push({
        key: account.accountId,
        value: encodeAccount(toWireAccount(account)),
        headers: { [CONTENT_TYPE_HEADER]: CONTENT_TYPE_AVRO },
      });
      if (batch.length === SEND_BATCH) {
        await producer.send(options.topic, batch);
        published += batch.length;
        batch = [];
      }
    }
    if (batch.length > 0) {
      await producer.send(options.topic, batch);
      published += batch.length;
    }
  } finally {
    await producer.disconnect();
  }
  const seconds = (performance.now() - started) / 1000;
  const bad = file.errors.length;
  io.stderr.write(
    `${LABEL}: published ${count(published)} accounts to ${options.topic} in ${seconds.toFixed(2)} s` +
      (bad > 0 ? `; ${count(bad)} bad lines not published (see above)` : '') +
      '\n',
  );
  return bad > 0 ? EXIT_REJECTS : EXIT_OK;
}

/** `cdr accounts load`, with defaults from `env` (`KAFKA_BROKERS`, `TOPIC_ACCOUNTS`, `TOPIC_PARTITIONS`). */
export function accountsLoadCommand(env: CommandEnv): Command {
  return defineCommand({
    name: ['accounts', 'load'],
    summary: 'publish an accounts file to the compacted accounts topic (Avro, keyed by account_id)',
    help: HELP,
    parse: (args) => parseAccountsLoadArgs(args, env),
    execute: loadAccountsToTopic,
  });
}
