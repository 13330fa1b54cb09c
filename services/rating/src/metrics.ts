/** The rating service's Prometheus metrics (names and labels per docs/pipeline.md). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export interface RatingMetrics {
  readonly consumed: Counter<'topic'>;
  readonly produced: Counter<'topic'>;
  readonly rejected: Counter<'stage' | 'code'>;
  readonly batchSize: Histogram<'stage'>;
  readonly batchDuration: Histogram<'stage'>;
  readonly consumerLag: Gauge<'topic'>;
  readonly rated: Counter<'call_type'>;
  readonly invalidAccounts: Counter;
}

/** Registers the metrics on `registry`. */
export function createRatingMetrics(registry: Registry): RatingMetrics {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: 'cdrate_consumed_total',
      help: 'Messages consumed',
      labelNames: ['topic'],
      registers,
    }),
    produced: new Counter({
      name: 'cdrate_produced_total',
      help: 'Messages produced',
      labelNames: ['topic'],
      registers,
    }),
    rejected: new Counter({
      name: 'cdrate_rejected_total',
      help: 'Records sent to the dead-letter topic',
      labelNames: ['stage', 'code'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'cdrate_batch_size',
      help: 'Messages per consumed batch',
      labelNames: ['stage'],
      buckets: [1, 10, 50, 100, 250, 500, 1000],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'cdrate_batch_duration_seconds',
      help: 'Time to handle one batch, output acknowledged',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'cdrate_consumer_lag',
      help: 'Messages of the input topic not yet committed by the group (sampled every 5 s)',
      labelNames: ['topic'],
      registers,
    }),
    rated: new Counter({
      name: 'cdrate_rated_total',
      help: 'Calls rated, by call type',
      labelNames: ['call_type'],
      registers,
    }),
    invalidAccounts: new Counter({
      name: 'cdrate_invalid_accounts_total',
      help: 'Invalid records of the accounts topic, skipped',
      registers,
    }),
  };
}
