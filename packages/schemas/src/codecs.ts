/**
 * Typed Avro codecs of the project's records. Encoders throw `TypeError` on a value that breaks the schema
 * or a documented field form (a caller bug); decoders return a {@link DecodeResult} and never throw.
 */
import type { Buffer } from 'node:buffer';
import {
  createAvroBatchCodec,
  createAvroCodec,
  type BatchFrameWriter,
  type DecodedRecords,
} from './avro/codec.js';
import { SCHEMA_HISTORY } from './avro/schemas.js';
import { readNormalizedCdrBody } from './avro/reader.js';
import { writeNormalizedCdrBody, writeRatedCallBody } from './avro/writer.js';
import type { Account, NormalizedCdr, RatedCall, RawCdr } from './records.js';
import type { DecodeResult } from './result.js';

/** Size limit of one CDR or rated call (Avro or JSON); a real one is a few hundred bytes. */
export const MAX_CDR_BYTES = 64 * 1024;

/**
 * Size limit of a batch frame of normalised CDRs or rated calls when read. Writers keep theirs well below
 * Kafka's default `max.message.bytes` (1 MiB); a topic configured for larger messages can carry up to this.
 */
export const MAX_BATCH_BYTES = 8 * 1024 * 1024;

/** Size limit of one account record (its number lists can be long). */
export const MAX_ACCOUNT_BYTES = 1024 * 1024;

const DECIMAL_18_6 = /^\d{1,12}(?:\.\d{1,6})?$/;
const DECIMAL_18_9 = /^\d{1,9}(?:\.\d{1,9})?$/;
const DECIMAL_18_11 = /^\d{1,7}(?:\.\d{1,11})?$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Whether `text` is a decimal string of this project's wire: digits, optionally a point and more digits,
 * no sign, exponent or spaces, fitting ClickHouse `Decimal(18, scale)` with `scale` 6, 9 or 11.
 */
export function isDecimalString(text: string, scale: 6 | 9 | 11): boolean {
  return (scale === 6 ? DECIMAL_18_6 : scale === 9 ? DECIMAL_18_9 : DECIMAL_18_11).test(text);
}

function isUInt32(value: number): boolean {
  return Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

function isMilliseconds(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function isIsoDate(text: string): boolean {
  if (!ISO_DATE.test(text)) return false;
  const time = Date.parse(`${text}T00:00:00Z`);
  return Number.isFinite(time) && new Date(time).toISOString().startsWith(text);
}

/** The checks of a normalised CDR beyond its Avro types (exported for tests, not from the package). */
export function checkNormalizedCdr(cdr: NormalizedCdr): string | undefined {
  if (!isMilliseconds(cdr.duration_ms)) return `duration_ms ${cdr.duration_ms} is not whole milliseconds ≥ 0`;
  if (cdr.end_time < cdr.start_time) return `end_time ${cdr.end_time} is before start_time ${cdr.start_time}`;
  return undefined;
}

function checkRatedCall(call: RatedCall): string | undefined {
  if (!isDecimalString(call.billable_minutes, 6))
    return `billable_minutes ${JSON.stringify(call.billable_minutes)} is not Decimal(18,6)`;
  if (!isDecimalString(call.rate, 9)) return `rate ${JSON.stringify(call.rate)} is not Decimal(18,9)`;
  if (!isDecimalString(call.cost, 11)) return `cost ${JSON.stringify(call.cost)} is not Decimal(18,11)`;
  if (!isUInt32(call.billable_seconds))
    return `billable_seconds ${call.billable_seconds} is not whole seconds ≥ 0`;
  if (!isMilliseconds(call.duration_ms))
    return `duration_ms ${call.duration_ms} is not whole milliseconds ≥ 0`;
  if (call.rating_version < 0) return `rating_version ${call.rating_version} is negative`;
  return undefined;
}

function checkAccount(account: Account): string | undefined {
  if (!isIsoDate(account.billing_start_date)) {
    return `billing_start_date ${JSON.stringify(account.billing_start_date)} is not a YYYY-MM-DD date`;
  }
  if (!isDecimalString(account.overage_rate, 9))
    return `overage_rate ${JSON.stringify(account.overage_rate)} is not Decimal(18,9)`;
  if (account.included_minutes < 0) return `included_minutes ${account.included_minutes} is negative`;
  return undefined;
}

const rawCdrCodec = createAvroCodec<RawCdr>({
  name: 'RawCdr',
  versions: SCHEMA_HISTORY.RawCdr,
  maxBytes: MAX_CDR_BYTES,
});
const normalizedCdrCodec = createAvroBatchCodec<NormalizedCdr>({
  name: 'NormalizedCdr',
  batchName: 'NormalizedCdrBatch',
  versions: SCHEMA_HISTORY.NormalizedCdr,
  maxBytes: MAX_CDR_BYTES,
  maxBatchBytes: MAX_BATCH_BYTES,
  check: checkNormalizedCdr,
  writeBody: writeNormalizedCdrBody,
  readBody: readNormalizedCdrBody,
  handWrittenVersion: 1,
});
const ratedCallCodec = createAvroBatchCodec<RatedCall>({
  name: 'RatedCall',
  batchName: 'RatedCallBatch',
  versions: SCHEMA_HISTORY.RatedCall,
  maxBytes: MAX_CDR_BYTES,
  maxBatchBytes: MAX_BATCH_BYTES,
  check: checkRatedCall,
  writeBody: writeRatedCallBody,
  handWrittenVersion: 1,
});
const accountCodec = createAvroCodec<Account>({
  name: 'Account',
  versions: SCHEMA_HISTORY.Account,
  maxBytes: MAX_ACCOUNT_BYTES,
  check: checkAccount,
});

/** Framed Avro of a raw CDR (latest RawCdr schema). */
export function encodeRawCdr(cdr: RawCdr): Buffer {
  return rawCdrCodec.encode(cdr);
}

/** Decodes a framed Avro raw CDR of any RawCdr version. For either content type use `decodeRawCdrMessage`. */
export function decodeRawCdr(bytes: Uint8Array): DecodeResult<RawCdr> {
  return rawCdrCodec.decode(bytes);
}

/** Framed Avro of a normalised CDR. Throws `TypeError` when `end_time < start_time` or `duration_ms` is not whole ms ≥ 0. */
export function encodeNormalizedCdr(cdr: NormalizedCdr): Buffer {
  return normalizedCdrCodec.encode(cdr);
}

export function decodeNormalizedCdr(bytes: Uint8Array): DecodeResult<NormalizedCdr> {
  return normalizedCdrCodec.decode(bytes);
}

/**
 * One `NormalizedCdrBatch` frame of single `NormalizedCdr` frames written by {@link encodeNormalizedCdr}
 * (bodies copied). Throws `TypeError` when one is not such a frame.
 */
export function frameNormalizedCdrBatch(frames: readonly Uint8Array[]): Buffer {
  return normalizedCdrCodec.frameBatch(frames);
}

/** A writer of `NormalizedCdrBatch` frames, encoding each record straight into the frame. */
export function createNormalizedCdrBatchWriter(): BatchFrameWriter<NormalizedCdr> {
  return normalizedCdrCodec.createBatchWriter();
}

/** Decodes a `cdr.normalized` message value: a single `NormalizedCdr` frame or a `NormalizedCdrBatch`. */
export function decodeNormalizedCdrs(bytes: Uint8Array): DecodeResult<DecodedRecords<NormalizedCdr>> {
  return normalizedCdrCodec.decodeMany(bytes);
}

/** Framed Avro of a rated call. Throws `TypeError` when a decimal string does not fit its ClickHouse column. */
export function encodeRatedCall(call: RatedCall): Buffer {
  return ratedCallCodec.encode(call);
}

export function decodeRatedCall(bytes: Uint8Array): DecodeResult<RatedCall> {
  return ratedCallCodec.decode(bytes);
}

/** One `RatedCallBatch` frame of single `RatedCall` frames written by {@link encodeRatedCall}. */
export function frameRatedCallBatch(frames: readonly Uint8Array[]): Buffer {
  return ratedCallCodec.frameBatch(frames);
}

/** A writer of `RatedCallBatch` frames, encoding each record straight into the frame. */
export function createRatedCallBatchWriter(): BatchFrameWriter<RatedCall> {
  return ratedCallCodec.createBatchWriter();
}

/** Decodes a `cdr.rated` message value: a single `RatedCall` frame or a `RatedCallBatch`. */
export function decodeRatedCalls(bytes: Uint8Array): DecodeResult<DecodedRecords<RatedCall>> {
  return ratedCallCodec.decodeMany(bytes);
}

/** Framed Avro of an account (value on the compacted `accounts` topic; a null value deletes the key). */
export function encodeAccount(account: Account): Buffer {
  return accountCodec.encode(account);
}

export function decodeAccount(bytes: Uint8Array): DecodeResult<Account> {
  return accountCodec.decode(bytes);
}
