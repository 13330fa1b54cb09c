/** The ingest service's Prometheus metrics (names and labels per docs/pipeline.md). */
import { createStageMetrics, type StageMetrics } from '@cdrate/service-runtime';
import { Counter, type Registry } from 'prom-client';

export interface IngestMetrics extends StageMetrics {
  readonly duplicates: Counter;
  readonly invalidAccounts: Counter;
}

/** Registers the metrics on `registry`. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  const registers = [registry];
  return {
    ...createStageMetrics(registry),
    duplicates: new Counter({
      name: 'cdrate_duplicates_total',
      help: 'CDRs dropped as repeats of a cdr_id seen within the dedup window',
      registers,
    }),
    invalidAccounts: new Counter({
      name: 'cdrate_invalid_accounts_total',
      help: 'Invalid records of the accounts topic, skipped',
      registers,
    }),
  };
}
