/**
 * A hand-written Avro binary reader of `NormalizedCdr` bodies, the record rating reads once per CDR: the
 * same values as avsc's decoder of the latest schema, without its per-record `Tap`, resolver and type
 * dispatch (test/fast-reader.test.ts compares the two on many bodies, valid and damaged).
 *
 * It reads the well-formed case only: a body of the latest version that ends exactly at `end`, every index
 * in range and every long within avsc's safe range. For anything else it returns `undefined` and the caller
 * decodes with avsc, so truncated or corrupt bodies get avsc's outcome and messages, word for word.
 */
import type { Buffer } from 'node:buffer';
import type { NormalizedCdr } from '../records.js';
import { DIRECTION_SYMBOLS, DISPOSITION_SYMBOLS, NUMBER_TYPE_SYMBOLS } from './writer.js';

/** Reads a body in `buffer[start, end)`; `undefined` when it is not of the well-formed form. */
export type BodyReader<T> = (buffer: Buffer, start: number, end: number) => T | undefined;

/** Largest magnitude avsc's `long` reads without "potential precision loss". */
const MAX_LONG = 9007199254740990;

/** Where {@link Reader} stands in the body, and its end; `at` is set past `end` once a read fails. */
interface Reader {
  at: number;
  readonly end: number;
  readonly buffer: Buffer;
}

const FAILED = Number.MAX_SAFE_INTEGER;

/**
 * An Avro `long`: zig-zag varint of at most 8 bytes (56 bits, beyond any safe long). Returns 0 and marks
 * the reader failed when it runs past the end or the value is outside avsc's safe range.
 */
function readLong(reader: Reader): number {
  const { buffer, end } = reader;
  let at = reader.at;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8 && at < end; i++) {
    const byte = buffer[at++]!;
    if (byte < 0x80) {
      value += byte * scale;
      reader.at = at;
      const n = value % 2 === 0 ? value / 2 : -(value + 1) / 2;
      if (n > MAX_LONG || n < -MAX_LONG) reader.at = FAILED;
      return n;
    }
    value += (byte & 0x7f) * scale;
    scale *= 0x80;
  }
  reader.at = FAILED;
  return 0;
}

/** An Avro `string` (UTF-8, decoded as avsc does with `utf8Slice`: invalid bytes become U+FFFD). */
function readString(reader: Reader): string {
  const length = readLong(reader);
  const from = reader.at;
  if (length < 0 || from > reader.end - length) {
    reader.at = FAILED;
    return '';
  }
  reader.at = from + length;
  return (reader.buffer as Buffer & { utf8Slice(start: number, end: number): string }).utf8Slice(
    from,
    from + length,
  );
}

/** An enum symbol by index; `undefined` (and the reader failed) when the index is out of range. */
function readSymbol<S extends string>(reader: Reader, symbols: readonly S[]): S {
  const index = readLong(reader);
  const symbol = symbols[index];
  if (symbol === undefined) reader.at = FAILED;
  return symbol!;
}

/** A `["null", X]` union's branch: false for null, true for X; the reader fails on any other index. */
function readBranch(reader: Reader): boolean {
  const index = readLong(reader);
  if (index !== 0 && index !== 1) reader.at = FAILED;
  return index === 1;
}

/** Body of `NormalizedCdr` v1 (field order of the schema). */
export const readNormalizedCdrBody: BodyReader<NormalizedCdr> = (buffer, start, end) => {
  const reader: Reader = { at: start, end, buffer };
  const cdr_id = readString(reader);
  const account_id = readString(reader);
  const direction = readBranch(reader) ? readSymbol(reader, DIRECTION_SYMBOLS) : null;
  const source = readString(reader);
  const source_type = readSymbol(reader, NUMBER_TYPE_SYMBOLS);
  const destination = readString(reader);
  const destination_type = readSymbol(reader, NUMBER_TYPE_SYMBOLS);
  const destination_country = readBranch(reader) ? readString(reader) : null;
  const start_time = readLong(reader);
  const end_time = readLong(reader);
  const duration_ms = readLong(reader);
  const disposition = readSymbol(reader, DISPOSITION_SYMBOLS);
  const received_at = readLong(reader);
  const raw_source = readString(reader);
  const raw_destination = readString(reader);
  if (reader.at !== end) return undefined;
  return {
    cdr_id,
    account_id,
    direction,
    source,
    source_type,
    destination,
    destination_type,
    destination_country,
    start_time,
    end_time,
    duration_ms,
    disposition,
    received_at,
    raw_source,
    raw_destination,
  };
};
