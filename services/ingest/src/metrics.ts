/** The ingest service's Prometheus metrics (names and labels per docs/pipeline.md). */
import { createRelayMetrics, type RelayMetrics } from '@cdrate/service-runtime';
import { Counter, type Registry } from 'prom-client';

export interface IngestMetrics extends RelayMetrics {
  readonly duplicates: Counter;
}

/** Registers the metrics on `registry`. */
export function createIngestMetrics(registry: Registry): IngestMetrics {
  return {
    ...createRelayMetrics(registry),
    duplicates: new Counter({
      name: 'cdrate_duplicates_total',
      help: 'CDRs dropped as repeats of a cdr_id seen within the dedup window',
      registers: [registry],
    }),
  };
}
