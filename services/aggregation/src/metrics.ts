/** The aggregation service's Prometheus metrics (names and labels per docs/pipeline.md). */
import { createStageMetrics, type StageMetrics } from '@cdrate/service-runtime';
import { Counter, Histogram, type Registry } from 'prom-client';

/** The service's metrics (names from docs/pipeline.md), registered on `registry`. */
export interface AggregationMetrics extends StageMetrics {
  readonly insertedRows: Counter<'table'>;
  /** Duration of one ClickHouse insert request. */
  readonly insertDuration: Histogram<'table'>;
}

export function createAggregationMetrics(registry: Registry): AggregationMetrics {
  const registers = [registry];
  return {
    ...createStageMetrics(registry),
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
