/**
 * The ingest transformation of one consumed batch: raw bytes → `NormalizedCdr` messages and DLQ messages.
 * Pure given its inputs (accounts, normaliser, the duplicate window, the clock value): no I/O, and the
 * window is only read; the caller remembers the accepted ids once the output is acknowledged, so a batch
 * that is redelivered after a failed send is not mistaken for duplicates of itself.
 */
import type { ConsumedMessage, OutgoingMessage } from '@cdrate/kafka';
import { normaliseCdr, type Normaliser } from '@cdrate/numbering';
import {
  CodeUnitDedupWindow,
  decodeCdr,
  durationMs,
  type NormalisedCdr,
  type PartyNumber,
} from '@cdrate/rating-core';
import type { AccountLookup, RelayOutput } from '@cdrate/service-runtime';
import { BatchKeys, type SeenKeys } from './dedup.js';
import {
  deadLetterMessage,
  CONTENT_TYPE_AVRO,
  CONTENT_TYPE_HEADER,
  CONTENT_TYPE_JSON,
  decodeRawCdrMessage,
  rejectOfDecodeFailure,
  type NormalizedCdr,
  type NumberType,
  type RawCdrInput,
} from '@cdrate/schemas';

export interface IngestContext {
  readonly accounts: AccountLookup;
  readonly normaliser: Normaliser;
  /** The duplicate window, read only. */
  readonly seen: SeenKeys;
  /** `received_at` of the batch's records and `failed_at` of its rejects, UTC epoch ms. */
  readonly nowMs: number;
  /** Where the batch was read, for DLQ `origin`. */
  readonly topic: string;
  readonly partition: number;
  /** Takes the accepted `NormalizedCdr`s keyed by `account_id`, in input order. */
  readonly output: RelayOutput<NormalizedCdr>;
}

/** A reject of one message, for metrics and logs. */
export interface IngestReject {
  readonly offset: string;
  readonly cdrId: string | null;
  readonly code: string;
  readonly message: string;
}

/** What one batch becomes besides the records given to the context's `output`. */
export interface IngestBatchResult {
  /** JSON `DlqRecord` messages keyed by `cdr_id` when known, in input order. */
  readonly deadLetters: OutgoingMessage[];
  readonly rejects: IngestReject[];
  /** Messages dropped as repeats of a `cdr_id` already seen (in the window or earlier in this batch). */
  readonly duplicates: number;
  /** Keys (`account_id`, `cdr_id`) of the records given to `output`, to remember once they are acknowledged. */
  readonly accepted: BatchKeys;
}

function partyText(party: PartyNumber): string {
  return party.kind === 'e164' ? party.e164 : party.kind === 'extension' ? party.extension : party.raw;
}

function partyType(party: PartyNumber): NumberType {
  return party.kind === 'e164' ? party.type : party.kind === 'extension' ? 'extension' : 'unparsed';
}

/** The wire form of a normalised CDR (`raw_*` are the numbers exactly as received). */
export function toNormalizedCdr(
  cdr: NormalisedCdr,
  durationMillis: number,
  raw: { readonly source: string; readonly destination: string },
  receivedAt: number,
): NormalizedCdr {
  return {
    cdr_id: cdr.cdrId,
    account_id: cdr.accountId,
    direction: cdr.direction ?? null,
    source: partyText(cdr.source),
    source_type: partyType(cdr.source),
    destination: partyText(cdr.destination),
    destination_type: partyType(cdr.destination),
    destination_country: cdr.destination.kind === 'e164' ? cdr.destination.country : null,
    start_time: cdr.startMs,
    end_time: cdr.endMs,
    duration_ms: durationMillis,
    disposition: cdr.disposition,
    received_at: receivedAt,
    raw_source: raw.source,
    raw_destination: raw.destination,
  };
}

/** The outcome of one raw message, before duplicate detection and encoding. */
export type MessageOutcome =
  | { readonly kind: 'normalized'; readonly cdr: NormalizedCdr }
  | {
      readonly kind: 'rejected';
      readonly cdrId: string | null;
      readonly code: string;
      readonly message: string;
    };

function rawCdrId(input: RawCdrInput): string | null {
  const id = input.cdr_id;
  return typeof id === 'string' && id !== '' ? id : typeof id === 'number' ? String(id) : null;
}

/**
 * One raw message: decode by `content-type` (JSON or framed Avro), validate the fields (core `decodeCdr`),
 * find the account (`UNKNOWN_ACCOUNT`), normalise both numbers in the account's country (`BAD_NUMBER`),
 * build the `NormalizedCdr` (encoded by the caller). Never throws: every failure is a reject with a code.
 */
export function ingestMessage(
  value: Buffer | null,
  contentType: string | undefined,
  accounts: AccountLookup,
  normaliser: Normaliser,
  receivedAt: number,
): MessageOutcome {
  const raw = decodeRawCdrMessage(value ?? Buffer.alloc(0), contentType);
  if (!raw.ok) return { kind: 'rejected', cdrId: null, ...rejectOfDecodeFailure(raw) };
  const cdrId = rawCdrId(raw.value);
  const decoded = decodeCdr(raw.value);
  if (decoded.kind === 'rejected')
    return { kind: 'rejected', cdrId, code: decoded.code, message: decoded.message };
  const cdr = decoded.cdr;
  const account = accounts.get(cdr.accountId);
  if (account === undefined) {
    return {
      kind: 'rejected',
      cdrId: cdr.cdrId,
      code: 'UNKNOWN_ACCOUNT',
      message: `no account ${JSON.stringify(cdr.accountId)}`,
    };
  }
  const normalised = normaliseCdr(cdr, account, normaliser);
  if ('kind' in normalised) {
    return { kind: 'rejected', cdrId: cdr.cdrId, code: normalised.code, message: normalised.message };
  }
  const millis = durationMs(cdr.durationSec);
  if (millis === undefined) {
    return {
      kind: 'rejected',
      cdrId: cdr.cdrId,
      code: 'BAD_FIELD',
      message: `duration_sec ${String(cdr.durationSec)} is too large`,
    };
  }
  return {
    kind: 'normalized',
    cdr: toNormalizedCdr(
      normalised,
      millis,
      { source: cdr.source, destination: cdr.destination },
      receivedAt,
    ),
  };
}

const JSON_TYPE_BYTES = Buffer.from(CONTENT_TYPE_JSON);
const AVRO_TYPE_BYTES = Buffer.from(CONTENT_TYPE_AVRO);

function sameBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The `content-type` header as text; the two values switches send are recognised without decoding. */
function contentTypeOf(message: ConsumedMessage): string | undefined {
  const header = message.headers[CONTENT_TYPE_HEADER];
  if (header === undefined) return undefined;
  if (sameBytes(header, JSON_TYPE_BYTES)) return CONTENT_TYPE_JSON;
  if (sameBytes(header, AVRO_TYPE_BYTES)) return CONTENT_TYPE_AVRO;
  return header.toString('utf8');
}

/**
 * One consumed batch: every message becomes a normalised CDR given to `context.output`, a dropped
 * duplicate or a DLQ record (stage `ingest`, original bytes, origin topic/partition/offset). Repeats of an
 * (`account_id`, `cdr_id`) already in `seen` or earlier in the batch are dropped and counted.
 */
export function ingestBatch(messages: readonly ConsumedMessage[], context: IngestContext): IngestBatchResult {
  const deadLetters: OutgoingMessage[] = [];
  const rejects: IngestReject[] = [];
  const accepted = new BatchKeys();
  let duplicates = 0;
  // Keys accepted earlier in this batch (the window learns them only once the output is acknowledged).
  const inBatch = new CodeUnitDedupWindow(messages.length + 1, { presize: true });
  for (const message of messages) {
    let outcome = ingestMessage(
      message.value,
      contentTypeOf(message),
      context.accounts,
      context.normaliser,
      context.nowMs,
    );
    if (outcome.kind === 'normalized') {
      // The key ClickHouse deduplicates `rated_calls` on, so ingest never drops what downstream would keep.
      const key = accepted.push(outcome.cdr.account_id, outcome.cdr.cdr_id);
      const from = accepted.starts[key]!;
      const to = accepted.starts[key + 1]!;
      const hash = accepted.hashes[key]!;
      if (inBatch.has(accepted.units, from, to, hash) || context.seen.has(accepted, key)) {
        accepted.pop();
        duplicates++;
        continue;
      }
      try {
        context.output.add(outcome.cdr.account_id, outcome.cdr);
        inBatch.add(accepted.units, from, to, hash);
        continue;
      } catch (error) {
        // The schema's checks refused a value the decoder let through: still bad input, never a crash.
        accepted.pop();
        outcome = {
          kind: 'rejected',
          cdrId: outcome.cdr.cdr_id,
          code: 'BAD_FIELD',
          message: error instanceof Error ? error.message : String(error),
        };
      }
    }
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
        stage: 'ingest',
        payload: message.value ?? Buffer.alloc(0),
        origin: { topic: context.topic, partition: context.partition, offset: message.offset },
        failedAtMs: context.nowMs,
      }),
    );
  }
  return { deadLetters, rejects, duplicates, accepted };
}
