/**
 * Raw CDRs as switches send them on `cdr.raw`: JSON (`content-type: application/json`) or framed Avro
 * (`content-type: avro/binary`). Both decode to a {@link RawCdrInput}; ingest validates that one shape.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { FRAME_MAGIC } from './avro/codec.js';
import { decodeRawCdr, MAX_CDR_BYTES } from './codecs.js';
import type { RawCdrInput, RawFieldValue } from './records.js';
import { decodeFailure, decoded, type DecodeFailure, type DecodeResult } from './result.js';

/** Kafka header naming the value's format. */
export const CONTENT_TYPE_HEADER = 'content-type';
/** `content-type` of JSON values (UTF-8). */
export const CONTENT_TYPE_JSON = 'application/json';
/** `content-type` of framed Avro values (see `docs/schemas.md`). */
export const CONTENT_TYPE_AVRO = 'avro/binary';

/** A field of a raw CDR. */
type RawField = keyof RawCdrInput;

/**
 * Decodes a raw CDR sent as JSON (UTF-8 bytes or a string). Checks types loosely: each known field must
 * be a string, a finite number (a safe integer for `cdr_id`, `account_id`, `source`, `destination`) or
 * absent/`null`; other keys are ignored. Presence, formats and enums are ingest's to check. Never throws.
 */
export function decodeRawCdrJson(input: Uint8Array | string): DecodeResult<RawCdrInput> {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > MAX_CDR_BYTES)
    return decodeFailure('TOO_LARGE', `${size} bytes, more than the limit of ${MAX_CDR_BYTES}`);
  let text: string;
  if (typeof input === 'string') {
    text = input;
  } else {
    if (!isUtf8(input)) return decodeFailure('NOT_JSON', 'the bytes are not valid UTF-8');
    // `toString()` without arguments is UTF-8 straight away (no encoding lookup); a Buffer needs no new view.
    const bytes = Buffer.isBuffer(input)
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    text = bytes.toString();
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return decodeFailure('NOT_JSON', error instanceof Error ? error.message : 'unparseable JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return decodeFailure(
      'NOT_AN_OBJECT',
      `expected a JSON object, got ${Array.isArray(parsed) ? 'an array' : parsed === null ? 'null' : typeof parsed}`,
    );
  }
  const record = parsed as Record<string, unknown>;
  // Field by field with constant names (one object shape, no keyed loads and stores in a loop); a failure
  // is the first bad field's in this order.
  const cdr_id = fieldValue(record, 'cdr_id', true);
  if (typeof cdr_id === 'object' && cdr_id !== null) return cdr_id;
  const account_id = fieldValue(record, 'account_id', true);
  if (typeof account_id === 'object' && account_id !== null) return account_id;
  const direction = fieldValue(record, 'direction', false);
  if (typeof direction === 'object' && direction !== null) return direction;
  const source = fieldValue(record, 'source', true);
  if (typeof source === 'object' && source !== null) return source;
  const destination = fieldValue(record, 'destination', true);
  if (typeof destination === 'object' && destination !== null) return destination;
  const start_time = fieldValue(record, 'start_time', false);
  if (typeof start_time === 'object' && start_time !== null) return start_time;
  const end_time = fieldValue(record, 'end_time', false);
  if (typeof end_time === 'object' && end_time !== null) return end_time;
  const duration_sec = fieldValue(record, 'duration_sec', false);
  if (typeof duration_sec === 'object' && duration_sec !== null) return duration_sec;
  const disposition = fieldValue(record, 'disposition', false);
  if (typeof disposition === 'object' && disposition !== null) return disposition;
  return decoded({
    cdr_id,
    account_id,
    direction,
    source,
    destination,
    start_time,
    end_time,
    duration_sec,
    disposition,
  });
}

/**
 * Field `name` of a parsed JSON object as a {@link RawFieldValue} (`null` when absent or null; an own
 * property only), or the `BAD_FIELD` failure of its value. `isId`: the field identifies something
 * (`cdr_id`, `account_id`, `source`, `destination`), so a number there must be a safe integer or its
 * digits are lost.
 */
function fieldValue(
  record: Record<string, unknown>,
  name: RawField,
  isId: boolean,
): RawFieldValue | DecodeFailure {
  const value = Object.hasOwn(record, name) ? record[name] : undefined;
  if (value === undefined || value === null) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') {
    if (isId ? Number.isSafeInteger(value) : Number.isFinite(value)) return value;
    return decodeFailure(
      'BAD_FIELD',
      `${name} ${String(value)} loses digits as a JSON number; send it as a string`,
    );
  }
  return decodeFailure(
    'BAD_FIELD',
    `${name} must be a string or a number, got ${Array.isArray(value) ? 'an array' : typeof value}`,
  );
}

/**
 * Decodes a `cdr.raw` message value by its `content-type` header: `avro/binary` or `application/json`
 * (parameters such as `; charset=utf-8` ignored). Without the header the first byte decides: the Avro
 * frame's magic byte `0xCD` means Avro, anything else JSON. An unknown content type fails with
 * `UNKNOWN_CONTENT_TYPE`. Never throws.
 */
export function decodeRawCdrMessage(value: Uint8Array, contentType?: string): DecodeResult<RawCdrInput> {
  // The two values switches send, before any parsing of the header.
  if (contentType === CONTENT_TYPE_JSON) return decodeRawCdrJson(value);
  if (contentType === CONTENT_TYPE_AVRO) return decodeRawCdr(value);
  const mediaType = contentType?.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType === undefined || mediaType === '') {
    return value[0] === FRAME_MAGIC ? decodeRawCdr(value) : decodeRawCdrJson(value);
  }
  if (mediaType === CONTENT_TYPE_AVRO) return decodeRawCdr(value);
  if (mediaType === CONTENT_TYPE_JSON) return decodeRawCdrJson(value);
  return decodeFailure(
    'UNKNOWN_CONTENT_TYPE',
    `content-type ${JSON.stringify(contentType)} is neither ${CONTENT_TYPE_JSON} nor ${CONTENT_TYPE_AVRO}`,
  );
}
