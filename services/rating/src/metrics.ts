/** The rating service's Prometheus metrics (names and labels per docs/pipeline.md). */
import { createStageMetrics, type StageMetrics } from '@cdrate/service-runtime';
import { Counter, type Registry } from 'prom-client';

export interface RatingMetrics extends StageMetrics {
  readonly rated: Counter<'call_type'>;
  readonly invalidAccounts: Counter;
}

/** Registers the metrics on `registry`. */
export function createRatingMetrics(registry: Registry): RatingMetrics {
  const registers = [registry];
  return {
    ...createStageMetrics(registry),
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
