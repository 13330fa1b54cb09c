/**
 * Dead-letter records on `cdr.dlq`: JSON (`content-type: application/json`) so that people can read them
 * with any Kafka tool. The original message value travels in `payload`, as text when it is valid UTF-8
 * (the common case: a JSON CDR) and as base64 otherwise (Avro, garbage), so replay gets the exact bytes.
 */
import { Buffer, isUtf8 } from 'node:buffer';
import { CONTENT_TYPE_HEADER, CONTENT_TYPE_JSON } from './raw.js';
import type { DlqOrigin, DlqRecord, PayloadEncoding, Stage } from './records.js';
import { decodeFailure, decoded, type DecodeResult } from './result.js';

/** Size limit of one DLQ record: a 1 MiB original in base64 plus the envelope fits. */
export const MAX_DLQ_BYTES = 8 * 1024 * 1024;

const STAGES: ReadonlySet<string> = new Set<Stage>(['ingest', 'rating', 'aggregation']);
const ENCODINGS: ReadonlySet<string> = new Set<PayloadEncoding>(['utf8', 'base64']);
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const OFFSET = /^\d{1,19}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** What a stage knows when it dead-letters a message. */
export interface DlqRecordInput {
  /** The CDR's id when it could be read, else `null`. */
  readonly cdrId: string | null;
  /** Machine-readable reason, e.g. a rating reject code. */
  readonly errorCode: string;
  /** A sentence for humans naming the field or value at fault. */
  readonly errorMessage: string;
  readonly stage: Stage;
  /** The original message value, byte for byte (empty for a null value). */
  readonly payload: Uint8Array;
  readonly origin: DlqOrigin;
  /** When the stage rejected it, UTC epoch milliseconds. */
  readonly failedAtMs: number;
}

/** A dead letter as sent to the DLQ topic (compatible with the Kafka adapter's outgoing message). */
export interface DeadLetterMessage {
  /** `cdr_id` when known, so a call's dead letters share a partition; else no key. */
  readonly key: string | null;
  /** The JSON DLQ record. */
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/** Builds, encodes and addresses one dead letter: the one way every stage writes to the DLQ topic. */
export function deadLetterMessage(input: DlqRecordInput): DeadLetterMessage {
  return {
    key: input.cdrId,
    value: encodeDlqRecord(buildDlqRecord(input)),
    headers: { [CONTENT_TYPE_HEADER]: CONTENT_TYPE_JSON },
  };
}

/** Builds a DLQ record, choosing `utf8` or `base64` for the payload. Throws `RangeError` on a bad time. */
export function buildDlqRecord(input: DlqRecordInput): DlqRecord {
  const bytes = input.payload;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const utf8 = isUtf8(bytes);
  return {
    cdr_id: input.cdrId,
    error_code: input.errorCode,
    error_message: input.errorMessage,
    stage: input.stage,
    payload: buffer.toString(utf8 ? 'utf8' : 'base64'),
    payload_encoding: utf8 ? 'utf8' : 'base64',
    origin: { topic: input.origin.topic, partition: input.origin.partition, offset: input.origin.offset },
    failed_at: new Date(input.failedAtMs).toISOString(),
  };
}

/** The JSON message value (UTF-8) of a DLQ record. Throws `TypeError` on a record that breaks its contract. */
export function encodeDlqRecord(record: DlqRecord): Buffer {
  const problem = checkDlqRecord(record);
  if (problem !== undefined) throw new TypeError(`DlqRecord: ${problem}`);
  const ordered: DlqRecord = {
    cdr_id: record.cdr_id,
    error_code: record.error_code,
    error_message: record.error_message,
    stage: record.stage,
    payload: record.payload,
    payload_encoding: record.payload_encoding,
    origin: { topic: record.origin.topic, partition: record.origin.partition, offset: record.origin.offset },
    failed_at: record.failed_at,
  };
  return Buffer.from(JSON.stringify(ordered), 'utf8');
}

/** Parses a DLQ message value and checks every field. Never throws. */
export function decodeDlqRecord(input: Uint8Array | string): DecodeResult<DlqRecord> {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.length;
  if (size > MAX_DLQ_BYTES)
    return decodeFailure('TOO_LARGE', `${size} bytes, more than the limit of ${MAX_DLQ_BYTES}`);
  if (typeof input !== 'string' && !isUtf8(input))
    return decodeFailure('NOT_JSON', 'the bytes are not valid UTF-8');
  const text =
    typeof input === 'string'
      ? input
      : Buffer.from(input.buffer, input.byteOffset, input.byteLength).toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return decodeFailure('NOT_JSON', error instanceof Error ? error.message : 'unparseable JSON');
  }
  if (!isObject(parsed)) return decodeFailure('NOT_AN_OBJECT', 'a DLQ record is a JSON object');
  const origin = parsed['origin'];
  if (!isObject(origin)) return decodeFailure('BAD_FIELD', 'origin must be an object');
  const record = {
    cdr_id: parsed['cdr_id'] ?? null,
    error_code: parsed['error_code'],
    error_message: parsed['error_message'],
    stage: parsed['stage'],
    payload: parsed['payload'],
    payload_encoding: parsed['payload_encoding'],
    origin: { topic: origin['topic'], partition: origin['partition'], offset: origin['offset'] },
    failed_at: parsed['failed_at'],
  } as DlqRecord;
  const problem = checkDlqRecord(record);
  return problem === undefined ? decoded(record) : decodeFailure('BAD_FIELD', problem);
}

/** The original message value of a DLQ record, for replay. */
export function dlqPayloadBytes(record: DlqRecord): Buffer {
  return Buffer.from(record.payload, record.payload_encoding === 'base64' ? 'base64' : 'utf8');
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first broken field of `record` as a message, or `undefined`. Checks runtime types: input may be JSON. */
function checkDlqRecord(record: DlqRecord): string | undefined {
  const r = record as unknown as Record<string, unknown>;
  const o = record.origin as unknown as Record<string, unknown>;
  if (r['cdr_id'] !== null && typeof r['cdr_id'] !== 'string') return 'cdr_id must be a string or null';
  if (typeof r['error_code'] !== 'string' || r['error_code'] === '')
    return 'error_code must be a non-empty string';
  if (typeof r['error_message'] !== 'string') return 'error_message must be a string';
  if (typeof r['stage'] !== 'string' || !STAGES.has(r['stage']))
    return 'stage must be ingest, rating or aggregation';
  if (typeof r['payload'] !== 'string') return 'payload must be a string';
  if (typeof r['payload_encoding'] !== 'string' || !ENCODINGS.has(r['payload_encoding'])) {
    return 'payload_encoding must be utf8 or base64';
  }
  if (r['payload_encoding'] === 'base64' && !BASE64.test(r['payload'])) return 'payload is not valid base64';
  if (typeof o['topic'] !== 'string' || o['topic'] === '') return 'origin.topic must be a non-empty string';
  const partition = o['partition'];
  if (typeof partition !== 'number' || !Number.isSafeInteger(partition) || partition < 0) {
    return 'origin.partition must be an integer ≥ 0';
  }
  if (typeof o['offset'] !== 'string' || !OFFSET.test(o['offset']))
    return 'origin.offset must be decimal digits';
  if (
    typeof r['failed_at'] !== 'string' ||
    !ISO_UTC.test(r['failed_at']) ||
    !Number.isFinite(Date.parse(r['failed_at']))
  ) {
    return 'failed_at must be ISO 8601 UTC ending in Z';
  }
  return undefined;
}
