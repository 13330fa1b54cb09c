/**
 * `cdr.rated` message values straight to `rated_calls` TabSeparated rows: the Avro bodies of `RatedCall`
 * v1 (single frames and `RatedCallBatch` frames, docs/schemas.md) are read byte by byte and each row is
 * written as it is read — no avsc, no `RatedCall` object, no JS string per field. It writes exactly the
 * bytes `decodeRatedCalls` + {@link writeRatedCallTsvRow} write for the same message (the tests compare
 * both on generated and hostile messages), and only handles messages whose every record that path would
 * land: anything else — another record id or schema version, a malformed frame or body, bytes that are
 * not valid UTF-8, a value either path would refuse or that this reader does not expect (a negative
 * number, a non-canonical decimal, a boolean byte other than 0/1, a number of more than 7 varint bytes) —
 * makes it write nothing for the message and answer `false`, and the caller takes the general path, so
 * dead letters and their reasons stay exactly those of `decodeRatedCalls`.
 *
 * It knows `RatedCall` v1 only, and checks at load that the schema history still is that one version with
 * exactly the fields below; if not, it is disabled ({@link DIRECT_RATED_ROWS_ENABLED} false, every
 * message takes the general path) until it is taught the new version.
 */
import {
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  MAX_BATCH_BYTES,
  MAX_CDR_BYTES,
  RATED_CALL_V1,
  RECORD_IDS,
  SCHEMA_HISTORY,
} from '@cdrate/schemas';
import type { RowChunkWriter } from './chunks.js';
import {
  CALL_TYPES,
  MAX_DATETIME_SECONDS,
  MAX_DURATION_MS,
  writeDateTime,
  writeDurationSec,
  writeUint,
} from './rated-tsv.js';

/** The `RatedCall` v1 fields this reader reads, in order, with their Avro types. */
const EXPECTED_FIELDS = JSON.stringify([
  ['cdr_id', 'string'],
  ['account_id', 'string'],
  ['call_type', { type: 'enum', symbols: [...CALL_TYPES.keys()] }],
  ['billable', 'boolean'],
  ['billable_seconds', 'int'],
  ['billable_minutes', 'string'],
  ['rate', 'string'],
  ['cost', 'string'],
  ['currency', 'string'],
  ['source', 'string'],
  ['destination', 'string'],
  ['destination_country', ['null', 'string']],
  ['matched_prefix', ['null', 'string']],
  ['start_time', { type: 'long', logicalType: 'timestamp-millis' }],
  ['end_time', { type: 'long', logicalType: 'timestamp-millis' }],
  ['duration_ms', 'long'],
  ['reason', ['null', 'string']],
  ['rated_at', { type: 'long', logicalType: 'timestamp-millis' }],
  ['rating_version', 'long'],
]);

/** The fields of `schema` as [name, type] with only what decides the binary form (no docs, no names). */
function binaryShape(schema: typeof RATED_CALL_V1): string {
  return JSON.stringify(
    schema.fields.map((field) => {
      const type = field.type as unknown;
      if (typeof type === 'object' && type !== null && !Array.isArray(type)) {
        const {
          type: kind,
          symbols,
          logicalType,
        } = type as {
          type: string;
          symbols?: readonly string[];
          logicalType?: string;
        };
        return [
          field.name,
          symbols !== undefined ? { type: kind, symbols } : { type: kind, logicalType },
        ] as const;
      }
      return [field.name, type] as const;
    }),
  );
}

/** The schema version this reader reads: `RatedCall` v1, which must also be the latest one. */
const VERSION = 1;

/**
 * Whether the direct path is in use: the `RatedCall` history is exactly v1 with the fields this reader
 * knows. False means every message takes the general path (correct, slower).
 */
export const DIRECT_RATED_ROWS_ENABLED =
  SCHEMA_HISTORY.RatedCall.length === VERSION &&
  SCHEMA_HISTORY.RatedCall[0] === RATED_CALL_V1 &&
  binaryShape(RATED_CALL_V1) === EXPECTED_FIELDS;

const RECORD_ID = RECORD_IDS.RatedCall;
const BATCH_ID = RECORD_IDS.RatedCallBatch;

const TAB = 0x09;
const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BACKSLASH = 0x5c;
const POINT = 0x2e;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;

/** `call_type` names as bytes by Avro enum index. */
const CALL_TYPE_BYTES: readonly Uint8Array[] = [...CALL_TYPES.values()];

/** Bytes a row may need per byte of its Avro body (an escaped string byte becomes two), plus this. */
const ROW_FIXED_BYTES = 512;

// The reader's state while a body is read: bytes and the offset of the next one. Module variables rather
// than an object so that the hot loop allocates nothing; everything runs synchronously.
const EMPTY = new Uint8Array(0);
let input: Uint8Array = EMPTY;
let pos = 0;

/**
 * Reads a zig-zag varint of at most 7 bytes that encodes a value ≥ 0 (exact: below 2^48) and ends by
 * `end`; −1 for a negative value, a longer varint or one cut short (the caller then gives up).
 */
function readNonNegative(end: number): number {
  if (pos >= end) return -1;
  let byte = input[pos++]!;
  if (byte < 0x80) return (byte & 1) === 0 ? byte >>> 1 : -1;
  let value = byte & 0x7f;
  let scale = 0x80;
  for (let i = 1; i < 7; i++) {
    if (pos >= end) return -1;
    byte = input[pos++]!;
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) return value % 2 === 0 ? value / 2 : -1;
    scale *= 0x80;
  }
  return -1;
}

/**
 * Length of the well-formed UTF-8 sequence starting with a byte ≥ 0x80 at `at` and ending by `end`, or 0
 * when it is not one (what `Buffer#toString('utf8')` would replace with U+FFFD: a stray continuation byte,
 * an overlong form, a surrogate, a code point above U+10FFFF, a sequence cut short).
 */
function utf8SequenceLength(at: number, end: number): number {
  const lead = input[at]!;
  if (lead < 0xc2) return 0;
  if (lead < 0xe0) return at + 1 < end && (input[at + 1]! & 0xc0) === 0x80 ? 2 : 0;
  if (lead < 0xf0) {
    if (at + 2 >= end) return 0;
    const second = input[at + 1]!;
    const low = lead === 0xe0 ? 0xa0 : 0x80;
    const high = lead === 0xed ? 0x9f : 0xbf;
    return second >= low && second <= high && (input[at + 2]! & 0xc0) === 0x80 ? 3 : 0;
  }
  if (lead > 0xf4 || at + 3 >= end) return 0;
  const second = input[at + 1]!;
  const low = lead === 0xf0 ? 0x90 : 0x80;
  const high = lead === 0xf4 ? 0x8f : 0xbf;
  return second >= low &&
    second <= high &&
    (input[at + 2]! & 0xc0) === 0x80 &&
    (input[at + 3]! & 0xc0) === 0x80
    ? 4
    : 0;
}

/**
 * `ESCAPES[byte]` for an ASCII byte: 0 when a TabSeparated string holds it as is, else the letter of its
 * escape after `\\` (`\\` itself, `t`, `n`, `r`); 0xff for the first byte of a UTF-8 sequence (≥ 0x80).
 */
const ESCAPES = new Uint8Array(256);
ESCAPES[BACKSLASH] = BACKSLASH;
ESCAPES[TAB] = 0x74; // t
ESCAPES[NEWLINE] = 0x6e; // n
ESCAPES[CARRIAGE_RETURN] = 0x72; // r
ESCAPES.fill(0xff, 0x80);

/**
 * Copies an Avro string as a TabSeparated field (`writeTsvString`'s bytes: UTF-8 as is, `\` tab newline CR
 * escaped); −1 when it is cut short or not well-formed UTF-8.
 */
function copyString(out: Uint8Array, at: number, end: number): number {
  // The length, with the usual one-byte varint read here (a string shorter than 64 bytes).
  const first = pos < end ? input[pos]! : 0x80;
  let length: number;
  if (first < 0x80) {
    pos++;
    if ((first & 1) !== 0) return -1;
    length = first >>> 1;
  } else {
    length = readNonNegative(end);
    if (length < 0) return -1;
  }
  if (length > end - pos) return -1;
  const stop = pos + length;
  let i = pos;
  while (i < stop) {
    const byte = input[i]!;
    const escape = ESCAPES[byte]!;
    if (escape === 0) {
      out[at++] = byte;
      i++;
    } else if (escape !== 0xff) {
      out[at++] = BACKSLASH;
      out[at++] = escape;
      i++;
    } else {
      const sequence = utf8SequenceLength(i, stop);
      if (sequence === 0) return -1;
      for (let k = 0; k < sequence; k++) out[at++] = input[i++]!;
    }
  }
  pos = stop;
  return at;
}

/** Copies a `["null", "string"]` union as a TabSeparated field (null as empty); −1 as {@link copyString}. */
function copyOptionalString(out: Uint8Array, at: number, end: number): number {
  const branch = readNonNegative(end);
  if (branch === 0) return at;
  return branch === 1 ? copyString(out, at, end) : -1;
}

/**
 * Copies an Avro string holding a decimal that both the codec's check and the TSV writer accept for a
 * `Decimal(integerDigits + scale, scale)` column: `0` or 1 to `integerDigits` digits without a leading
 * zero, optionally a point and 1 to `scale` digits. −1 for anything else.
 */
function copyDecimal(out: Uint8Array, at: number, end: number, integerDigits: number, scale: number): number {
  const length = readNonNegative(end);
  if (length <= 0 || length > end - pos) return -1;
  const stop = pos + length;
  let i = pos;
  let byte = 0;
  while (i < stop && (byte = input[i]!) >= DIGIT_0 && byte <= DIGIT_9) out[at++] = input[i++]!;
  const integerLength = i - pos;
  if (integerLength === 0 || integerLength > integerDigits) return -1;
  if (integerLength > 1 && input[pos] === DIGIT_0) return -1;
  if (i < stop) {
    if (byte !== POINT) return -1;
    out[at++] = POINT;
    const fractionStart = ++i;
    while (i < stop && (byte = input[i]!) >= DIGIT_0 && byte <= DIGIT_9) out[at++] = input[i++]!;
    const fractionLength = i - fractionStart;
    if (i !== stop || fractionLength === 0 || fractionLength > scale) return -1;
  }
  pos = stop;
  return at;
}

/** Reads epoch milliseconds within `DateTime` (0 to (2^32 − 1) × 1000); −1 otherwise. */
function readEpochMs(end: number): number {
  const ms = readNonNegative(end);
  return ms > MAX_DATETIME_SECONDS * 1000 ? -1 : ms;
}

/**
 * Writes the row of the `RatedCall` v1 body in `input[pos, end)` and its newline into `out` at `at` (which
 * has `ROW_FIXED_BYTES + 2 × (end − pos)` bytes free); returns the offset after the newline, or −1 when the
 * body is not one the general path would land as is (see the module comment) or does not end at `end`.
 */
function writeRow(out: Uint8Array, at: number, end: number): number {
  if ((at = copyString(out, at, end)) < 0) return -1; // cdr_id
  out[at++] = TAB;
  if ((at = copyString(out, at, end)) < 0) return -1; // account_id
  out[at++] = TAB;
  const callTypeIndex = readNonNegative(end);
  const callType = callTypeIndex < 0 ? undefined : CALL_TYPE_BYTES[callTypeIndex];
  if (callType === undefined) return -1;
  for (let i = 0; i < callType.length; i++) out[at++] = callType[i]!;
  out[at++] = TAB;
  if (pos >= end) return -1;
  const billable = input[pos++]!;
  if (billable > 1) return -1;
  out[at++] = DIGIT_0 + billable;
  out[at++] = TAB;
  const billableSeconds = readNonNegative(end);
  if (billableSeconds < 0 || billableSeconds > 0xffffffff) return -1;
  at = writeUint(out, at, billableSeconds);
  out[at++] = TAB;
  if ((at = copyDecimal(out, at, end, 12, 6)) < 0) return -1; // billable_minutes
  out[at++] = TAB;
  if ((at = copyDecimal(out, at, end, 9, 9)) < 0) return -1; // rate
  out[at++] = TAB;
  if ((at = copyDecimal(out, at, end, 7, 11)) < 0) return -1; // cost
  out[at++] = TAB;
  if ((at = copyString(out, at, end)) < 0) return -1; // currency
  out[at++] = TAB;
  if ((at = copyString(out, at, end)) < 0) return -1; // source
  out[at++] = TAB;
  if ((at = copyString(out, at, end)) < 0) return -1; // destination
  out[at++] = TAB;
  if ((at = copyOptionalString(out, at, end)) < 0) return -1; // destination_country
  out[at++] = TAB;
  if ((at = copyOptionalString(out, at, end)) < 0) return -1; // matched_prefix
  out[at++] = TAB;
  const startTime = readEpochMs(end);
  const endTime = readEpochMs(end);
  const durationMs = readNonNegative(end);
  if (startTime < 0 || endTime < 0 || durationMs < 0 || durationMs > MAX_DURATION_MS) return -1;
  const startSeconds = Math.floor(startTime / 1000);
  const endSeconds = Math.floor(endTime / 1000);
  at = writeDateTime(out, at, startSeconds);
  out[at++] = TAB;
  at = writeDateTime(out, at, endSeconds);
  out[at++] = TAB;
  at = writeUint(out, at, startTime - startSeconds * 1000);
  out[at++] = TAB;
  at = writeUint(out, at, endTime - endSeconds * 1000);
  out[at++] = TAB;
  at = writeDurationSec(out, at, durationMs);
  out[at++] = TAB;
  if ((at = copyOptionalString(out, at, end)) < 0) return -1; // reason
  out[at++] = TAB;
  const ratedAt = readEpochMs(end);
  const ratingVersion = readNonNegative(end);
  if (ratedAt < 0 || ratingVersion < 0 || pos !== end) return -1;
  at = writeDateTime(out, at, Math.floor(ratedAt / 1000));
  out[at++] = TAB;
  at = writeUint(out, at, ratingVersion);
  out[at++] = NEWLINE;
  return at;
}

/** Writes the row of the body `input[start, end)` as row `item` of message `message`; false if it cannot. */
function writeBodyRow(
  writer: RowChunkWriter,
  start: number,
  end: number,
  message: number,
  item: number,
): boolean {
  const out = writer.reserve(ROW_FIXED_BYTES + 2 * (end - start));
  pos = start;
  const rowEnd = writeRow(out, writer.length, end);
  if (rowEnd < 0) return false;
  writer.endRow(rowEnd, message, item);
  return true;
}

/** Writes the rows of a `RatedCallBatch` v1 frame's items; false at the first it cannot handle. */
function writeBatchRows(writer: RowChunkWriter, message: number): boolean {
  const end = input.length;
  pos = FRAME_HEADER_BYTES;
  let item = 0;
  for (;;) {
    const count = readNonNegative(end); // a negative count (a block with its byte size) is not handled
    if (count < 0 || count > end - pos) return false;
    if (count === 0) return pos === end;
    for (let i = 0; i < count; i++, item++) {
      const length = readNonNegative(end);
      if (length < 0 || length > end - pos) return false;
      const start = pos;
      if (!writeBodyRow(writer, start, start + length, message, item)) return false;
      pos = start + length;
    }
  }
}

/**
 * Writes the `rated_calls` row of every record of the `cdr.rated` message value `value` (a `RatedCall`
 * v1 single frame or `RatedCallBatch` v1 frame) into `writer`, as message `message`, item `i` for the
 * i-th record: the same rows, byte for byte, as decoding it with `decodeRatedCalls` and writing each with
 * `writeRatedCallTsvRow`. Returns false, having written nothing (the writer is as before), when the
 * message is not one it handles or any of its records would not land as is: take the general path then.
 */
export function writeRatedRowsDirect(writer: RowChunkWriter, value: Uint8Array, message: number): boolean {
  if (!DIRECT_RATED_ROWS_ENABLED) return false;
  const length = value.length;
  if (length < FRAME_HEADER_BYTES || value[0] !== FRAME_MAGIC || value[2] !== VERSION) return false;
  const id = value[1];
  if (id === RECORD_ID ? length > MAX_CDR_BYTES : id !== BATCH_ID || length > MAX_BATCH_BYTES) return false;
  const rowsBefore = writer.rows;
  input = value;
  const written =
    id === RECORD_ID
      ? writeBodyRow(writer, FRAME_HEADER_BYTES, length, message, 0)
      : writeBatchRows(writer, message);
  input = EMPTY;
  if (!written) writer.truncate(rowsBefore);
  return written;
}
