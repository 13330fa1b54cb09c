/**
 * Usage months, invoice months and account ids as billing accepts them from people and HTTP requests.
 * Expected bad input is a value (`{ ok: false, reason }`), not an exception.
 */

/** A calendar month in UTC. The usage month of a call is the UTC month of its `start_time`. */
export interface Month {
  /** 2000..2100 */
  readonly year: number;
  /** 1..12 */
  readonly month: number;
}

/** Outcome of parsing untrusted input: the value, or a sentence saying what is allowed. */
export type Checked<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** First and last usage month billing answers for (inclusive); invoice months are one later. */
export const FIRST_USAGE_MONTH: Month = { year: 2000, month: 1 };
export const LAST_USAGE_MONTH: Month = { year: 2099, month: 12 };

/**
 * Allowed account ids: 1 to 128 characters from `A-Z a-z 0-9 . _ : @ -`, starting with a letter or digit.
 * Ids on the accounts topic may in principle hold any text; billing (the CLI commands and the HTTP API)
 * answers only for ids of this form, so an id can be put in a URL path and a file name as it is.
 */
export const ACCOUNT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,127}$/;

/** Checks an account id against {@link ACCOUNT_ID_PATTERN}. */
export function checkAccountId(id: string): Checked<string> {
  if (ACCOUNT_ID_PATTERN.test(id)) return { ok: true, value: id };
  return {
    ok: false,
    reason:
      'account id must be 1 to 128 characters from A-Z a-z 0-9 . _ : @ -, starting with a letter or digit',
  };
}

function index(month: Month): number {
  return month.year * 12 + (month.month - 1);
}

function fromIndex(value: number): Month {
  return { year: Math.floor(value / 12), month: (value % 12) + 1 };
}

/** The month `delta` months after `month` (`delta` may be negative). */
export function addMonths(month: Month, delta: number): Month {
  return fromIndex(index(month) + delta);
}

/** `YYYY-MM`. */
export function formatMonth(month: Month): string {
  return `${month.year}-${String(month.month).padStart(2, '0')}`;
}

/** `YYYYMM` as ClickHouse's `toYYYYMM` gives it. */
export function yyyymm(month: Month): number {
  return month.year * 100 + month.month;
}

/** Unix seconds of the first instant (00:00:00 UTC) of `month`. */
export function monthStartSeconds(month: Month): number {
  return Date.UTC(month.year, month.month - 1, 1) / 1000;
}

function parseYearMonth(text: string, first: Month, last: Month, what: string): Checked<Month> {
  const match = /^([0-9]{4})-(0[1-9]|1[0-2])$/.exec(text);
  const bounds = `between ${formatMonth(first)} and ${formatMonth(last)}`;
  if (match === null)
    return { ok: false, reason: `${what} must be YYYY-MM ${bounds}, got ${JSON.stringify(text)}` };
  const month = { year: Number(match[1]), month: Number(match[2]) };
  if (index(month) < index(first) || index(month) > index(last)) {
    return { ok: false, reason: `${what} must be ${bounds}, got ${text}` };
  }
  return { ok: true, value: month };
}

/** Parses a usage month `YYYY-MM` (2000-01..2099-12). */
export function parseUsageMonth(text: string): Checked<Month> {
  return parseYearMonth(text, FIRST_USAGE_MONTH, LAST_USAGE_MONTH, 'month');
}

/**
 * Parses an invoice month `YYYY-MM` (2000-02..2100-01). The invoice of month N bills the usage of month
 * N−1 ({@link usageMonthOfInvoice}).
 */
export function parseInvoiceMonth(text: string): Checked<Month> {
  return parseYearMonth(
    text,
    addMonths(FIRST_USAGE_MONTH, 1),
    addMonths(LAST_USAGE_MONTH, 1),
    'invoice month',
  );
}

/** The usage month an invoice of `invoiceMonth` bills: the month before (February 2026 → January 2026). */
export function usageMonthOfInvoice(invoiceMonth: Month): Month {
  return addMonths(invoiceMonth, -1);
}
