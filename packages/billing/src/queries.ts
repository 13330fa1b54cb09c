/**
 * The SQL billing runs on `rated_calls`, built with the `sql` tag of `@cdrate/clickhouse` (every value a
 * rendered literal; 18.16 has no server-side parameters). Portable subset only: the same text runs on
 * ClickHouse 18.16 and modern servers (test/modern-clickhouse runs every builder here on ClickHouse 26.x).
 *
 * Both queries read one account's calls of a usage month M by the rule of docs/schemas.md: every stored
 * version from month M−1 to M+1, the latest `rating_version` of each (account_id, cdr_id) by `argMax`, and
 * only then the month, on the latest `start_time`. A resent, replayed or re-rated call therefore counts
 * once, with its latest rating, in the month its latest version says. Aliases differ from column names
 * (ClickHouse resolves an alias named like a column everywhere).
 */
import { sql, type SqlFragment } from '@cdrate/clickhouse';
import { addMonths, monthStartSeconds, yyyymm, type Month } from './months.js';

/** Which account, month and database a billing query reads. */
export interface BillingQueryTarget {
  /** Database holding `rated_calls` (validated as an identifier when rendered). */
  readonly database: string;
  /** Checked with `checkAccountId` by callers; rendered as a string literal in any case. */
  readonly accountId: string;
  /** The usage month (UTC month of `start_time`). */
  readonly month: Month;
}

/** The deduplicating inner query: latest version of each call of the account in months M−1..M+1. */
function latestCalls(target: BillingQueryTarget, columns: SqlFragment): SqlFragment {
  const from = sql.dateTime(monthStartSeconds(addMonths(target.month, -1)));
  const to = sql.dateTime(monthStartSeconds(addMonths(target.month, 2)));
  const table = sql.identifier(`${target.database}.rated_calls`);
  return sql`SELECT
        account_id,
        cdr_id,
        ${columns},
        argMax(billable, rating_version) AS latest_billable,
        argMax(start_time, rating_version) AS latest_start
    FROM ${table}
    WHERE account_id = ${target.accountId}
      AND start_time >= ${from}
      AND start_time < ${to}
    GROUP BY account_id, cdr_id
    HAVING toYYYYMM(latest_start, 'UTC') = ${yyyymm(target.month)} AND latest_billable = 1`;
}

/**
 * Usage aggregates of an account's usage month: one row per call type and currency of its billable calls,
 * latest rating of each call only. Columns (JSONEachRow): `call_type_name` String, `currency_code`
 * String, `calls` UInt64 (quoted), `minutes_total` and `cost_total` exact decimal text (18.16 pads them to
 * scale 6 and 11).
 */
export function usageTotalsQuery(target: BillingQueryTarget): SqlFragment {
  const inner = latestCalls(
    target,
    sql`toString(argMax(call_type, rating_version)) AS latest_type,
        argMax(currency, rating_version) AS latest_currency,
        argMax(billable_minutes, rating_version) AS latest_minutes,
        argMax(cost, rating_version) AS latest_cost`,
  );
  return sql`SELECT
    latest_type AS call_type_name,
    latest_currency AS currency_code,
    count() AS calls,
    toString(sum(latest_minutes)) AS minutes_total,
    toString(sum(latest_cost)) AS cost_total
FROM
(
    ${inner}
)
GROUP BY call_type_name, currency_code
ORDER BY call_type_name, currency_code`;
}

/**
 * The billed calls of an account's usage month for the billed-call-detail export, latest rating of each,
 * of the call types priced per call (`inbound_toll_free`, `international`, `domestic_metered`),
 * ordered by start time (milliseconds included), then `cdr_id`. Meant for `TabSeparated` output, columns in
 * this order: source, destination, start and end as unix seconds (UTC), `duration_sec`,
 * `billable_minutes`, `cost`, `rate` (decimal text, padded on 18.16), call type name.
 */
export function billedCallsQuery(target: BillingQueryTarget): SqlFragment {
  const inner = latestCalls(
    target,
    sql`toString(argMax(call_type, rating_version)) AS latest_type,
        argMax(source, rating_version) AS latest_source,
        argMax(destination, rating_version) AS latest_destination,
        argMax(start_time_ms, rating_version) AS latest_start_ms,
        argMax(end_time, rating_version) AS latest_end,
        argMax(duration_sec, rating_version) AS latest_duration,
        argMax(billable_minutes, rating_version) AS latest_minutes,
        argMax(cost, rating_version) AS latest_cost,
        argMax(rate, rating_version) AS latest_rate`,
  );
  return sql`SELECT
    latest_source AS source_number,
    latest_destination AS destination_number,
    toUInt32(latest_start) AS start_seconds,
    toUInt32(latest_end) AS end_seconds,
    toString(latest_duration) AS duration_text,
    toString(latest_minutes) AS minutes_text,
    toString(latest_cost) AS cost_text,
    toString(latest_rate) AS rate_text,
    latest_type AS call_type_name
FROM
(
    ${inner}
)
WHERE latest_type IN ('inbound_toll_free', 'international', 'domestic_metered')
ORDER BY latest_start, latest_start_ms, cdr_id`;
}
