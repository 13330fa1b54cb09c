/**
 * Hand-written Avro binary writers of the records the pipeline writes once per CDR (`NormalizedCdr`,
 * `RatedCall`): the same bytes as avsc's encoder of the latest schema, without its per-value `Tap`, type
 * dispatch and `Buffer.byteLength` per string (test/fast-writer.test.ts compares the two on many values).
 *
 * A writer handles the plain case only: every field present with its schema type. For anything else it
 * returns {@link BODY_NOT_PLAIN} and the caller encodes with avsc, which applies field defaults to
 * `undefined` or throws its usual error, so both the bytes and the errors stay avsc's.
 */
import type { Buffer } from 'node:buffer';
import type { NormalizedCdr, RatedCall } from '../records.js';

/** The buffer is too small for the body: grow it and write again. */
export const BODY_TOO_SMALL = -1;
/** The value is not of the plain form the writer handles: encode it with avsc. */
export const BODY_NOT_PLAIN = -2;

/** Writes a record body at `at`; returns the offset after it, {@link BODY_TOO_SMALL} or {@link BODY_NOT_PLAIN}. */
export type BodyWriter<T> = (value: T, buffer: Buffer, at: number) => number;

/** Most bytes a varint of a safe integer takes. */
const MAX_LONG_BYTES = 8;

/**
 * Writes the Avro `long` of a safe integer: zig-zag, then 7 bits a byte, low bits first (as avsc's
 * `Tap.writeLong`: 32-bit arithmetic below 2^30 in magnitude, exact floating point above).
 */
export function writeLong(buffer: Buffer, at: number, n: number): number {
  if (n >= -0x40000000 && n < 0x40000000) {
    let m = n >= 0 ? n << 1 : (~n << 1) | 1;
    while (m > 0x7f) {
      buffer[at++] = (m & 0x7f) | 0x80;
      m >>>= 7;
    }
    buffer[at++] = m;
    return at;
  }
  // Zig-zag of at least 2^31 (< 2^54): its low 28 bits as four bytes that all continue, then the rest
  // (at least 8, below 2^26) in 32-bit arithmetic.
  const f = n >= 0 ? n * 2 : -n * 2 - 1;
  let high = Math.floor(f / 0x10000000);
  const low = f - high * 0x10000000;
  buffer[at++] = (low & 0x7f) | 0x80;
  buffer[at++] = ((low >>> 7) & 0x7f) | 0x80;
  buffer[at++] = ((low >>> 14) & 0x7f) | 0x80;
  buffer[at++] = ((low >>> 21) & 0x7f) | 0x80;
  while (high > 0x7f) {
    buffer[at++] = (high & 0x7f) | 0x80;
    high >>>= 7;
  }
  buffer[at++] = high;
  return at;
}

/**
 * Writes an Avro `string`: its UTF-8 byte length as a `long`, then the bytes. The caller has made sure that
 * `3 × text.length + 8` bytes fit from `at`. Byte for byte avsc's `Tap.writeString`, including its one
 * departure from `Buffer`'s UTF-8: an unpaired surrogate in a string of at most 64 bytes is written as its
 * own three-byte sequence (`ED A0 80` for U+D800) rather than as U+FFFD.
 */
export function writeString(buffer: Buffer, at: number, text: string): number {
  const length = text.length;
  if (length < 64) {
    // ASCII (the usual case): one length byte, one byte per character.
    let p = at + 1;
    for (let i = 0; i < length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) return writeStringUtf8(buffer, at, text);
      buffer[p++] = c;
    }
    buffer[at] = length << 1;
    return p;
  }
  return writeStringUtf8(buffer, at, text);
}

function writeStringUtf8(buffer: Buffer, at: number, text: string): number {
  const bytes = byteLengthUtf8(text);
  let p = writeLong(buffer, at, bytes);
  if (bytes > 64) {
    buffer.write(text, p, bytes, 'utf8');
    return p + bytes;
  }
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      buffer[p++] = c;
    } else if (c < 0x800) {
      buffer[p++] = (c >> 6) | 0xc0;
      buffer[p++] = (c & 0x3f) | 0x80;
    } else if ((c & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      c = 0x10000 + ((c & 0x03ff) << 10) + (text.charCodeAt(i + 1) & 0x03ff);
      i++;
      buffer[p++] = (c >> 18) | 0xf0;
      buffer[p++] = ((c >> 12) & 0x3f) | 0x80;
      buffer[p++] = ((c >> 6) & 0x3f) | 0x80;
      buffer[p++] = (c & 0x3f) | 0x80;
    } else {
      buffer[p++] = (c >> 12) | 0xe0;
      buffer[p++] = ((c >> 6) & 0x3f) | 0x80;
      buffer[p++] = (c & 0x3f) | 0x80;
    }
  }
  return p;
}

/** UTF-8 length of `text` as `Buffer.byteLength` gives it (an unpaired surrogate counts 3, as U+FFFD). */
function byteLengthUtf8(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if ((c & 0xfc00) === 0xd800 && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** Largest magnitude avsc's `long` accepts (its `isSafeLong`: one less than `Number.MAX_SAFE_INTEGER`). */
const MAX_LONG = 9007199254740990;

/** Whether `n` is what avsc's `long` accepts: an integer of magnitude at most {@link MAX_LONG}. */
function isLong(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= -MAX_LONG && n <= MAX_LONG;
}

/** Zero-based index of each symbol of an enum, in schema order. */
function symbolIndex(symbols: readonly string[]): ReadonlyMap<unknown, number> {
  return new Map(symbols.map((symbol, index) => [symbol, index]));
}

// Symbol lists in schema order (./schemas.ts); test/fast-writer.test.ts checks them against the schemas.
export const DIRECTION_SYMBOLS = ['outbound', 'inbound', 'internal'] as const;
export const DISPOSITION_SYMBOLS = ['answered', 'no_answer', 'busy', 'failed'] as const;
export const NUMBER_TYPE_SYMBOLS = [
  'mobile',
  'fixed',
  'fixed_or_mobile',
  'toll_free',
  'premium',
  'other',
  'unknown',
  'extension',
  'unparsed',
] as const;
export const CALL_TYPE_SYMBOLS = [
  'domestic',
  'internal',
  'domestic_metered',
  'international',
  'inbound_toll_free',
  'inbound',
] as const;

const DIRECTION = symbolIndex(DIRECTION_SYMBOLS);
const DISPOSITION = symbolIndex(DISPOSITION_SYMBOLS);
const NUMBER_TYPE = symbolIndex(NUMBER_TYPE_SYMBOLS);
const CALL_TYPE = symbolIndex(CALL_TYPE_SYMBOLS);

/** Body of `NormalizedCdr` v1 (field order of the schema). */
export const writeNormalizedCdrBody: BodyWriter<NormalizedCdr> = (cdr, buffer, at) => {
  const { cdr_id, account_id, source, destination, raw_source, raw_destination } = cdr;
  const country = cdr.destination_country;
  if (
    typeof cdr_id !== 'string' ||
    typeof account_id !== 'string' ||
    typeof source !== 'string' ||
    typeof destination !== 'string' ||
    typeof raw_source !== 'string' ||
    typeof raw_destination !== 'string' ||
    (country !== null && typeof country !== 'string') ||
    !isLong(cdr.start_time) ||
    !isLong(cdr.end_time) ||
    !isLong(cdr.duration_ms) ||
    !isLong(cdr.received_at)
  ) {
    return BODY_NOT_PLAIN;
  }
  const direction = cdr.direction === null ? -1 : DIRECTION.get(cdr.direction);
  const sourceType = NUMBER_TYPE.get(cdr.source_type);
  const destinationType = NUMBER_TYPE.get(cdr.destination_type);
  const disposition = DISPOSITION.get(cdr.disposition);
  if (
    direction === undefined ||
    sourceType === undefined ||
    destinationType === undefined ||
    disposition === undefined
  ) {
    return BODY_NOT_PLAIN;
  }
  const textLength =
    cdr_id.length +
    account_id.length +
    source.length +
    destination.length +
    raw_source.length +
    raw_destination.length +
    (country === null ? 0 : country.length);
  if (at + 3 * textLength + 15 * MAX_LONG_BYTES > buffer.length) return BODY_TOO_SMALL;
  at = writeString(buffer, at, cdr_id);
  at = writeString(buffer, at, account_id);
  if (direction < 0) {
    buffer[at++] = 0;
  } else {
    buffer[at++] = 2;
    buffer[at++] = direction << 1;
  }
  at = writeString(buffer, at, source);
  buffer[at++] = sourceType << 1;
  at = writeString(buffer, at, destination);
  buffer[at++] = destinationType << 1;
  if (country === null) {
    buffer[at++] = 0;
  } else {
    buffer[at++] = 2;
    at = writeString(buffer, at, country);
  }
  at = writeLong(buffer, at, cdr.start_time);
  at = writeLong(buffer, at, cdr.end_time);
  at = writeLong(buffer, at, cdr.duration_ms);
  buffer[at++] = disposition << 1;
  at = writeLong(buffer, at, cdr.received_at);
  at = writeString(buffer, at, raw_source);
  return writeString(buffer, at, raw_destination);
};

/** Body of `RatedCall` v1 (field order of the schema). */
export const writeRatedCallBody: BodyWriter<RatedCall> = (call, buffer, at) => {
  const { cdr_id, account_id, billable_minutes, rate, cost, currency, source, destination } = call;
  const country = call.destination_country;
  const prefix = call.matched_prefix;
  const reason = call.reason;
  const seconds = call.billable_seconds;
  if (
    typeof cdr_id !== 'string' ||
    typeof account_id !== 'string' ||
    typeof billable_minutes !== 'string' ||
    typeof rate !== 'string' ||
    typeof cost !== 'string' ||
    typeof currency !== 'string' ||
    typeof source !== 'string' ||
    typeof destination !== 'string' ||
    (country !== null && typeof country !== 'string') ||
    (prefix !== null && typeof prefix !== 'string') ||
    (reason !== null && typeof reason !== 'string') ||
    typeof call.billable !== 'boolean' ||
    // avsc's `int`: a number equal to its 32-bit truncation.
    typeof seconds !== 'number' ||
    seconds !== (seconds | 0) ||
    !isLong(call.start_time) ||
    !isLong(call.end_time) ||
    !isLong(call.duration_ms) ||
    !isLong(call.rated_at) ||
    !isLong(call.rating_version)
  ) {
    return BODY_NOT_PLAIN;
  }
  const callType = CALL_TYPE.get(call.call_type);
  if (callType === undefined) return BODY_NOT_PLAIN;
  const textLength =
    cdr_id.length +
    account_id.length +
    billable_minutes.length +
    rate.length +
    cost.length +
    currency.length +
    source.length +
    destination.length +
    (country === null ? 0 : country.length) +
    (prefix === null ? 0 : prefix.length) +
    (reason === null ? 0 : reason.length);
  if (at + 3 * textLength + 19 * MAX_LONG_BYTES > buffer.length) return BODY_TOO_SMALL;
  at = writeString(buffer, at, cdr_id);
  at = writeString(buffer, at, account_id);
  buffer[at++] = callType << 1;
  buffer[at++] = call.billable ? 1 : 0;
  at = writeLong(buffer, at, seconds);
  at = writeString(buffer, at, billable_minutes);
  at = writeString(buffer, at, rate);
  at = writeString(buffer, at, cost);
  at = writeString(buffer, at, currency);
  at = writeString(buffer, at, source);
  at = writeString(buffer, at, destination);
  at = writeOptionalString(buffer, at, country);
  at = writeOptionalString(buffer, at, prefix);
  at = writeLong(buffer, at, call.start_time);
  at = writeLong(buffer, at, call.end_time);
  at = writeLong(buffer, at, call.duration_ms);
  at = writeOptionalString(buffer, at, reason);
  at = writeLong(buffer, at, call.rated_at);
  return writeLong(buffer, at, call.rating_version);
};

/** A `["null", "string"]` union: branch 0, or branch 1 and the string. */
function writeOptionalString(buffer: Buffer, at: number, text: string | null): number {
  if (text === null) {
    buffer[at] = 0;
    return at + 1;
  }
  buffer[at] = 2;
  return writeString(buffer, at + 1, text);
}
