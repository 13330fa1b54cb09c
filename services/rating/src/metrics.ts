/** The rating service's Prometheus metrics (names and labels per docs/pipeline.md). */
import { createRelayMetrics, type RelayMetrics } from '@cdrate/service-runtime';
import { Counter, type Registry } from 'prom-client';

export interface RatingMetrics extends RelayMetrics {
  readonly rated: Counter<'call_type'>;
}

/** Registers the metrics on `registry`. */
export function createRatingMetrics(registry: Registry): RatingMetrics {
  return {
    ...createRelayMetrics(registry),
    rated: new Counter({
      name: 'cdrate_rated_total',
      help: 'Calls rated, by call type',
      labelNames: ['call_type'],
      registers: [registry],
    }),
  };
}
