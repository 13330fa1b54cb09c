import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The service's metrics (names from docs/pipeline.md), registered on `registry`. */
export interface AggregationMetrics {
  readonly consumed: Counter<'topic'>;
  readonly produced: Counter<'topic'>;
  readonly rejected: Counter<'stage' | 'code'>;
  /** Messages per consumed batch (one partition's part of a fetch). */
  readonly batchSize: Histogram<'stage'>;
  /** Time from receiving a consumed batch to its rows being inserted (what the commit waits for). */
  readonly batchDuration: Histogram<'stage'>;
  readonly consumerLag: Gauge<'topic'>;
  readonly insertedRows: Counter<'table'>;
  /** Duration of one ClickHouse insert request. */
  readonly insertDuration: Histogram<'table'>;
}

export function createAggregationMetrics(registry: Registry): AggregationMetrics {
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
      help: 'Messages produced (dead letters)',
      labelNames: ['topic'],
      registers,
    }),
    rejected: new Counter({
      name: 'cdrate_rejected_total',
      help: 'Messages refused by a stage: dead-lettered, or skipped when they are unreadable dead letters',
      labelNames: ['stage', 'code'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'cdrate_batch_size',
      help: 'Messages per consumed batch',
      labelNames: ['stage'],
      buckets: [1, 10, 100, 1000, 5000, 10_000, 50_000, 100_000],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'cdrate_batch_duration_seconds',
      help: 'Time from receiving a consumed batch until its rows are inserted',
      labelNames: ['stage'],
      buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'cdrate_consumer_lag',
      help: 'Messages not yet committed by the consumer group, sampled every 5 s',
      labelNames: ['topic'],
      registers,
    }),
    insertedRows: new Counter({
      name: 'cdrate_inserted_rows_total',
      help: 'Rows inserted into ClickHouse',
      labelNames: ['table'],
      registers,
    }),
    insertDuration: new Histogram({
      name: 'cdrate_insert_duration_seconds',
      help: 'Duration of one ClickHouse insert',
      labelNames: ['table'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
  };
}
