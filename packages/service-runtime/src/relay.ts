/**
 * The consume → transform → produce app that ingest and rating both are: read a batch of one input
 * partition, transform it (a pure function of the batch, the accounts and the clock), send its records and
 * dead letters in one request, and let the consumer commit only after that request was acknowledged.
 *
 * Output records travel many to a message: the records of one consumed batch are grouped by the partition
 * their key (the account id) maps to — the partition a keyed message would go to, so an account's records
 * stay in one partition, in order — and each group is sent as one batch frame (`docs/schemas.md`).
 */
import {
  accountDirectoryGroupId,
  startAccountDirectory,
  type AccountDirectory,
} from '@cdrate/account-directory';
import { InfraError } from '@cdrate/errors';
import {
  createKeyPartitioner,
  type ConsumedBatch,
  type ConsumerHandle,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaProducer,
  type OutgoingMessage,
  type TopicMessages,
  type TopicSpec,
} from '@cdrate/kafka';
import type { Account } from '@cdrate/rating-core';
import { CONTENT_TYPE_AVRO, CONTENT_TYPE_HEADER } from '@cdrate/schemas';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { serviceKafka } from './adapters.js';
import { createStageMetrics, type ServiceApp, type StageMetrics } from './index.js';

/** How often consumer lag is sampled and the output topic's partition count re-read. */
export const RELAY_SAMPLE_MS = 5000;
/**
 * Most record bytes per output message: well below Kafka's default `max.message.bytes` (1 MiB), large
 * enough that a consumed batch of 1,000 CDRs makes one or two messages per partition.
 */
export const RELAY_MESSAGE_TARGET_BYTES = 256 * 1024;
/**
 * Most input messages per transform call: a whole fetch of one partition (1 MiB, ~4,000 raw CDRs) in one
 * call and one produce request, instead of the consumer's default 1,000 (four requests and commits).
 */
export const RELAY_MAX_BATCH_MESSAGES = 5000;
/**
 * Partitions whose batches are handled at the same time: as many as the topics are created with
 * (`TOPIC_PARTITIONS`), so that while batches wait for the broker's acknowledgement or their commit, the
 * others are transformed. Each partition still has one batch in flight, committed after its own output.
 * Measured (1M CDRs, pipeline bench, shared machine): with 2 at a time ingest used 0.54–0.56 of a core
 * while `cdr.raw` had a backlog; with all six 0.72, and 37.5k CDRs/s against 32–37k (within this
 * machine's run-to-run noise).
 */
export function relayPartitionsConcurrently(settings: Pick<RelaySettings, 'topicPartitions'>): number {
  return Math.max(1, settings.topicPartitions);
}
/** `max.message.bytes` of the DLQ topic: a 2 MiB source message in base64 plus the envelope fits. */
export const DLQ_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/** Reads accounts by id (the account directory). */
export interface AccountLookup {
  get(accountId: string): Account | undefined;
}

/** One record for the output topic: its partitioning key and its single Avro frame. */
export interface RelayRecord {
  readonly key: string;
  readonly frame: Buffer;
}

/** A refused input record, for metrics and logs (its dead letter is in {@link RelayBatchResult.deadLetters}). */
export interface RelayReject {
  readonly offset: string;
  readonly cdrId: string | null;
  readonly code: string;
  readonly message: string;
}

/** What a transform makes of one consumed batch. */
export interface RelayBatchResult {
  /** Records for the output topic, in input order. */
  readonly records: readonly RelayRecord[];
  /** Dead letters for the DLQ topic (JSON, one per refused record), in input order. */
  readonly deadLetters: readonly OutgoingMessage[];
  readonly rejects: readonly RelayReject[];
  /** Runs once the output is acknowledged, before the commit (remember ids, count service metrics). */
  readonly acknowledged?: () => void;
}

export interface RelayContext {
  readonly accounts: AccountLookup;
  /** The clock, read once per batch by the relay (never in a transform). */
  readonly nowMs: number;
}

/** Settings a relay reads (the shared service settings of docs/pipeline.md). */
export interface RelaySettings {
  readonly kafkaBrokers: readonly string[];
  readonly instanceId: string;
  readonly consumerGroup: string;
  readonly topicPartitions: number;
  readonly topicDlq: string;
  readonly topicAccounts: string;
  readonly accountsLoadTimeoutMs: number;
}

/** The metrics of a relay stage: those of every stage plus skipped account records. */
export interface RelayMetrics extends StageMetrics {
  readonly invalidAccounts: Counter;
}

/** Registers the {@link RelayMetrics} on `registry`. */
export function createRelayMetrics(registry: Registry): RelayMetrics {
  return {
    ...createStageMetrics(registry),
    invalidAccounts: new Counter({
      name: 'cdrate_invalid_accounts_total',
      help: 'Invalid records of the accounts topic, skipped',
      registers: [registry],
    }),
  };
}

export interface RelayAppOptions {
  /** Stage name in DLQ records, logs and metric labels. */
  readonly stage: 'ingest' | 'rating';
  readonly settings: RelaySettings;
  readonly input: string;
  readonly output: string;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
  /** The pure part: one consumed batch → records, dead letters, rejects. Must not throw on bad input. */
  readonly transform: (batch: ConsumedBatch, context: RelayContext) => RelayBatchResult;
  /** Frames records of the output topic as one batch message (`frameNormalizedCdrBatch`, …). */
  readonly frameBatch: (frames: readonly Uint8Array[]) => Buffer;
  /** Clock for the batch's `nowMs`; default `Date.now`. */
  readonly now?: () => number;
  /** Consumer session timeout (tests use the broker minimum, 6000 ms); default the adapter's. */
  readonly sessionTimeoutMs?: number;
}

/** A running relay (see the module comment for what it guarantees). */
export interface RelayApp extends ServiceApp {
  /** The account directory once started (tests and diagnostics). */
  directory(): AccountDirectory | undefined;
}

/** The topics a relay reads or writes, created at start when missing (existing ones are left as they are). */
export function relayTopics(settings: RelaySettings, input: string, output: string): TopicSpec[] {
  const partitions = settings.topicPartitions;
  return [
    { topic: input, partitions },
    { topic: output, partitions },
    {
      topic: settings.topicDlq,
      partitions,
      configs: { 'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES) },
    },
    { topic: settings.topicAccounts, partitions, configs: { 'cleanup.policy': 'compact' } },
  ];
}

/**
 * Groups `records` by the partition of their key among `partitions` and frames each group, in order, into
 * messages of at most `targetBytes` of records (a single larger record gets a message of its own).
 */
export function packRecords(
  records: readonly RelayRecord[],
  partitions: number,
  partitionOf: (key: string, partitions: number) => number,
  frameBatch: (frames: readonly Uint8Array[]) => Buffer,
  targetBytes: number = RELAY_MESSAGE_TARGET_BYTES,
): OutgoingMessage[] {
  const groups = new Map<number, Buffer[]>();
  for (const record of records) {
    const partition = partitionOf(record.key, partitions);
    let group = groups.get(partition);
    if (group === undefined) groups.set(partition, (group = []));
    group.push(record.frame);
  }
  const messages: OutgoingMessage[] = [];
  const headers = { [CONTENT_TYPE_HEADER]: CONTENT_TYPE_AVRO };
  for (const [partition, frames] of groups) {
    let start = 0;
    let bytes = 0;
    for (let i = 0; i < frames.length; i++) {
      const size = frames[i]!.length;
      if (i > start && bytes + size > targetBytes) {
        messages.push({ partition, key: null, value: frameBatch(frames.slice(start, i)), headers });
        start = i;
        bytes = 0;
      }
      bytes += size;
    }
    messages.push({ partition, key: null, value: frameBatch(frames.slice(start)), headers });
  }
  return messages;
}

export function createRelayApp(options: RelayAppOptions): RelayApp {
  const { stage, settings, input, output, logger, metrics, transform, frameBatch } = options;
  const now = options.now ?? Date.now;
  const partitionOf = createKeyPartitioner();
  const kafka: KafkaClient = serviceKafka(stage, settings, logger);
  const noAccounts: AccountLookup = { get: () => undefined };

  let admin: KafkaAdmin | undefined;
  let producer: KafkaProducer | undefined;
  let consumer: ConsumerHandle | undefined;
  let directory: AccountDirectory | undefined;
  let outputPartitions = 0;
  let sampleTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // The runtime observes `done`; this keeps an early failure from being an unhandled rejection meanwhile.
  done.catch(() => undefined);

  const handleBatch = async (batch: ConsumedBatch): Promise<void> => {
    const started = process.hrtime.bigint();
    const result = transform(batch, { accounts: directory ?? noAccounts, nowMs: now() });
    const packed = packRecords(result.records, outputPartitions, partitionOf, frameBatch);
    const out: TopicMessages[] = [];
    if (packed.length > 0) out.push({ topic: output, messages: packed });
    if (result.deadLetters.length > 0) out.push({ topic: settings.topicDlq, messages: result.deadLetters });
    if (out.length > 0) {
      if (producer === undefined)
        throw new InfraError('INTERNAL', 'batch handled before the producer connected');
      try {
        await producer.sendBatch(out);
      } catch (error) {
        logger.error(
          {
            err: error,
            topic: batch.topic,
            partition: batch.partition,
            fromOffset: batch.messages[0]?.offset,
            toOffset: batch.messages[batch.messages.length - 1]?.offset,
          },
          'producing the batch output failed; nothing is committed',
        );
        throw error;
      }
    }
    result.acknowledged?.();
    metrics.consumed.inc({ topic: batch.topic }, batch.messages.length);
    if (packed.length > 0) metrics.produced.inc({ topic: output }, packed.length);
    if (result.deadLetters.length > 0)
      metrics.produced.inc({ topic: settings.topicDlq }, result.deadLetters.length);
    for (const reject of result.rejects) {
      metrics.rejected.inc({ stage, code: reject.code });
      logger.debug(
        {
          topic: batch.topic,
          partition: batch.partition,
          offset: reject.offset,
          cdrId: reject.cdrId,
          code: reject.code,
        },
        reject.message,
      );
    }
    metrics.batchSize.observe({ stage }, batch.messages.length);
    metrics.batchDuration.observe({ stage }, Number(process.hrtime.bigint() - started) / 1e9);
  };

  const sample = async (): Promise<void> => {
    if (admin === undefined) return;
    try {
      const lag = await admin.consumerLag(settings.consumerGroup, [input]);
      metrics.consumerLag.set({ topic: input }, lag.total);
      // Partitions can be added to a topic while the service runs; keys then map as a keyed producer's would.
      outputPartitions = await admin.partitionCount(output);
    } catch (error) {
      logger.warn({ err: error, topic: input }, 'sampling consumer lag or output partitions failed');
    }
  };

  const fail = (what: string) => (error: unknown) => {
    if (stopping) return;
    logger.error({ err: error }, `${what} failed`);
    settle.reject(error instanceof Error ? error : new InfraError('INTERNAL', String(error)));
  };

  return {
    directory: () => directory,

    async start() {
      admin = await kafka.connectAdmin();
      await admin.ensureTopics(relayTopics(settings, input, output));
      outputPartitions = await admin.partitionCount(output);
      directory = await startAccountDirectory({
        kafka,
        topic: settings.topicAccounts,
        groupId: accountDirectoryGroupId(settings.consumerGroup, settings.instanceId),
        logger: logger.child({ component: 'accounts' }),
        onInvalid: () => metrics.invalidAccounts.inc(),
        ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      });
      directory.done.catch(fail('account directory'));
      await directory.waitUntilLoaded(settings.accountsLoadTimeoutMs);
      logger.info({ accounts: directory.size }, 'accounts loaded');
      producer = await kafka.connectProducer();
      consumer = await kafka.runConsumer({
        groupId: settings.consumerGroup,
        topics: [input],
        fromBeginning: true,
        handleBatch,
        maxBatchSize: RELAY_MAX_BATCH_MESSAGES,
        partitionsConsumedConcurrently: relayPartitionsConcurrently(settings),
        ...(options.sessionTimeoutMs === undefined
          ? {}
          : { sessionTimeoutMs: options.sessionTimeoutMs, rebalanceTimeoutMs: options.sessionTimeoutMs }),
        onError: (error, context) =>
          logger.warn(
            { err: error, topic: context.topic, partition: context.partition, ...context },
            'batch failed',
          ),
      });
      consumer.done.catch(fail('consumer'));
      sampleTimer = setInterval(() => void sample(), RELAY_SAMPLE_MS);
      sampleTimer.unref();
    },

    stop() {
      stopping ??= (async () => {
        if (sampleTimer !== undefined) clearInterval(sampleTimer);
        const errors: unknown[] = [];
        const attempt = async (step: (() => Promise<void>) | undefined): Promise<void> => {
          try {
            await step?.();
          } catch (error) {
            errors.push(error);
          }
        };
        // Stop fetching and finish the batch in flight (its output is sent and committed), then close the rest.
        await attempt(consumer && (() => consumer!.stop()));
        await attempt(producer && (() => producer!.disconnect()));
        await attempt(directory && (() => directory!.stop()));
        await attempt(admin && (() => admin!.disconnect()));
        if (errors.length > 0) {
          const error =
            errors[0] instanceof Error ? errors[0] : new InfraError('INTERNAL', String(errors[0]));
          settle.reject(error);
          throw error;
        }
        settle.resolve();
      })();
      return stopping;
    },

    isReady: () => stopping === undefined && directory?.isLoaded() === true && consumer?.isRunning() === true,

    done,
  };
}
