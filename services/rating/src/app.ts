/**
 * The rating app: a relay (`@cdrate/service-runtime`) from `cdr.normalized` to `cdr.rated` whose transform
 * is {@link rateBatch}. Several instances share the partitions of `cdr.normalized` through the consumer
 * group.
 */
import type { AccountDirectory } from '@cdrate/account-directory';
import type { TopicSpec } from '@cdrate/kafka';
import type { Tariff } from '@cdrate/rating-core';
import { createRatedCallBatchWriter } from '@cdrate/schemas';
import { createRelayApp, relayTopics, type Logger, type ServiceApp } from '@cdrate/service-runtime';
import type { Registry } from 'prom-client';
import type { RatingConfig } from './config.js';
import { createRatingMetrics, type RatingMetrics } from './metrics.js';
import { rateBatch } from './transform.js';

/** Stage name in DLQ records and metric labels. */
export const STAGE = 'rating';

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
  return relayTopics(config, config.topicNormalized, config.topicRated);
}

/** The rating app (see the README for the guarantees). */
export interface RatingApp extends ServiceApp {
  /** The account directory once started (tests and diagnostics). */
  directory(): AccountDirectory | undefined;
}

export function createRatingApp(options: RatingAppOptions): RatingApp {
  const { config, tariff } = options;
  const metrics: RatingMetrics = createRatingMetrics(options.registry);
  return createRelayApp({
    stage: STAGE,
    settings: config,
    input: config.topicNormalized,
    output: config.topicRated,
    logger: options.logger,
    metrics,
    createBatchWriter: createRatedCallBatchWriter,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
    transform: (batch, context) => {
      // The clock is read by the relay, once per batch, never in the core.
      const result = rateBatch(batch.messages, {
        accounts: context.accounts,
        tariff,
        nowMs: context.nowMs,
        topic: batch.topic,
        partition: batch.partition,
        output: context.output,
      });
      return {
        deadLetters: result.deadLetters,
        rejects: result.rejects,
        acknowledged: () => {
          for (const [callType, count] of result.callTypes) metrics.rated.inc({ call_type: callType }, count);
        },
      };
    },
  });
}
