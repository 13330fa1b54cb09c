/** `@cdrate/aggregation-service`: the app and its parts, for tests and embedding; `main.ts` runs it. */
export {
  createAggregationApp,
  DLQ_UNREADABLE,
  RATED_CALLS_TABLE,
  REJECTED_CDRS_TABLE,
  SINK_REJECTED,
} from './app.js';
export type { AggregationAppOptions, AggregationSettings } from './app.js';
export { Batcher, isRowDataError } from './batcher.js';
export type { BatcherOptions, BatchSink, RefusedRow, Scheduler } from './batcher.js';
export { chunkBytes, chunkRows, RowChunkWriter } from './chunks.js';
export type { RowChunk } from './chunks.js';
export { aggregationConfigSpec, defaultMigrationsDir, loadAggregationConfig } from './config.js';
export type { AggregationConfig } from './config.js';
export { createAggregationMetrics } from './metrics.js';
export type { AggregationMetrics } from './metrics.js';
export {
  RATED_CALLS_COLUMNS,
  ratedCallTsvRow,
  ratedCallTsvRowMaxBytes,
  writeRatedCallTsvRow,
  writeTsvString,
} from './rated-tsv.js';
export { durationSecText, ratedCallRow, rejectedCdrRow } from './rows.js';
