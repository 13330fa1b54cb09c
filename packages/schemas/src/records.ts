/**
 * TypeScript shapes of the records in `./avro/schemas.ts`. Field names mirror the wire (Avro fields,
 * JSON keys, ClickHouse columns) and so are snake_case. Times are UTC; money and minutes are exact
 * decimal strings.
 */

/** Direction of a call as seen from the account. */
export type Direction = 'outbound' | 'inbound' | 'internal';

/** How the call ended. */
export type Disposition = 'answered' | 'no_answer' | 'busy' | 'failed';

/** Kind of a normalised party number (see the `NumberType` enum of NormalizedCdr). */
export type NumberType =
  | 'mobile'
  | 'fixed'
  | 'fixed_or_mobile'
  | 'toll_free'
  | 'premium'
  | 'other'
  | 'unknown'
  | 'extension'
  | 'unparsed';

/** Call types of the billing rulebook. */
export type CallType =
  'domestic' | 'internal' | 'domestic_metered' | 'international' | 'inbound_toll_free' | 'inbound';

/** Pipeline stage that rejected a record. */
export type Stage = 'ingest' | 'rating' | 'aggregation';

/** How a DLQ record's `payload` holds the original bytes. */
export type PayloadEncoding = 'utf8' | 'base64';

/** A raw CDR decoded from Avro (topic `cdr.raw`). Nothing validated beyond the Avro types. */
export interface RawCdr {
  readonly cdr_id: string;
  readonly account_id: string;
  /** `null`: the switch did not say; inferred later. */
  readonly direction: Direction | null;
  /** Calling number as dialled. */
  readonly source: string;
  /** Called number as dialled. */
  readonly destination: string;
  /** ISO 8601 with any offset, unchecked. */
  readonly start_time: string;
  /** ISO 8601 with any offset, unchecked. */
  readonly end_time: string;
  /** Talk time in seconds, may have a fraction (e.g. `62.5`); `null` means end − start. */
  readonly duration_sec: number | null;
  readonly disposition: Disposition;
}

/** A value of a raw CDR field as a switch may send it in JSON: text or a number; `null` when absent. */
export type RawFieldValue = string | number | null;

/**
 * A raw CDR from either wire form, fields only type-checked loosely: each is a string, a number (ids and
 * numbers only as safe integers) or `null` when absent. Every {@link RawCdr} is a `RawCdrInput`, so ingest
 * validates one shape whatever the content type.
 */
export interface RawCdrInput {
  readonly cdr_id: RawFieldValue;
  readonly account_id: RawFieldValue;
  readonly direction: RawFieldValue;
  readonly source: RawFieldValue;
  readonly destination: RawFieldValue;
  readonly start_time: RawFieldValue;
  readonly end_time: RawFieldValue;
  readonly duration_sec: RawFieldValue;
  readonly disposition: RawFieldValue;
}

/** Ingest output (topic `cdr.normalized`). */
export interface NormalizedCdr {
  readonly cdr_id: string;
  readonly account_id: string;
  /** As sent by the switch; `null` when it did not say (rating infers it). */
  readonly direction: Direction | null;
  /** E.164 with `+`, an extension, or the raw text when `source_type` is `unparsed`. */
  readonly source: string;
  readonly source_type: NumberType;
  /** E.164 with `+`, or an extension. */
  readonly destination: string;
  readonly destination_type: NumberType;
  /** ISO 3166-1 alpha-2; `null` for extensions. */
  readonly destination_country: string | null;
  /** UTC epoch milliseconds. */
  readonly start_time: number;
  /** UTC epoch milliseconds, ≥ `start_time`. */
  readonly end_time: number;
  /** Talk time in whole milliseconds ≥ 0, exact (a safe integer). */
  readonly duration_ms: number;
  readonly disposition: Disposition;
  /** When ingest read the raw record, UTC epoch milliseconds. */
  readonly received_at: number;
  /** Calling number exactly as received. */
  readonly raw_source: string;
  /** Called number exactly as received. */
  readonly raw_destination: string;
}

/**
 * One rated call (topic `cdr.rated`, ClickHouse `rated_calls`). Decimal strings: digits with an optional
 * fraction, no sign or exponent; `billable_minutes` at most 12 integer and 6 fraction digits, `rate` at
 * most 9 and 9, `cost` at most 7 and 11 (the ClickHouse column types).
 */
export interface RatedCall {
  readonly cdr_id: string;
  readonly account_id: string;
  readonly call_type: CallType;
  readonly billable: boolean;
  /** Whole seconds; 0 when not billable. */
  readonly billable_seconds: number;
  /** `billable_seconds / 60`, exact decimal string. */
  readonly billable_minutes: string;
  /** Rate per minute, exact decimal string; `"0"` when not priced per call. */
  readonly rate: string;
  /** `billable_minutes × rate`, exact and unrounded, decimal string (up to 11 fraction digits). */
  readonly cost: string;
  /** ISO 4217. */
  readonly currency: string;
  readonly source: string;
  readonly destination: string;
  /** ISO 3166-1 alpha-2; `null` for extensions. */
  readonly destination_country: string | null;
  /** Rate-table prefix that priced the call; `null` when none was needed. */
  readonly matched_prefix: string | null;
  /** UTC epoch milliseconds. */
  readonly start_time: number;
  /** UTC epoch milliseconds. */
  readonly end_time: number;
  /** Talk time in whole milliseconds ≥ 0, exact (a safe integer). ClickHouse: `duration_sec` Decimal(12, 3). */
  readonly duration_ms: number;
  /** Why the call is not billable; `null` when it is. */
  readonly reason: string | null;
  /** UTC epoch milliseconds. */
  readonly rated_at: number;
  /** Highest wins among rows of the same (account_id, cdr_id); set it to `rated_at`. */
  readonly rating_version: number;
}

/** Where a dead-lettered message was read. */
export interface DlqOrigin {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset in decimal digits (int64, as Kafka clients give it). */
  readonly offset: string;
}

/** A dead-letter record (topic `cdr.dlq`, JSON). */
export interface DlqRecord {
  /** `null` when it could not be read from the payload. */
  readonly cdr_id: string | null;
  readonly error_code: string;
  readonly error_message: string;
  readonly stage: Stage;
  /** The original message value: the text itself (`utf8`) or its base64 (`base64`). */
  readonly payload: string;
  readonly payload_encoding: PayloadEncoding;
  readonly origin: DlqOrigin;
  /** ISO 8601 UTC with `Z`, e.g. `2026-11-26T08:58:11.123Z`. */
  readonly failed_at: string;
}

/** Account master data (compacted topic `accounts`, key = `account_id`). */
export interface Account {
  readonly account_id: string;
  /** ISO 3166-1 alpha-2. */
  readonly country: string;
  /** `YYYY-MM-DD`, UTC. */
  readonly billing_start_date: string;
  readonly included_minutes: number;
  /** Decimal string, default `"0.02"`. */
  readonly overage_rate: string;
  /** E.164 with `+`. */
  readonly toll_free_numbers: readonly string[];
  /** E.164 with `+`. */
  readonly numbers: readonly string[];
  /** ISO 4217, default `"USD"`. */
  readonly currency: string;
}
