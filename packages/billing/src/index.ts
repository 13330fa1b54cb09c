/**
 * `@cdrate/billing`: what billing jobs and customers consume from `rated_calls` — the usage lines of a
 * month's invoice (exact decimals, rounded half-up to cents once per line) and the billed-call-detail CSV
 * export (streamed) — plus the portable SQL builders that read them. Rules: docs/billing.md.
 */
export {
  BCD_CALL_TYPE_NAMES,
  BCD_CSV_HEADER,
  bcdCsvLineFromTsv,
  createBcdCsvTransform,
  csvField,
  formatUtcSeconds,
  unescapeTsv,
  type BcdCsvTransform,
} from './bcd-csv.js';
export { formatFixed, formatUnits, normaliseDecimal, parseUnits, rescale, roundHalfUp } from './decimal.js';
export {
  CHARGE_SCALE,
  computeUsage,
  COST_SCALE,
  CurrencyMismatchError,
  LINE_ITEMS,
  MINUTES_SCALE,
  planOf,
  RATE_SCALE,
  type BillingPlan,
  type CallTypeTotals,
  type LineItem,
  type UsageLine,
  type UsageReport,
} from './invoice.js';
export {
  ACCOUNT_ID_PATTERN,
  addMonths,
  checkAccountId,
  FIRST_USAGE_MONTH,
  formatMonth,
  LAST_USAGE_MONTH,
  monthStartSeconds,
  parseInvoiceMonth,
  parseUsageMonth,
  usageMonthOfInvoice,
  yyyymm,
  type Checked,
  type Month,
} from './months.js';
export { billedCallsQuery, usageTotalsQuery, type BillingQueryTarget } from './queries.js';
export { EXPORT_MAX_EXECUTION_SECONDS, exportBilledCalls, fetchUsage } from './read.js';
export { formatUsageTable } from './table.js';
