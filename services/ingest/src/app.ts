/**
 * The ingest app: `cdr.raw` → {@link ingestBatch} → one `sendBatch` of normalised CDRs and dead letters
 * per consumed batch → commit (by the adapter, after the handler resolved).
 */
import {
  accountDirectoryGroupId,
  startAccountDirectory,
  type AccountDirectory,
} from '@cdrate/account-directory';
import { DedupWindow } from '@cdrate/rating-core';
import { InfraError } from '@cdrate/errors';
import {
  createKafka,
  type ConsumedBatch,
  type ConsumerHandle,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaProducer,
  type TopicMessages,
  type TopicSpec,
} from '@cdrate/kafka';
import { createNormaliser, type Normaliser } from '@cdrate/numbering';
import type { Logger, ServiceApp } from '@cdrate/service-runtime';
import type { Registry } from 'prom-client';
import type { IngestConfig } from './config.js';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { ingestBatch } from './transform.js';

/** Stage name in DLQ records and metric labels. */
export const STAGE = 'ingest';
/** `max.message.bytes` of the DLQ topic: a 2 MiB source message in base64 plus the envelope fits. */
export const DLQ_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** How often `cdrate_consumer_lag` is sampled. */
export const LAG_SAMPLE_MS = 5000;

export interface IngestAppOptions {
  readonly config: IngestConfig;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Clock for `received_at` and `failed_at`; default `Date.now`. */
  readonly now?: () => number;
  /** Consumer session timeout (tests use the broker minimum, 6000 ms); default the adapter's. */
  readonly sessionTimeoutMs?: number;
}

/** The topics the service reads or writes, created at start when missing (existing ones are left as they are). */
export function ingestTopics(config: IngestConfig): TopicSpec[] {
  const partitions = config.topicPartitions;
  return [
    { topic: config.topicRaw, partitions },
    { topic: config.topicNormalized, partitions },
    { topic: config.topicDlq, partitions, configs: { 'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES) } },
    { topic: config.topicAccounts, partitions, configs: { 'cleanup.policy': 'compact' } },
  ];
}

/** The ingest app (see the README for the guarantees). */
export interface IngestApp extends ServiceApp {
  /** The account directory once started (tests and diagnostics). */
  directory(): AccountDirectory | undefined;
}

export function createIngestApp(options: IngestAppOptions): IngestApp {
  const { config, logger } = options;
  const now = options.now ?? Date.now;
  const metrics: IngestMetrics = createIngestMetrics(options.registry);
  const normaliser: Normaliser = createNormaliser({ cacheSize: config.numberCacheSize });
  const seen = new DedupWindow(config.dedupWindow);
  const kafka: KafkaClient = createKafka({
    brokers: config.kafkaBrokers,
    clientId: `cdrate-ingest-${config.instanceId}`,
    logger: logger.child({ component: 'kafka' }),
  });

  let admin: KafkaAdmin | undefined;
  let producer: KafkaProducer | undefined;
  let consumer: ConsumerHandle | undefined;
  let directory: AccountDirectory | undefined;
  let lagTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  // The runtime observes `done`; this keeps an early failure from being an unhandled rejection meanwhile.
  done.catch(() => undefined);

  const handleBatch = async (batch: ConsumedBatch): Promise<void> => {
    const started = process.hrtime.bigint();
    const result = ingestBatch(batch.messages, {
      accounts: directory ?? { get: () => undefined },
      normaliser,
      seen,
      nowMs: now(),
      topic: batch.topic,
      partition: batch.partition,
    });
    const out: TopicMessages[] = [];
    if (result.normalized.length > 0)
      out.push({ topic: config.topicNormalized, messages: result.normalized });
    if (result.deadLetters.length > 0) out.push({ topic: config.topicDlq, messages: result.deadLetters });
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
    // Only now, with the output acknowledged, are the ids remembered: a redelivered batch is not a duplicate.
    for (const key of result.accepted) seen.add(key);
    metrics.consumed.inc({ topic: batch.topic }, batch.messages.length);
    if (result.normalized.length > 0)
      metrics.produced.inc({ topic: config.topicNormalized }, result.normalized.length);
    if (result.deadLetters.length > 0)
      metrics.produced.inc({ topic: config.topicDlq }, result.deadLetters.length);
    if (result.duplicates > 0) metrics.duplicates.inc(result.duplicates);
    for (const reject of result.rejects) {
      metrics.rejected.inc({ stage: STAGE, code: reject.code });
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
    metrics.batchSize.observe({ stage: STAGE }, batch.messages.length);
    metrics.batchDuration.observe({ stage: STAGE }, Number(process.hrtime.bigint() - started) / 1e9);
  };

  const sampleLag = async (): Promise<void> => {
    if (admin === undefined) return;
    try {
      const lag = await admin.consumerLag(config.consumerGroup, [config.topicRaw]);
      metrics.consumerLag.set({ topic: config.topicRaw }, lag.total);
    } catch (error) {
      logger.warn({ err: error, topic: config.topicRaw }, 'sampling consumer lag failed');
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
      await admin.ensureTopics(ingestTopics(config));
      directory = await startAccountDirectory({
        kafka,
        topic: config.topicAccounts,
        groupId: accountDirectoryGroupId(config.consumerGroup, config.instanceId),
        logger: logger.child({ component: 'accounts' }),
        onInvalid: () => metrics.invalidAccounts.inc(),
        ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      });
      directory.done.catch(fail('account directory'));
      await directory.waitUntilLoaded(config.accountsLoadTimeoutMs);
      logger.info({ accounts: directory.size }, 'accounts loaded');
      producer = await kafka.connectProducer();
      consumer = await kafka.runConsumer({
        groupId: config.consumerGroup,
        topics: [config.topicRaw],
        fromBeginning: true,
        handleBatch,
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
      lagTimer = setInterval(() => void sampleLag(), LAG_SAMPLE_MS);
      lagTimer.unref();
    },

    stop() {
      stopping ??= (async () => {
        if (lagTimer !== undefined) clearInterval(lagTimer);
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
