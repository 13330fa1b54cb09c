/**
 * `cdr dlq replay`: reads the dead-letter topic up to its current end, selects records by code, stage,
 * cdr_id and time, and sends each one's original message bytes back into the pipeline.
 */
import { parseArgs } from 'node:util';
import { createHash, randomBytes } from 'node:crypto';
import type { ConsumedBatch, KafkaClient, OutgoingMessage } from '@cdrate/kafka';
import { MS_PER_DAY, parseIsoDate, parseIsoInstant } from '@cdrate/rating-core';
import type * as SchemasModule from '@cdrate/schemas';
import type { DlqRecord, Stage } from '@cdrate/schemas';
import { EXIT_OK, EXIT_REJECTS, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js';
import { accountIdKey } from './publish.js';
import {
  brokersOption,
  count,
  defineCommand,
  EXIT_FAILURE,
  KAFKA_HELP,
  KAFKA_OPTIONS,
  kafkaLogSink,
  lineStart,
  usageErrors,
  positiveIntegerOption,
  Progress,
  sleep,
  topicOption,
  type CommandEnv,
} from './shared.js';

const LABEL = 'cdr dlq replay';
/**
 * Consumer group remembering what a replay without filters has read; with filters the default group is
 * this plus a hash of the filters ({@link defaultReplayGroup}).
 */
export const DEFAULT_REPLAY_GROUP = 'cdrate-dlq-replay';
const STAGES: readonly Stage[] = ['ingest', 'rating', 'aggregation'];
/** First byte of a framed Avro value (docs/schemas.md). */
const FRAME_MAGIC = 0xcd;

const HELP = `cdr dlq replay — send dead-lettered CDRs back into the pipeline

Usage:
  cdr dlq replay [--code <code>]... [--stage ingest|rating|aggregation] [--cdr-id <id>]...
                 [--since <time>] [--dry-run] [--from-beginning] [--to <topic>] [--topic <topic>]
                 [--group <group>] [--idle-timeout <s>] [--brokers <list>]

Reads the dead-letter topic from where the last replay stopped up to its end as of the start (new dead
letters arriving meanwhile are left for the next run), selects the records that match every given filter,
and sends each one's original message value — byte for byte (dlqPayloadBytes) — back to the topic the
failing stage had read it from, e.g. after a missing rate was added to the tariff (restart rating first)
or a missing account was loaded (cdr accounts load):

  stage ingest       → the raw topic (cdr.raw)              the CDR as the switch sent it
  stage rating       → the normalized topic (cdr.normalized) the normalised CDR (Avro)
  stage aggregation  → the rated topic (cdr.rated)           the rated call (Avro)

(the origin topic recorded in each dead letter). A rating reject such as NO_RATE holds a normalised CDR,
which ingest would refuse, so it goes back to rating, not to cdr.raw. content-type: avro/binary when the
payload is framed Avro (first byte 0xCD), else application/json — dead letters do not record the original
header, and this is the rule readers apply to a message without one. Key: the CDR's account_id.

Replaying is safe to repeat: the pipeline deduplicates by (account_id, cdr_id) — ingest within its window,
ClickHouse's rated_calls always (the latest rating_version wins) — and a record that fails again is
dead-lettered again with a new origin.

What was replayed is remembered: records are read in a consumer group whose offsets are committed after
each batch's replays are acknowledged, so the next run with the same filters starts after the last
record read. The default group is ${DEFAULT_REPLAY_GROUP} without filters and
${DEFAULT_REPLAY_GROUP}-<hash of the filters> with them: each selection remembers its own position, and
a record one selection skipped is still there for another. --from-beginning reads the whole topic again
with a throwaway group and leaves the group where it was. --dry-run sends and commits nothing.

Options:
  --code <code>         Only this error_code (repeat for several), e.g. NO_RATE, UNKNOWN_ACCOUNT.
  --stage <stage>       Only dead letters of this stage: ingest, rating or aggregation.
  --cdr-id <id>         Only this cdr_id (repeat for several).
  --since <time>        Only records that failed at or after this instant (ISO 8601 with Z or an offset,
                        or a date YYYY-MM-DD meaning its UTC midnight).
  --dry-run             Print what would be replayed, one JSON object per line on standard output
                        ({"origin","stage","error_code","error_message","cdr_id","failed_at","to",
                        "content_type","key","payload_encoding","payload"}); send and commit nothing.
  --from-beginning      Read the whole topic, not only what --group has not read yet.
  --to <topic>          Send every selected record to this topic instead of its origin topic.
  --topic <topic>       Dead-letter topic (default: $TOPIC_DLQ, else cdr.dlq).
  --group <group>       Consumer group remembering the position (default: see above).
  --idle-timeout <s>    Give up when nothing arrives for this long before the end is reached
                        (default 30; e.g. another replay holds the partitions).
${KAFKA_HELP}
  -h, --help            This help.

Summary on standard error: scanned, matched, replayed, by code (and the progress while it runs when
standard error is a terminal).

Exit codes:
  0  done (also when nothing matched)
  3  done, but some dead letters could not be read (not DLQ records; counted, skipped)
  2  usage error, or the dead-letter topic does not exist
  1  Kafka failed, or the end was not reached within --idle-timeout: what was replayed before is committed

Examples:
  pnpm --silent cdr dlq replay --code NO_RATE --dry-run
  pnpm --silent cdr dlq replay --code NO_RATE --code UNKNOWN_ACCOUNT --since 2026-01-01
  pnpm --silent cdr dlq replay --stage ingest --cdr-id c-1001 --from-beginning
`;

/** Which dead letters to replay; an empty or absent filter matches all. */
export interface ReplayFilter {
  readonly codes: ReadonlySet<string>;
  readonly stage: Stage | undefined;
  readonly cdrIds: ReadonlySet<string>;
  /** Epoch ms; records with `failed_at` before it do not match. */
  readonly sinceMs: number | undefined;
}

/** Options of {@link replayDlq}. */
export interface ReplayOptions {
  readonly filter: ReplayFilter;
  readonly dryRun: boolean;
  readonly fromBeginning: boolean;
  /** One destination for every record, else each record's origin topic. */
  readonly to: string | undefined;
  readonly topic: string;
  readonly group: string;
  readonly idleTimeoutMs: number;
  readonly brokers: readonly string[];
}

/** `--since` as epoch ms: the rating core's strict ISO 8601 readers (real dates, an offset required). */
export function parseSince(text: string): number {
  const day = /^\d{4}-\d{2}-\d{2}$/.test(text) ? parseIsoDate(text) : undefined;
  const ms = day !== undefined ? day * MS_PER_DAY : parseIsoInstant(text);
  if (ms === undefined)
    throw new UsageError(`--since must be ISO 8601 with Z or an offset, or YYYY-MM-DD, got "${text}"`);
  return ms;
}

/** Parses the arguments of `cdr dlq replay`. @throws UsageError */
export function parseReplayArgs(args: readonly string[], env: CommandEnv): ReplayOptions | 'help' {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        code: { type: 'string', multiple: true },
        stage: { type: 'string' },
        'cdr-id': { type: 'string', multiple: true },
        since: { type: 'string' },
        'dry-run': { type: 'boolean' },
        'from-beginning': { type: 'boolean' },
        to: { type: 'string' },
        topic: { type: 'string' },
        group: { type: 'string' },
        'idle-timeout': { type: 'string' },
        ...KAFKA_OPTIONS,
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) return 'help';
  const codes = values.code ?? [];
  for (const code of codes)
    if (!/^[A-Z][A-Z0-9_]*$/.test(code))
      throw new UsageError(`--code must be an error code such as NO_RATE, got "${code}"`);
  const stage = values.stage;
  if (stage !== undefined && !(STAGES as readonly string[]).includes(stage))
    throw new UsageError(`--stage must be ingest, rating or aggregation, got "${stage}"`);
  const cdrIds = values['cdr-id'] ?? [];
  if (cdrIds.some((id) => id === '')) throw new UsageError('--cdr-id must not be empty');
  const filter: ReplayFilter = {
    codes: new Set(codes),
    stage: stage as Stage | undefined,
    cdrIds: new Set(cdrIds),
    sinceMs: values.since === undefined ? undefined : parseSince(values.since),
  };
  const group = values.group ?? defaultReplayGroup(filter);
  if (!/^[A-Za-z0-9._-]{1,200}$/.test(group))
    throw new UsageError(`--group must be 1-200 characters of [A-Za-z0-9._-], got "${group}"`);
  return {
    filter,
    dryRun: values['dry-run'] === true,
    fromBeginning: values['from-beginning'] === true,
    to: values.to === undefined ? undefined : topicOption(values.to, {}, '', '', '--to'),
    topic: topicOption(values.topic, env, 'TOPIC_DLQ', 'cdr.dlq'),
    group,
    idleTimeoutMs: positiveIntegerOption(values['idle-timeout'], 'idle-timeout', 30) * 1000,
    brokers: brokersOption(values.brokers, env),
  };
}

/**
 * The consumer group of a selection: {@link DEFAULT_REPLAY_GROUP} without filters, else that plus the
 * first 12 hex digits of a SHA-256 of the filters in a canonical form (sorted codes and ids), so that the
 * same filters, in any order, share a position.
 */
export function defaultReplayGroup(filter: ReplayFilter): string {
  const empty =
    filter.codes.size === 0 &&
    filter.stage === undefined &&
    filter.cdrIds.size === 0 &&
    filter.sinceMs === undefined;
  if (empty) return DEFAULT_REPLAY_GROUP;
  const canonical = JSON.stringify([
    [...filter.codes].sort(),
    filter.stage ?? null,
    [...filter.cdrIds].sort(),
    filter.sinceMs ?? null,
  ]);
  return `${DEFAULT_REPLAY_GROUP}-${createHash('sha256').update(canonical).digest('hex').slice(0, 12)}`;
}

/** True when `record` passes every filter that is set. */
export function matchesFilter(record: DlqRecord, filter: ReplayFilter): boolean {
  if (filter.codes.size > 0 && !filter.codes.has(record.error_code)) return false;
  if (filter.stage !== undefined && record.stage !== filter.stage) return false;
  if (filter.cdrIds.size > 0 && (record.cdr_id === null || !filter.cdrIds.has(record.cdr_id))) return false;
  if (filter.sinceMs !== undefined && Date.parse(record.failed_at) < filter.sinceMs) return false;
  return true;
}

/** The `content-type` a replayed payload gets: Avro when it starts with the frame magic, else JSON. */
export function replayContentType(payload: Uint8Array): 'avro/binary' | 'application/json' {
  return payload[0] === FRAME_MAGIC ? 'avro/binary' : 'application/json';
}

/** One replay: where, with which key and headers, and the exact original bytes. */
export interface PlannedReplay {
  readonly to: string;
  readonly key: string | Buffer | null;
  readonly contentType: 'avro/binary' | 'application/json';
  readonly value: Buffer;
}

type Schemas = typeof SchemasModule;

/**
 * Plans the replay of one dead letter: its original bytes, to `to` or its origin topic, keyed by the
 * CDR's account_id (read from the Avro record or cheaply from JSON; none when unreadable).
 */
export function planReplay(record: DlqRecord, to: string | undefined, schemas: Schemas): PlannedReplay {
  const value = schemas.dlqPayloadBytes(record);
  const contentType = replayContentType(value);
  let key: string | Buffer | null = null;
  if (contentType === 'avro/binary') {
    const decoded =
      value[1] === schemas.RECORD_IDS.RawCdr
        ? schemas.decodeRawCdr(value)
        : value[1] === schemas.RECORD_IDS.NormalizedCdr
          ? schemas.decodeNormalizedCdr(value)
          : value[1] === schemas.RECORD_IDS.RatedCall
            ? schemas.decodeRatedCall(value)
            : undefined;
    if (decoded?.ok === true) key = decoded.value.account_id;
  } else {
    key = accountIdKey(value);
  }
  return { to: to ?? record.origin.topic, key, contentType, value };
}

/** Counters of a finished replay. */
export interface ReplaySummary {
  scanned: number;
  matched: number;
  replayed: number;
  unreadable: number;
  readonly byCode: Map<string, number>;
  readonly byTopic: Map<string, number>;
}

/**
 * Runs `cdr dlq replay`. Resolves to the exit code; Kafka failures reject with an `InfraError` (batches
 * handled before are replayed and committed).
 */
export async function replayDlq(options: ReplayOptions, io: CliIo): Promise<number> {
  const started = performance.now();
  const [{ createKafka }, schemas] = await Promise.all([import('@cdrate/kafka'), import('@cdrate/schemas')]);
  const kafka = createKafka({
    brokers: [...options.brokers],
    clientId: 'cdrate-cli-dlq-replay',
    logger: kafkaLogSink(io, LABEL),
    logLevel: 'error',
  });

  // Where to start (the group's committed offsets, or the beginning) and where to stop (the end now).
  const admin = await kafka.connectAdmin();
  let ends: Map<number, bigint>;
  let starts: Map<number, bigint>;
  try {
    const topics = await admin.listTopics();
    if (!topics.includes(options.topic)) {
      io.stderr.write(
        `${LABEL}: topic ${options.topic} does not exist (no dead letters yet, or a wrong --topic)\n`,
      );
      return EXIT_USAGE;
    }
    if (options.to !== undefined && !topics.includes(options.to)) {
      io.stderr.write(`${LABEL}: --to topic ${options.to} does not exist\n`);
      return EXIT_USAGE;
    }
    const lag = await admin.consumerLag(options.group, [options.topic]);
    ends = new Map(lag.partitions.map((p) => [p.partition, BigInt(p.high)]));
    starts = new Map(
      lag.partitions.map((p) => {
        const low = BigInt(p.low);
        const committed =
          p.committedOffset === null || options.fromBeginning ? low : BigInt(p.committedOffset);
        return [p.partition, committed > low ? committed : low];
      }),
    );
  } finally {
    await admin.disconnect();
  }

  const summary: ReplaySummary = {
    scanned: 0,
    matched: 0,
    replayed: 0,
    unreadable: 0,
    byCode: new Map(),
    byTopic: new Map(),
  };
  const remaining = new Set([...ends].filter(([p, end]) => (starts.get(p) ?? 0n) < end).map(([p]) => p));
  if (remaining.size === 0) {
    writeSummary(io, options, summary, started, 'nothing new');
    return EXIT_OK;
  }

  const outcome = await consumeToEnd(kafka, options, io, schemas, summary, starts, ends, remaining);
  writeSummary(io, options, summary, started, outcome);
  if (outcome !== undefined) return EXIT_FAILURE;
  return summary.unreadable > 0 ? EXIT_REJECTS : EXIT_OK;
}

async function consumeToEnd(
  kafka: KafkaClient,
  options: ReplayOptions,
  io: CliIo,
  schemas: Schemas,
  summary: ReplaySummary,
  starts: ReadonlyMap<number, bigint>,
  ends: ReadonlyMap<number, bigint>,
  remaining: Set<number>,
): Promise<string | undefined> {
  // A real run without --from-beginning reads (and commits) in --group; anything else in a throwaway
  // group, so that --group's position stays where it was.
  const ownGroup = !options.dryRun && !options.fromBeginning;
  const groupId = ownGroup
    ? options.group
    : `${options.group}-${options.dryRun ? 'dry-run' : 'from-beginning'}-${randomBytes(4).toString('hex')}`;
  const producer = options.dryRun ? undefined : await kafka.connectProducer();
  const progress = new Progress(io.stderr);
  let lastActivity = performance.now();
  let reachedEnd!: () => void;
  const allRead = new Promise<void>((resolve) => (reachedEnd = resolve));

  const handleBatch = async (batch: ConsumedBatch): Promise<void> => {
    lastActivity = performance.now();
    const start = starts.get(batch.partition) ?? 0n;
    const replays = new Map<string, OutgoingMessage[]>();
    const counted: DlqRecord[] = [];
    for (const message of batch.messages) {
      if (BigInt(message.offset) < start) continue; // before the position of --group (dry run)
      summary.scanned++;
      const decoded = message.value === null ? undefined : schemas.decodeDlqRecord(message.value);
      if (decoded === undefined || !decoded.ok) {
        summary.unreadable++;
        if (summary.unreadable <= 20) {
          const why = decoded === undefined ? 'null value' : `${decoded.code}: ${decoded.message}`;
          io.stderr.write(
            `${lineStart(io)}${LABEL}: ${batch.topic}/${batch.partition}@${message.offset} is not a DLQ record (${why}); skipped\n`,
          );
        }
        continue;
      }
      const record = decoded.value;
      if (!matchesFilter(record, options.filter)) continue;
      summary.matched++;
      const plan = planReplay(record, options.to, schemas);
      if (options.dryRun) {
        io.stdout.write(dryRunLine(record, plan));
        counted.push(record);
        continue;
      }
      let list = replays.get(plan.to);
      if (list === undefined) replays.set(plan.to, (list = []));
      list.push({
        key: plan.key,
        value: plan.value,
        headers: { [schemas.CONTENT_TYPE_HEADER]: plan.contentType },
      });
      counted.push(record);
    }
    if (producer !== undefined && replays.size > 0) {
      await producer.sendBatch([...replays].map(([topic, messages]) => ({ topic, messages })));
    }
    for (const record of counted) {
      summary.replayed++;
      summary.byCode.set(record.error_code, (summary.byCode.get(record.error_code) ?? 0) + 1);
      const to = options.to ?? record.origin.topic;
      summary.byTopic.set(to, (summary.byTopic.get(to) ?? 0) + 1);
    }
    const last = batch.messages[batch.messages.length - 1];
    const end = ends.get(batch.partition);
    if (last !== undefined && end !== undefined && BigInt(last.offset) + 1n >= end) {
      remaining.delete(batch.partition);
      if (remaining.size === 0) reachedEnd();
    }
    progress.tick(() => `${LABEL}: ${count(summary.scanned)} scanned, ${count(summary.matched)} matched`);
  };

  let consumerError: Error | undefined;
  const consumer = await kafka
    .runConsumer({
      groupId,
      topics: [options.topic],
      fromBeginning: true,
      handleBatch,
      maxBatchSize: 1000,
    })
    .catch(async (error: unknown) => {
      await producer?.disconnect();
      throw error;
    });
  const ended = consumer.done.then(
    () => 'stopped' as const,
    (error: unknown) => {
      consumerError = error instanceof Error ? error : new Error(String(error));
      return 'failed' as const;
    },
  );
  /** Why the run stopped before the end; `undefined` when it reached the end. */
  let outcome: string | undefined;
  for (;;) {
    const result = await Promise.race([
      allRead.then(() => 'read' as const),
      ended,
      sleep(500).then(() => 'tick' as const),
    ]);
    if (result === 'read') break;
    if (result === 'failed' || result === 'stopped') {
      outcome = 'the consumer stopped';
      break;
    }
    if (performance.now() - lastActivity > options.idleTimeoutMs) {
      outcome = `nothing arrived for ${options.idleTimeoutMs / 1000} s before the end of partitions ${[...remaining].sort((a, b) => a - b).join(', ')} (another replay in group ${groupId}?)`;
      break;
    }
  }
  progress.clear();
  try {
    await consumer.stop();
  } finally {
    await producer?.disconnect();
  }
  if (consumerError !== undefined) throw consumerError;
  return outcome;
}

function dryRunLine(record: DlqRecord, plan: PlannedReplay): string {
  return (
    JSON.stringify({
      origin: record.origin,
      stage: record.stage,
      error_code: record.error_code,
      error_message: record.error_message,
      cdr_id: record.cdr_id,
      failed_at: record.failed_at,
      to: plan.to,
      content_type: plan.contentType,
      key: plan.key === null ? null : plan.key.toString(),
      payload_encoding: record.payload_encoding,
      payload: record.payload,
    }) + '\n'
  );
}

function writeSummary(
  io: CliIo,
  options: ReplayOptions,
  summary: ReplaySummary,
  started: number,
  note: string | undefined,
): void {
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const verb = options.dryRun ? 'would replay' : 'replayed';
  const lines = [
    `${LABEL}: ${options.topic}: scanned ${count(summary.scanned)}, matched ${count(summary.matched)}, ${verb} ${count(summary.replayed)} in ${seconds} s` +
      (note === undefined ? '' : ` (${note})`),
  ];
  for (const [code, n] of [...summary.byCode].sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`  ${code.padEnd(20)} ${count(n)}`);
  for (const [topic, n] of [...summary.byTopic].sort(([a], [b]) => a.localeCompare(b)))
    lines.push(`  → ${topic} ${count(n)}`);
  if (summary.unreadable > 0) lines.push(`  not DLQ records, skipped ${count(summary.unreadable)}`);
  io.stderr.write(lines.join('\n') + '\n');
}

/** `cdr dlq replay`, with defaults from `env` (`KAFKA_BROKERS`, `TOPIC_DLQ`). */
export function dlqReplayCommand(env: CommandEnv): Command {
  return defineCommand({
    name: ['dlq', 'replay'],
    summary: 'send dead-lettered CDRs (selected by code, stage, id, time) back into the pipeline',
    help: HELP,
    parse: (args) => parseReplayArgs(args, env),
    execute: replayDlq,
  });
}
