/**
 * The rating core's data model. Field names of {@link RatedCall} and {@link RawCdr} mirror the wire
 * (JSON lines, CSV columns, ClickHouse columns) and so are snake_case; everything internal is camelCase.
 */

/** Direction of a call as seen from the account. */
export type Direction = 'outbound' | 'inbound' | 'internal';

/** How the call ended. Only `answered` calls can have billable time. */
export type Disposition = 'answered' | 'no_answer' | 'busy' | 'failed';

/**
 * Kind of a telephone number as reported by the numbering plan. Rounding rows select on `mobile`,
 * `fixed`, `toll_free` and `premium`; any other type only matches a `*` row.
 */
export type NumberType =
  'mobile' | 'fixed' | 'fixed_or_mobile' | 'toll_free' | 'premium' | 'other' | 'unknown';

/** The call types of the rulebook (docs/rating.md). */
export type CallType =
  'domestic' | 'internal' | 'domestic_metered' | 'international' | 'inbound_toll_free' | 'inbound';

/**
 * A party of a call after normalisation at the edge (see `@cdrate/numbering`):
 * - `e164`: a public number; `e164` is `+` and 1–15 digits, `country` an ISO 3166 alpha-2 code.
 * - `extension`: a short internal number of the account's PBX.
 * - `unparsed`: the raw text could not be read as either (allowed for the calling party only, e.g. a
 *   withheld caller id; a called party that is `unparsed` is rejected with `BAD_NUMBER`).
 */
export type PartyNumber =
  | { readonly kind: 'e164'; readonly e164: string; readonly country: string; readonly type: NumberType }
  | { readonly kind: 'extension'; readonly extension: string }
  | { readonly kind: 'unparsed'; readonly raw: string };

/**
 * A CDR after field decoding. `N` is the representation of the two numbers: `string` as received
 * ({@link DecodedCdr}) or {@link PartyNumber} after normalisation ({@link NormalisedCdr}).
 */
export interface CdrOf<N> {
  readonly cdrId: string;
  readonly accountId: string;
  /** `undefined` when the record had none; {@link rate} then infers it (docs/rating.md). */
  readonly direction: Direction | undefined;
  readonly source: N;
  readonly destination: N;
  /** Call start, epoch milliseconds UTC. */
  readonly startMs: number;
  /** Call end, epoch milliseconds UTC, ≥ `startMs`. */
  readonly endMs: number;
  /** Talk time in seconds, ≥ 0 (may have a fraction; billing rounds it up to whole seconds first). */
  readonly durationSec: number;
  readonly disposition: Disposition;
}

/** A CDR whose fields are decoded and checked, numbers still as received. */
export type DecodedCdr = CdrOf<string>;

/** A CDR ready for {@link rate}: fields decoded, numbers normalised. */
export type NormalisedCdr = CdrOf<PartyNumber>;

/** An account as the rating core needs it; numbers already normalised to E.164 with `+`. */
export interface Account {
  readonly accountId: string;
  /** Billing country, ISO 3166 alpha-2 (`US`, `CA`, `GB`, `BR`, …). */
  readonly country: string;
  /** First day (UTC, epoch days) whose usage is charged. */
  readonly billingStartDay: number;
  /** Plan minutes included per month (used by invoicing, carried for it). */
  readonly includedMinutes: number;
  /** Overage rate per minute as an exact decimal string (invoicing; default `"0.02"`). */
  readonly overageRate: string;
  /** ISO 4217 code stamped on rated calls; the tariff's rates are read in this currency. */
  readonly currency: string;
  /** The account's own numbers (DIDs), E.164 with `+`. */
  readonly numbers: ReadonlySet<string>;
  /** The account's toll-free numbers, E.164 with `+`. Inbound calls to them are `inbound_toll_free`. */
  readonly tollFreeNumbers: ReadonlySet<string>;
}

/**
 * An account as found in an accounts file, fields checked, numbers not yet normalised.
 * See `decodeAccount`.
 */
export interface AccountRecord {
  readonly accountId: string;
  readonly country: string;
  readonly billingStartDay: number;
  readonly includedMinutes: number;
  readonly overageRate: string;
  readonly currency: string;
  readonly numbers: readonly string[];
  readonly tollFreeNumbers: readonly string[];
}

/**
 * One rated call, as written out (JSON lines, CSV) and stored. Money and minutes are exact decimal
 * strings in shortest form (no trailing zeros, `"0"` for zero).
 *
 * Invariant: `billable === false` ⇒ `billable_seconds === 0`, `billable_minutes === "0"`, `cost === "0"`
 * and `reason` says why; `billable === true` ⇒ `reason === null`.
 */
export interface RatedCall {
  readonly cdr_id: string;
  readonly account_id: string;
  readonly call_type: CallType;
  readonly billable: boolean;
  /** Talk time rounded up to the increment, at least the minimum (seconds). */
  readonly billable_seconds: number;
  /** `billable_seconds / 60`, exact (at most 2 decimals, see rate-tables/README.md). */
  readonly billable_minutes: string;
  /** Per-minute rate applied; `"0"` when the call type is not priced per call. */
  readonly rate: string;
  /** `billable_minutes × rate`, exact, unrounded (at most 11 decimals). */
  readonly cost: string;
  readonly currency: string;
  /** E.164 with `+`, an extension, or the raw text when the calling number could not be read. */
  readonly source: string;
  /** E.164 with `+`, or an extension. */
  readonly destination: string;
  /** ISO 3166 alpha-2 of the called number; `null` for extensions. */
  readonly destination_country: string | null;
  /** The rate-table prefix that priced the call (E.164 digits), `null` when none was needed. */
  readonly matched_prefix: string | null;
  /** UTC ISO 8601. */
  readonly start_time: string;
  /** UTC ISO 8601. */
  readonly end_time: string;
  /** Talk time in seconds as received (or end − start). */
  readonly duration_sec: number;
  /** Why the call is not billable; `null` when it is. */
  readonly reason: string | null;
}

/**
 * The closed set of reasons a CDR cannot be rated. Every rejected CDR is kept (rejects file,
 * dead-letter topic) and can be replayed once the cause is fixed.
 *
 * - `MALFORMED_RECORD`: not a JSON object / CSV row of the expected shape.
 * - `MISSING_FIELD`: a required field is absent or empty.
 * - `BAD_FIELD`: a field has a value outside its domain (unknown direction or disposition, a duration
 *   that is not a number).
 * - `BAD_TIME`: a time is not ISO 8601 with an offset.
 * - `END_BEFORE_START`: `end_time` is before `start_time`.
 * - `NEGATIVE_DURATION`: `duration_sec` is negative.
 * - `BAD_NUMBER`: the called number is neither a phone number nor an extension.
 * - `UNKNOWN_ACCOUNT`: no account with this `account_id` (replay after loading the account).
 * - `NO_RATE`: no rate or rounding rule applies (replay after fixing the tariff).
 */
export type RejectCode =
  | 'MALFORMED_RECORD'
  | 'MISSING_FIELD'
  | 'BAD_FIELD'
  | 'BAD_TIME'
  | 'END_BEFORE_START'
  | 'NEGATIVE_DURATION'
  | 'BAD_NUMBER'
  | 'UNKNOWN_ACCOUNT'
  | 'NO_RATE';

/** All reject codes, in documentation order. */
export const REJECT_CODES: readonly RejectCode[] = [
  'MALFORMED_RECORD',
  'MISSING_FIELD',
  'BAD_FIELD',
  'BAD_TIME',
  'END_BEFORE_START',
  'NEGATIVE_DURATION',
  'BAD_NUMBER',
  'UNKNOWN_ACCOUNT',
  'NO_RATE',
];

/** An expected outcome: the CDR cannot be rated, and why. */
export interface Rejection {
  readonly kind: 'rejected';
  readonly code: RejectCode;
  /** A sentence for humans naming the field or value at fault. */
  readonly message: string;
}

/** A successfully rated CDR. */
export interface Rated {
  readonly kind: 'rated';
  readonly call: RatedCall;
}

/** What {@link rate} returns. */
export type RateResult = Rated | Rejection;

/** Builds a {@link Rejection}. */
export function reject(code: RejectCode, message: string): Rejection {
  return { kind: 'rejected', code, message };
}
