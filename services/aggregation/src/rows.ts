/**
 * JSONEachRow lines for `rated_calls` and `rejected_cdrs` (schemas/clickhouse/0001, 0002). Every column is
 * sent (an omitted field would get the type's zero, not the DEFAULT), in DDL order, following the rules of
 * `@cdrate/clickhouse`: decimals unquoted with at most the column's scale (checked by `jsonDecimal`), 64-bit
 * integers from text quoted, DateTime as unix seconds, strings through `JSON.stringify`, nulls as `''`,
 * booleans as 0/1.
 *
 * The service lands dead letters with {@link rejectedCdrRow}. Rated calls, the hot path, it lands as
 * TabSeparated bytes (`rated-tsv.ts`, the same values); {@link ratedCallRow} is their JSONEachRow form, for
 * tools and tests that insert rated calls as JSON.
 */
import { jsonDecimal } from '@cdrate/clickhouse';
import { CALL_TYPE_SYMBOLS } from '@cdrate/schemas';
import type { DlqRecord, RatedCall } from '@cdrate/schemas';

/** Largest `DateTime` value (UInt32 unix seconds). */
const MAX_DATETIME_SECONDS = 0xffffffff;
/** `duration_sec Decimal(12, 3)`: at most 9 integer digits. */
const MAX_DURATION_MS = 999_999_999_999;
const CALL_TYPES: ReadonlySet<string> = new Set(CALL_TYPE_SYMBOLS);
const STAGES: ReadonlySet<string> = new Set(['ingest', 'rating', 'aggregation']);
const ENCODINGS: ReadonlySet<string> = new Set(['utf8', 'base64']);
const OFFSET = /^\d{1,20}$/;

/**
 * `text` as an unquoted JSON number for a `Decimal(P, scale)` column with at most `integerDigits` digits
 * before the point. @throws TypeError naming `field` when it does not fit.
 */
function decimal(field: string, text: string, integerDigits: number, scale: number): string {
  const checked = jsonDecimal(text).text; // plain decimal, no sign games, no exponent
  const point = checked.indexOf('.');
  const integerLength = point < 0 ? checked.length : point;
  const fractionLength = point < 0 ? 0 : checked.length - point - 1;
  if (checked.startsWith('-') || integerLength > integerDigits || fractionLength > scale) {
    throw new TypeError(
      `${field} ${JSON.stringify(text)} does not fit Decimal(${integerDigits + scale}, ${scale})`,
    );
  }
  return checked;
}

/** Whole unix seconds of epoch milliseconds, for a `DateTime('UTC')` column. @throws TypeError out of range. */
function seconds(field: string, epochMs: number): number {
  if (!Number.isSafeInteger(epochMs) || epochMs < 0 || epochMs / 1000 > MAX_DATETIME_SECONDS) {
    throw new TypeError(`${field} ${epochMs} is not epoch milliseconds within DateTime`);
  }
  return Math.floor(epochMs / 1000);
}

/**
 * `durationMs / 1000` as exact decimal text for `duration_sec Decimal(12, 3)`, trailing fraction zeros
 * dropped: 62500 → `62.5`, 62000 → `62`, 1 → `0.001`. Integer arithmetic only.
 * @throws TypeError when `durationMs` is not whole milliseconds from 0 to 999 999 999 999.
 */
export function durationSecText(durationMs: number): string {
  if (!Number.isSafeInteger(durationMs) || durationMs < 0 || durationMs > MAX_DURATION_MS) {
    throw new TypeError(`duration_ms ${durationMs} is not whole milliseconds that fit Decimal(12, 3)`);
  }
  const whole = Math.floor(durationMs / 1000);
  const millis = durationMs % 1000;
  if (millis === 0) return String(whole);
  let fraction = String(millis).padStart(3, '0');
  while (fraction.endsWith('0')) fraction = fraction.slice(0, -1);
  return `${whole}.${fraction}`;
}

/**
 * One `rated_calls` JSONEachRow line (no newline) for a decoded rated call.
 * @throws TypeError when a value cannot be stored exactly (a decimal over its column's scale, a time outside
 * DateTime, an unknown call type, a rating_version that is not a safe integer ≥ 0); the caller dead-letters it.
 */
export function ratedCallRow(call: RatedCall): string {
  if (!CALL_TYPES.has(call.call_type))
    throw new TypeError(`call_type ${JSON.stringify(call.call_type)} is unknown`);
  if (
    !Number.isSafeInteger(call.billable_seconds) ||
    call.billable_seconds < 0 ||
    call.billable_seconds > 0xffffffff
  ) {
    throw new TypeError(`billable_seconds ${call.billable_seconds} is not UInt32`);
  }
  if (!Number.isSafeInteger(call.rating_version) || call.rating_version < 0) {
    throw new TypeError(`rating_version ${call.rating_version} is not a safe integer ≥ 0`);
  }
  const startSeconds = seconds('start_time', call.start_time);
  const endSeconds = seconds('end_time', call.end_time);
  return (
    '{"cdr_id":' +
    JSON.stringify(call.cdr_id) +
    ',"account_id":' +
    JSON.stringify(call.account_id) +
    ',"call_type":"' +
    call.call_type +
    '","billable":' +
    (call.billable ? '1' : '0') +
    ',"billable_seconds":' +
    String(call.billable_seconds) +
    ',"billable_minutes":' +
    decimal('billable_minutes', call.billable_minutes, 12, 6) +
    ',"rate":' +
    decimal('rate', call.rate, 9, 9) +
    ',"cost":' +
    decimal('cost', call.cost, 7, 11) +
    ',"currency":' +
    JSON.stringify(call.currency) +
    ',"source":' +
    JSON.stringify(call.source) +
    ',"destination":' +
    JSON.stringify(call.destination) +
    ',"destination_country":' +
    JSON.stringify(call.destination_country ?? '') +
    ',"matched_prefix":' +
    JSON.stringify(call.matched_prefix ?? '') +
    ',"start_time":' +
    String(startSeconds) +
    ',"end_time":' +
    String(endSeconds) +
    ',"start_time_ms":' +
    String(call.start_time % 1000) +
    ',"end_time_ms":' +
    String(call.end_time % 1000) +
    ',"duration_sec":' +
    durationSecText(call.duration_ms) +
    ',"reason":' +
    JSON.stringify(call.reason ?? '') +
    ',"rated_at":' +
    String(seconds('rated_at', call.rated_at)) +
    ',"rating_version":' +
    String(call.rating_version) +
    '}'
  );
}

/**
 * One `rejected_cdrs` JSONEachRow line (no newline) for a decoded DLQ record: a null `cdr_id` as `''`, the
 * origin offset as quoted digits (UInt64), `failed_at` as unix seconds.
 * @throws TypeError when a value cannot be stored (a bad stage, offset or time).
 */
export function rejectedCdrRow(record: DlqRecord): string {
  if (!STAGES.has(record.stage)) throw new TypeError(`stage ${JSON.stringify(record.stage)} is unknown`);
  if (!ENCODINGS.has(record.payload_encoding)) {
    throw new TypeError(`payload_encoding ${JSON.stringify(record.payload_encoding)} is unknown`);
  }
  const { partition, offset } = record.origin;
  if (!Number.isSafeInteger(partition) || partition < 0 || partition > 0xffffffff) {
    throw new TypeError(`origin.partition ${partition} is not UInt32`);
  }
  if (!OFFSET.test(offset) || BigInt(offset) > 0xffffffffffffffffn) {
    throw new TypeError(`origin.offset ${JSON.stringify(offset)} is not UInt64`);
  }
  const failedAt = seconds('failed_at', Date.parse(record.failed_at));
  return (
    '{"cdr_id":' +
    JSON.stringify(record.cdr_id ?? '') +
    ',"error_code":' +
    JSON.stringify(record.error_code) +
    ',"error_message":' +
    JSON.stringify(record.error_message) +
    ',"stage":"' +
    record.stage +
    '","payload":' +
    JSON.stringify(record.payload) +
    ',"payload_encoding":"' +
    record.payload_encoding +
    '","origin_topic":' +
    JSON.stringify(record.origin.topic) +
    ',"origin_partition":' +
    String(partition) +
    ',"origin_offset":"' +
    offset +
    '","failed_at":' +
    String(failedAt) +
    '}'
  );
}
