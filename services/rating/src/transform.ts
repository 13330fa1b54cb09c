/**
 * The rating transformation of one consumed batch: Avro `NormalizedCdr` → the core's `NormalisedCdr` →
 * `rate()` → Avro `RatedCall`, or a DLQ record. Pure given its inputs (accounts, tariff, clock value). The
 * hot path is decode, two map/trie lookups, integer pricing and encode: no number parsing and no decimal
 * library per CDR (numbers arrive normalised, with their types).
 */
import type { ConsumedMessage, OutgoingMessage } from '@cdrate/kafka';
import type { AccountLookup, RelayOutput } from '@cdrate/service-runtime';
import {
  rate,
  reject,
  type CallType,
  type NormalisedCdr,
  type PartyNumber,
  type RatedCall as CoreRatedCall,
  type Rejection,
  type Tariff,
} from '@cdrate/rating-core';
import {
  deadLetterMessage,
  decodeNormalizedCdrs,
  rejectOfDecodeFailure,
  type NormalizedCdr,
  type NumberType,
  type RatedCall,
} from '@cdrate/schemas';

/**
 * Country given to a calling party in E.164: `NormalizedCdr` does not carry it, and `rate()` never reads
 * the caller's country (only its kind and E.164, for direction inference and the output). `ZZ` is the
 * "unknown region" code of CLDR and libphonenumber.
 */
export const UNKNOWN_CALLER_COUNTRY = 'ZZ';

/** The party of a wire number: `extension` and `unparsed` by type, any other type is E.164. */
function party(text: string, type: NumberType, country: string | null): PartyNumber | undefined {
  if (type === 'extension') return { kind: 'extension', extension: text };
  if (type === 'unparsed') return { kind: 'unparsed', raw: text };
  if (country === null) return undefined;
  return { kind: 'e164', e164: text, country, type: type };
}

/**
 * Rebuilds the core's `NormalisedCdr` from the wire without re-parsing numbers. `BAD_FIELD` when the record
 * contradicts itself (an E.164 called number without a country).
 */
export function toCoreCdr(cdr: NormalizedCdr): NormalisedCdr | Rejection {
  const destination = party(cdr.destination, cdr.destination_type, cdr.destination_country);
  if (destination === undefined) {
    return reject('BAD_FIELD', `destination ${JSON.stringify(cdr.destination)} has no destination_country`);
  }
  const source = party(cdr.source, cdr.source_type, UNKNOWN_CALLER_COUNTRY);
  return {
    cdrId: cdr.cdr_id,
    accountId: cdr.account_id,
    direction: cdr.direction ?? undefined,
    source: source ?? { kind: 'unparsed', raw: cdr.source },
    destination,
    startMs: cdr.start_time,
    endMs: cdr.end_time,
    durationSec: cdr.duration_ms / 1000,
    disposition: cdr.disposition,
  };
}

/**
 * The wire `RatedCall` of a core rated call. Every core field is copied as is; times come from the
 * `NormalizedCdr`'s epoch milliseconds (the core's ISO texts are those same instants), `duration_ms` from
 * the `NormalizedCdr` (the core's `duration_sec` is it / 1000), and `rated_at` = `rating_version` = `ratedAt`.
 */
export function toWireRatedCall(call: CoreRatedCall, cdr: NormalizedCdr, ratedAt: number): RatedCall {
  return {
    cdr_id: call.cdr_id,
    account_id: call.account_id,
    call_type: call.call_type,
    billable: call.billable,
    billable_seconds: call.billable_seconds,
    billable_minutes: call.billable_minutes,
    rate: call.rate,
    cost: call.cost,
    currency: call.currency,
    source: call.source,
    destination: call.destination,
    destination_country: call.destination_country,
    matched_prefix: call.matched_prefix,
    start_time: cdr.start_time,
    end_time: cdr.end_time,
    duration_ms: cdr.duration_ms,
    reason: call.reason,
    rated_at: ratedAt,
    rating_version: ratedAt,
  };
}

/** The outcome of one message, before encoding. */
export type RateOutcome =
  | { readonly kind: 'rated'; readonly call: RatedCall }
  | {
      readonly kind: 'rejected';
      readonly cdrId: string | null;
      readonly code: string;
      readonly message: string;
    };

/**
 * One decoded normalised CDR: rebuild the core CDR, find the account (`UNKNOWN_ACCOUNT`), `rate()`
 * (`NO_RATE`, `BAD_NUMBER`), the wire rated call (encoded by the caller). Never throws.
 */
export function rateNormalizedCdr(
  wire: NormalizedCdr,
  accounts: AccountLookup,
  tariff: Tariff,
  ratedAt: number,
): RateOutcome {
  const cdr = toCoreCdr(wire);
  if ('kind' in cdr) return { kind: 'rejected', cdrId: wire.cdr_id, code: cdr.code, message: cdr.message };
  const result = rate(cdr, accounts.get(cdr.accountId), tariff);
  if (result.kind === 'rejected') {
    return { kind: 'rejected', cdrId: wire.cdr_id, code: result.code, message: result.message };
  }
  return { kind: 'rated', call: toWireRatedCall(result.call, wire, ratedAt) };
}

export interface RatingContext {
  readonly accounts: AccountLookup;
  readonly tariff: Tariff;
  /** `rated_at`, `rating_version` and `failed_at` of the batch, UTC epoch ms (read by the caller). */
  readonly nowMs: number;
  readonly topic: string;
  readonly partition: number;
  /** Takes the `RatedCall`s keyed by `account_id`, in input order. */
  readonly output: RelayOutput<RatedCall>;
}

/** A reject of one message, for metrics and logs. */
export interface RatingReject {
  readonly offset: string;
  readonly cdrId: string | null;
  readonly code: string;
  readonly message: string;
}

/** What one batch becomes besides the rated calls given to the context's `output`. */
export interface RatingBatchResult {
  /** JSON `DlqRecord` messages (stage `rating`) keyed by `cdr_id` when known, in input order. */
  readonly deadLetters: OutgoingMessage[];
  readonly rejects: RatingReject[];
  /** Rated calls per call type, for `cdrate_rated_total`. */
  readonly callTypes: ReadonlyMap<CallType, number>;
}

/**
 * Rates one consumed batch. Each message is a single `NormalizedCdr` frame or a batch frame of them
 * (`decodeNormalizedCdrs`); each record becomes a rated call (given to `context.output`) or a DLQ record whose payload is that record
 * alone as a single frame (replayable to `cdr.normalized`). A message that cannot be read at all is one DLQ
 * record with its bytes as they are.
 */
export function rateBatch(messages: readonly ConsumedMessage[], context: RatingContext): RatingBatchResult {
  const deadLetters: OutgoingMessage[] = [];
  const rejects: RatingReject[] = [];
  const callTypes = new Map<CallType, number>();
  const refuse = (
    message: ConsumedMessage,
    payload: Uint8Array,
    outcome: { readonly cdrId: string | null; readonly code: string; readonly message: string },
  ): void => {
    rejects.push({
      offset: message.offset,
      cdrId: outcome.cdrId,
      code: outcome.code,
      message: outcome.message,
    });
    deadLetters.push(
      deadLetterMessage({
        cdrId: outcome.cdrId,
        errorCode: outcome.code,
        errorMessage: outcome.message,
        stage: 'rating',
        payload,
        origin: { topic: context.topic, partition: context.partition, offset: message.offset },
        failedAtMs: context.nowMs,
      }),
    );
  };
  for (const message of messages) {
    const value = message.value ?? Buffer.alloc(0);
    const decoded = decodeNormalizedCdrs(value);
    if (!decoded.ok) {
      refuse(message, value, { cdrId: null, ...rejectOfDecodeFailure(decoded) });
      continue;
    }
    const { items } = decoded.value;
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      let outcome: RateOutcome = item.ok
        ? rateNormalizedCdr(item.value, context.accounts, context.tariff, context.nowMs)
        : { kind: 'rejected', cdrId: null, ...rejectOfDecodeFailure(item) };
      if (outcome.kind === 'rated') {
        const call = outcome.call;
        try {
          context.output.add(call.account_id, call);
          callTypes.set(call.call_type, (callTypes.get(call.call_type) ?? 0) + 1);
          continue;
        } catch (error) {
          // A value beyond the wire's column sizes (e.g. a cost of more than 7 integer digits): kept, not lost.
          outcome = {
            kind: 'rejected',
            cdrId: call.cdr_id,
            code: 'BAD_FIELD',
            message: `the rated call does not fit the wire: ${error instanceof Error ? error.message : String(error)}`,
          };
        }
      }
      refuse(message, decoded.value.frameOf(i), outcome);
    }
  }
  return { deadLetters, rejects, callTypes };
}
