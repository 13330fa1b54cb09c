import { Counter, Histogram, type Registry } from 'prom-client';

/** Routes as metric labels: a bounded set, never the raw path. */
export type RouteLabel = 'usage' | 'billed_calls' | 'unmatched';

/** The billing API's metrics, registered on `registry`. */
export interface BillingApiMetrics {
  /** Requests answered, by route and HTTP status. */
  readonly requests: Counter<'route' | 'status'>;
  /** Time from the request to the end of its response (a CSV export: its last byte). */
  readonly duration: Histogram<'route'>;
  /** Billed-call rows sent in CSV exports. */
  readonly exportedRows: Counter;
}

export function createBillingApiMetrics(registry: Registry): BillingApiMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'cdrate_billing_api_requests_total',
      help: 'Billing API requests answered, by route and status',
      labelNames: ['route', 'status'],
      registers,
    }),
    duration: new Histogram({
      name: 'cdrate_billing_api_request_duration_seconds',
      help: 'Billing API request duration until the last byte of the response',
      labelNames: ['route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers,
    }),
    exportedRows: new Counter({
      name: 'cdrate_billing_api_exported_rows_total',
      help: 'Billed-call rows sent in CSV exports',
      registers,
    }),
  };
}
