/**
 * Billing reads from ClickHouse: the usage report of a month and the streamed billed-call-detail CSV.
 * Both the `cdr usage` / `cdr export bcd` commands and the billing API call these, so they answer the same.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ClickhouseClient } from '@cdrate/clickhouse';
import { createBcdCsvTransform } from './bcd-csv.js';
import { computeUsage, type BillingPlan, type UsageReport } from './invoice.js';
import { billedCallsQuery, usageTotalsQuery, type BillingQueryTarget } from './queries.js';

/** A row of {@link usageTotalsQuery} as JSONEachRow gives it. */
interface UsageTotalsRow {
  readonly call_type_name: string;
  readonly currency_code: string;
  readonly calls: string | number;
  readonly minutes_total: string;
  readonly cost_total: string;
}

/**
 * The usage report of an account's month: runs {@link usageTotalsQuery} and computes the lines.
 * Rejects with the client's `InfraError` when ClickHouse fails, with `CurrencyMismatchError` when a call of
 * the month is in another currency than the plan's.
 */
export async function fetchUsage(
  clickhouse: ClickhouseClient,
  target: BillingQueryTarget & { readonly plan: BillingPlan },
  options: { readonly queryId?: string } = {},
): Promise<UsageReport> {
  const rows = await clickhouse.query<UsageTotalsRow>(
    usageTotalsQuery(target),
    options.queryId === undefined ? {} : { queryId: options.queryId },
  );
  return computeUsage({
    accountId: target.accountId,
    month: target.month,
    plan: target.plan,
    totals: rows.map((row) => ({
      callType: row.call_type_name,
      currency: row.currency_code,
      calls: Number(row.calls),
      minutes: row.minutes_total,
      cost: row.cost_total,
    })),
  });
}

/** Server-side limit of an export query (seconds): a month of millions of calls takes a while to sort. */
export const EXPORT_MAX_EXECUTION_SECONDS = 3600;

/**
 * Streams the billed-call-detail CSV of an account's usage month into `sink` (header first, one line per
 * billed call, ordered by start time) in constant memory, with `sink`'s back-pressure.
 *
 * Nothing is written to `sink`, and `sink` is left untouched, until ClickHouse has answered with the first
 * data (or the end of an empty result): a query that fails at once (server down, no table) rejects with
 * `sink` still usable, e.g. for an HTTP error response. `onFirstData` is called at that point. After it,
 * a failure (ClickHouse mid-stream, a malformed row, `sink`) destroys the streams and rejects. Resolves
 * with the number of rows once everything was handed to `sink`; `end: false` leaves `sink` open
 * (standard output).
 */
export async function exportBilledCalls(
  clickhouse: ClickhouseClient,
  target: BillingQueryTarget,
  sink: Writable,
  options: {
    readonly end?: boolean;
    readonly queryId?: string;
    readonly signal?: AbortSignal;
    readonly onFirstData?: () => void;
  } = {},
): Promise<{ readonly rows: number }> {
  const source = clickhouse.queryStream(billedCallsQuery(target), 'TabSeparated', {
    settings: { max_execution_time: EXPORT_MAX_EXECUTION_SECONDS },
    ...(options.queryId === undefined ? {} : { queryId: options.queryId }),
  });
  try {
    await once(source, 'readable', options.signal === undefined ? {} : { signal: options.signal });
  } catch (error) {
    source.destroy();
    throw error;
  }
  options.onFirstData?.();
  const csv = createBcdCsvTransform();
  await pipeline(source, csv, sink, {
    end: options.end ?? true,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  return { rows: csv.rows };
}
