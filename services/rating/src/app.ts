/**
 * The rating app: `cdr.normalized` → {@link rateBatch} → one `sendBatch` of rated calls and dead letters
 * per consumed batch → commit (by the adapter, after the handler resolved). Several instances share the
 * partitions of `cdr.normalized` through the consumer group.
 */
import {
  accountDirectoryGroupId,
  startAccountDirectory,
  type AccountDirectory,
} from '@cdrate/account-directory';
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
import type { Tariff } from '@cdrate/rating-core';
import type { Logger, ServiceApp } from '@cdrate/service-runtime';
import type { Registry } from 'prom-client';
import type { RatingConfig } from './config.js';
import { createRatingMetrics, type RatingMetrics } from './metrics.js';
import { rateBatch } from './transform.js';

/** Stage name in DLQ records and metric labels. */
export const STAGE = 'rating';
/** `max.message.bytes` of the DLQ topic: a 2 MiB source message in base64 plus the envelope fits. */
export const DLQ_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** How often `cdrate_consumer_lag` is sampled. */
export const LAG_SAMPLE_MS = 5000;

export interface RatingAppOptions {
  readonly config: RatingConfig;
  /** The compiled tariff (loaded by `main.ts` before the app starts). */
  readonly tariff: Tariff;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Clock for `rated_at`, `rating_version` and `failed_at`; default `Date.now`. */
  readonly now?: () => number;
  /** Consumer session timeout (tests use the broker minimum, 6000 ms); default the adapter's. */
  readonly sessionTimeoutMs?: number;
}

/** The topics the service reads or writes, created at start when missing (existing ones are left as they are). */
export function ratingTopics(config: RatingConfig): TopicSpec[] {
  const partitions = config.topicPartitions;
  return [
    { topic: config.topicNormalized, partitions },
    { topic: config.topicRated, partitions },
    { topic: config.topicDlq, partitions, configs: { 'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES) } },
    { topic: config.topicAccounts, partitions, configs: { 'cleanup.policy': 'compact' } },
  ];
}

/** The rating app (see the README for the guarantees). */
export interface RatingApp extends ServiceApp {
  /** The account directory once started (tests and diagnostics). */
  directory(): AccountDirectory | undefined;
}

export function createRatingApp(options: RatingAppOptions): RatingApp {
  const { config, logger, tariff } = options;
  const now = options.now ?? Date.now;
  const metrics: RatingMetrics = createRatingMetrics(options.registry);
  const kafka: KafkaClient = createKafka({
    brokers: config.kafkaBrokers,
    clientId: `cdrate-rating-${config.instanceId}`,
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
    const result = rateBatch(batch.messages, {
      accounts: directory ?? { get: () => undefined },
      tariff,
      // The clock is read here, once per batch, never in the core.
      nowMs: now(),
      topic: batch.topic,
      partition: batch.partition,
    });
    const out: TopicMessages[] = [];
    if (result.rated.length > 0) out.push({ topic: config.topicRated, messages: result.rated });
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
    metrics.consumed.inc({ topic: batch.topic }, batch.messages.length);
    if (result.rated.length > 0) metrics.produced.inc({ topic: config.topicRated }, result.rated.length);
    if (result.deadLetters.length > 0)
      metrics.produced.inc({ topic: config.topicDlq }, result.deadLetters.length);
    for (const [callType, count] of result.callTypes) metrics.rated.inc({ call_type: callType }, count);
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
      const lag = await admin.consumerLag(config.consumerGroup, [config.topicNormalized]);
      metrics.consumerLag.set({ topic: config.topicNormalized }, lag.total);
    } catch (error) {
      logger.warn({ err: error, topic: config.topicNormalized }, 'sampling consumer lag failed');
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
      await admin.ensureTopics(ratingTopics(config));
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
        topics: [config.topicNormalized],
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
