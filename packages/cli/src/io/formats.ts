/** Wire formats of rated calls and rejects (JSON lines and CSV). */
import { csvField, type RatedCall } from '@cdrate/rating-core';

/** Output formats of `cdr rate`. */
export type OutputFormat = 'jsonl' | 'csv';

/** Columns of a rated call, in output order. */
export const RATED_COLUMNS = [
  'cdr_id',
  'account_id',
  'call_type',
  'billable',
  'billable_seconds',
  'billable_minutes',
  'rate',
  'cost',
  'currency',
  'source',
  'destination',
  'destination_country',
  'matched_prefix',
  'start_time',
  'end_time',
  'duration_sec',
  'reason',
] as const satisfies readonly (keyof RatedCall)[];

/** CSV header line (with `\n`). */
export const RATED_CSV_HEADER = RATED_COLUMNS.join(',') + '\n';

/** Whether `value` is its own JSON string literal without the quotes (nothing to escape). */
function plain(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 32 || c === 34 || c === 92 || (c >= 0xd800 && c <= 0xdfff)) return false;
  }
  return true;
}

/** A JSON string literal; the common case (no quote, backslash or control character) is not escaped. */
function jsonString(value: string): string {
  return plain(value) ? '"' + value + '"' : JSON.stringify(value);
}

/**
 * One rated call as a JSON line (with `\n`): the same text as `JSON.stringify(call)` with the fields
 * in {@link RATED_COLUMNS} order, written by hand (about twice as fast). When no text needs escaping (the
 * usual case), the quotes go into the constant parts: fewer pieces to join.
 */
export function ratedJsonLine(call: RatedCall): string {
  if (
    !plain(call.cdr_id) ||
    !plain(call.account_id) ||
    !plain(call.currency) ||
    !plain(call.source) ||
    !plain(call.destination) ||
    (call.destination_country !== null && !plain(call.destination_country)) ||
    (call.reason !== null && !plain(call.reason))
  ) {
    return escapedJsonLine(call);
  }
  return (
    '{"cdr_id":"' +
    call.cdr_id +
    '","account_id":"' +
    call.account_id +
    '","call_type":"' +
    call.call_type +
    (call.billable ? '","billable":true,"billable_seconds":' : '","billable":false,"billable_seconds":') +
    String(call.billable_seconds) +
    ',"billable_minutes":"' +
    call.billable_minutes +
    '","rate":"' +
    call.rate +
    '","cost":"' +
    call.cost +
    '","currency":"' +
    call.currency +
    '","source":"' +
    call.source +
    '","destination":"' +
    call.destination +
    (call.destination_country === null
      ? '","destination_country":null'
      : '","destination_country":"' + call.destination_country + '"') +
    (call.matched_prefix === null
      ? ',"matched_prefix":null,"start_time":"'
      : ',"matched_prefix":"' + call.matched_prefix + '","start_time":"') +
    call.start_time +
    '","end_time":"' +
    call.end_time +
    '","duration_sec":' +
    JSON.stringify(call.duration_sec) +
    (call.reason === null ? ',"reason":null}\n' : ',"reason":"' + call.reason + '"}\n')
  );
}

/** {@link ratedJsonLine} with any text escaped as JSON requires. */
function escapedJsonLine(call: RatedCall): string {
  return (
    '{"cdr_id":' +
    jsonString(call.cdr_id) +
    ',"account_id":' +
    jsonString(call.account_id) +
    ',"call_type":"' +
    call.call_type +
    '","billable":' +
    (call.billable ? 'true' : 'false') +
    ',"billable_seconds":' +
    String(call.billable_seconds) +
    ',"billable_minutes":"' +
    call.billable_minutes +
    '","rate":"' +
    call.rate +
    '","cost":"' +
    call.cost +
    '","currency":' +
    jsonString(call.currency) +
    ',"source":' +
    jsonString(call.source) +
    ',"destination":' +
    jsonString(call.destination) +
    ',"destination_country":' +
    (call.destination_country === null ? 'null' : jsonString(call.destination_country)) +
    ',"matched_prefix":' +
    (call.matched_prefix === null ? 'null' : '"' + call.matched_prefix + '"') +
    ',"start_time":"' +
    call.start_time +
    '","end_time":"' +
    call.end_time +
    '","duration_sec":' +
    JSON.stringify(call.duration_sec) +
    ',"reason":' +
    (call.reason === null ? 'null' : jsonString(call.reason)) +
    '}\n'
  );
}

/** One rated call as a CSV line (with `\n`); `null` is an empty field. */
export function ratedCsvLine(call: RatedCall): string {
  return (
    csvField(call.cdr_id) +
    ',' +
    csvField(call.account_id) +
    ',' +
    call.call_type +
    ',' +
    String(call.billable) +
    ',' +
    String(call.billable_seconds) +
    ',' +
    call.billable_minutes +
    ',' +
    call.rate +
    ',' +
    call.cost +
    ',' +
    call.currency +
    ',' +
    csvField(call.source) +
    ',' +
    csvField(call.destination) +
    ',' +
    (call.destination_country ?? '') +
    ',' +
    (call.matched_prefix ?? '') +
    ',' +
    call.start_time +
    ',' +
    call.end_time +
    ',' +
    String(call.duration_sec) +
    ',' +
    (call.reason === null ? '' : csvField(call.reason)) +
    '\n'
  );
}

/** One line of the rejects file (JSON lines). */
export interface RejectLine {
  /** The record's `cdr_id` when it could be read. */
  readonly cdr_id?: string;
  readonly error_code: string;
  readonly error_message: string;
  /** 1-based line of the input file. */
  readonly line: number;
  /** The input as received: the JSON value, the CSV row keyed by header, or the raw line text. */
  readonly record: unknown;
}
