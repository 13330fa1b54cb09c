/**
 * The ingest app: a relay (`@cdrate/service-runtime`) from `cdr.raw` to `cdr.normalized` whose transform is
 * {@link ingestBatch}. Duplicates are dropped against a window of recently accepted ids, remembered only
 * once a batch's output is acknowledged.
 */
import type { AccountDirectory } from '@cdrate/account-directory';
import { createNormaliser, type Normaliser } from '@cdrate/numbering';
import { createNormalizedCdrBatchWriter } from '@cdrate/schemas';
import { createRelayApp, relayTopics, type Logger, type ServiceApp } from '@cdrate/service-runtime';
import type { TopicSpec } from '@cdrate/kafka';
import type { Registry } from 'prom-client';
import type { IngestConfig } from './config.js';
import { createIngestMetrics, type IngestMetrics } from './metrics.js';
import { DuplicateWindow } from './dedup.js';
import { ingestBatch } from './transform.js';

/** Stage name in DLQ records and metric labels. */
export const STAGE = 'ingest';

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
  return relayTopics(config, config.topicRaw, config.topicNormalized);
}

/** The ingest app (see the README for the guarantees). */
export interface IngestApp extends ServiceApp {
  /** The account directory once started (tests and diagnostics). */
  directory(): AccountDirectory | undefined;
}

export function createIngestApp(options: IngestAppOptions): IngestApp {
  const { config } = options;
  const metrics: IngestMetrics = createIngestMetrics(options.registry);
  const normaliser: Normaliser = createNormaliser({ cacheSize: config.numberCacheSize });
  const seen = new DuplicateWindow(config.dedupWindow);
  return createRelayApp({
    stage: STAGE,
    settings: config,
    input: config.topicRaw,
    output: config.topicNormalized,
    logger: options.logger,
    metrics,
    createBatchWriter: createNormalizedCdrBatchWriter,
    ...(options.now === undefined ? {} : { now: options.now }),
    ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
    transform: (batch, context) => {
      const result = ingestBatch(batch.messages, {
        accounts: context.accounts,
        normaliser,
        seen,
        nowMs: context.nowMs,
        topic: batch.topic,
        partition: batch.partition,
        output: context.output,
      });
      return {
        deadLetters: result.deadLetters,
        rejects: result.rejects,
        acknowledged: () => {
          // Only now, with the output acknowledged, are the ids remembered: a redelivered batch is not a
          // duplicate of itself.
          seen.addAll(result.accepted);
          if (result.duplicates > 0) metrics.duplicates.inc(result.duplicates);
        },
      };
    },
  });
}
