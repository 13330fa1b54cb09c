/**
 * The consume → transform → produce app that ingest and rating both are: read a batch of one input
 * partition, transform it (a pure function of the batch, the accounts and the clock), send its records and
 * dead letters in one request, and let the consumer commit only after that request was acknowledged.
 *
 * Output records travel many to a message: the transform hands each record to a {@link RelayOutput}, which
 * encodes it straight into the batch frame (`docs/schemas.md`) of the partition its key (the account id)
 * maps to — the partition a keyed message would go to, so an account's records stay in one partition, in
 * order. No record is framed on its own first.
 *
 * An instance runs `RELAY_CONSUMERS` consumers in its group (they share its partitions, its caches and its
 * producer): kafkajs fetches again only once every batch of a consumer's last fetch was handled, so while
 * one waits for its produce and commit round trips and its next fetch, the other's batches are transformed.
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
import { CONTENT_TYPE_AVRO, CONTENT_TYPE_HEADER, type BatchFrameWriter } from '@cdrate/schemas';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { serviceKafka } from './adapters.js';
import { createStageMetrics, type ServiceApp, type StageMetrics } from './index.js';

/** How often consumer lag is sampled and the output topic's partition count re-read. */
export const RELAY_SAMPLE_MS = 5000;
/**
 * Record bytes at which an output message is closed (it holds this much plus at most one record, whose
 * size is capped by `MAX_CDR_BYTES`): well below Kafka's default `max.message.bytes` (1 MiB), large enough
 * that a consumed batch of 1,000 CDRs makes one or two messages per partition.
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

/** Where a transform puts its records for the output topic. */
export interface RelayOutput<T> {
  /**
   * Appends `record` to the output message of the partition of `key`, after the records added before it.
   * Throws `TypeError` when the record does not match its schema, and then appends nothing.
   */
  add(key: string, record: T): void;
}

/** A refused input record, for metrics and logs (its dead letter is in {@link RelayBatchResult.deadLetters}). */
export interface RelayReject {
  readonly offset: string;
  readonly cdrId: string | null;
  readonly code: string;
  readonly message: string;
}

/** What a transform makes of one consumed batch besides the records it gave its {@link RelayOutput}. */
export interface RelayBatchResult {
  /** Dead letters for the DLQ topic (JSON, one per refused record), in input order. */
  readonly deadLetters: readonly OutgoingMessage[];
  readonly rejects: readonly RelayReject[];
  /** Runs once the output is acknowledged, before the commit (remember ids, count service metrics). */
  readonly acknowledged?: () => void;
}

export interface RelayContext<T> {
  readonly accounts: AccountLookup;
  /** The clock, read once per batch by the relay (never in a transform). */
  readonly nowMs: number;
  /** Takes the batch's records for the output topic, in input order. */
  readonly output: RelayOutput<T>;
}

/** Settings a relay reads (the shared service settings of docs/pipeline.md). */
export interface RelaySettings {
  readonly kafkaBrokers: readonly string[];
  /** Consumers this instance runs in its group (`RELAY_CONSUMERS`, {@link relaySettings}). */
  readonly consumers: number;
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

export interface RelayAppOptions<T> {
  /** Stage name in DLQ records, logs and metric labels. */
  readonly stage: 'ingest' | 'rating';
  readonly settings: RelaySettings;
  readonly input: string;
  readonly output: string;
  readonly logger: Logger;
  readonly metrics: RelayMetrics;
  /** The pure part: one consumed batch → records, dead letters, rejects. Must not throw on bad input. */
  readonly transform: (batch: ConsumedBatch, context: RelayContext<T>) => RelayBatchResult;
  /** Writers of the output topic's batch frames (`createNormalizedCdrBatchWriter`, …). */
  readonly createBatchWriter: () => BatchFrameWriter<T>;
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
 * The {@link RelayOutput} of a relay: one batch frame writer per output partition, a frame closed into a
 * message once it holds `targetBytes` of records. Messages are taken after each transform.
 */
export class PartitionedOutput<T> implements RelayOutput<T> {
  readonly #writers: (BatchFrameWriter<T> | undefined)[] = [];
  #messages: OutgoingMessage[] = [];
  /** Output partitions keys are spread over (re-read while the relay runs). */
  partitions: number;

  constructor(
    private readonly createWriter: () => BatchFrameWriter<T>,
    private readonly partitionOf: (key: string, partitions: number) => number,
    partitions: number,
    private readonly targetBytes: number = RELAY_MESSAGE_TARGET_BYTES,
  ) {
    this.partitions = partitions;
  }

  add(key: string, record: T): void {
    const partition = this.partitionOf(key, this.partitions);
    let writer = this.#writers[partition];
    if (writer === undefined) this.#writers[partition] = writer = this.createWriter();
    writer.append(record);
    if (writer.bytes >= this.targetBytes) this.#messages.push(message(partition, writer.take()));
  }

  /** The messages of every record added since the last call: open frames are closed, in partition order. */
  takeMessages(): OutgoingMessage[] {
    const messages = this.#messages;
    this.#messages = [];
    for (let partition = 0; partition < this.#writers.length; partition++) {
      const writer = this.#writers[partition];
      if (writer !== undefined && writer.count > 0) messages.push(message(partition, writer.take()));
    }
    return messages;
  }
}

const AVRO_HEADERS = { [CONTENT_TYPE_HEADER]: CONTENT_TYPE_AVRO };

function message(partition: number, value: Buffer): OutgoingMessage {
  return { partition, key: null, value, headers: AVRO_HEADERS };
}

export function createRelayApp<T>(options: RelayAppOptions<T>): RelayApp {
  const { stage, settings, input, output, logger, metrics, transform } = options;
  const now = options.now ?? Date.now;
  const partitionOf = createKeyPartitioner();
  const kafka: KafkaClient = serviceKafka(stage, settings, logger);
  const noAccounts: AccountLookup = { get: () => undefined };

  let admin: KafkaAdmin | undefined;
  let producer: KafkaProducer | undefined;
  const consumers: ConsumerHandle[] = [];
  let directory: AccountDirectory | undefined;
  // Shared by every batch: a transform runs synchronously and its messages are taken right after it.
  const records = new PartitionedOutput(options.createBatchWriter, partitionOf, 0);
  let sampleTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // The runtime observes `done`; this keeps an early failure from being an unhandled rejection meanwhile.
  done.catch(() => undefined);

  const handleBatch = async (batch: ConsumedBatch): Promise<void> => {
    const started = process.hrtime.bigint();
    let result: RelayBatchResult;
    try {
      result = transform(batch, { accounts: directory ?? noAccounts, nowMs: now(), output: records });
    } catch (error) {
      records.takeMessages(); // a half-transformed batch's records must not go out with the next batch
      throw error;
    }
    const packed = records.takeMessages();
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
      records.partitions = await admin.partitionCount(output);
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
      records.partitions = await admin.partitionCount(output);
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
      // Started together, so that they join the group in one round: one after the other, the second one's
      // join waits for the first to notice the rebalance at its next heartbeat (~3 s).
      const started = await Promise.allSettled(
        Array.from({ length: settings.consumers }, () =>
          kafka.runConsumer({
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
          }),
        ),
      );
      for (const outcome of started) {
        if (outcome.status !== 'fulfilled') continue;
        consumers.push(outcome.value);
        outcome.value.done.catch(fail('consumer'));
      }
      // The ones that started are stopped by stop(), as after any failed start.
      const failed = started.find((outcome) => outcome.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
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
        await Promise.all(consumers.map((consumer) => attempt(() => consumer.stop())));
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

    isReady: () =>
      stopping === undefined &&
      directory?.isLoaded() === true &&
      consumers.length > 0 &&
      consumers.every((consumer) => consumer.isRunning()),

    done,
  };
}
