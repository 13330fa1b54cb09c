/**
 * A hand-written Avro binary reader of `NormalizedCdr` bodies, the record rating reads once per CDR: the
 * same values as avsc's decoder of the latest schema, without its per-record `Tap`, resolver and type
 * dispatch (test/fast-reader.test.ts compares the two on many bodies, valid and damaged).
 *
 * It reads the well-formed case only: a body of the latest version that ends exactly at `end`, every index
 * in range and every long of magnitude below 2^52. For anything else it returns `undefined` and the caller
 * decodes with avsc, so truncated or corrupt bodies get avsc's outcome and messages, word for word.
 */
import type { Buffer } from 'node:buffer';
import type { NormalizedCdr } from '../records.js';
import { DIRECTION_SYMBOLS, DISPOSITION_SYMBOLS, NUMBER_TYPE_SYMBOLS } from './writer.js';

/** Reads a body in `buffer[start, end)`; `undefined` when it is not of the well-formed form. */
export type BodyReader<T> = (buffer: Buffer, start: number, end: number) => T | undefined;

/** Where {@link Reader} stands in the body, and its end; `at` is set past `end` once a read fails. */
interface Reader {
  at: number;
  readonly end: number;
  readonly buffer: Buffer;
  /** The body's bytes from `start` as Latin-1, one character per byte, where ASCII strings are cut from. */
  readonly latin1: string;
  readonly start: number;
}

type NodeBuffer = Buffer & {
  utf8Slice(start: number, end: number): string;
  latin1Slice(start: number, end: number): string;
};

const FAILED = Number.MAX_SAFE_INTEGER;

/**
 * An Avro `long`: zig-zag varint of at most 8 bytes. Returns 0 and marks the reader failed when it runs
 * past the end or the zig-zag value is above 2^53 (|n| ≥ 2^52), where only avsc's own rounding gives its
 * value or its "potential precision loss".
 */
function readLong(reader: Reader): number {
  const { buffer, end } = reader;
  let at = reader.at;
  if (at >= end) {
    reader.at = FAILED;
    return 0;
  }
  // The zig-zag sign is the first byte's low bit.
  const negative = (buffer[at]! & 1) === 1;
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 8 && at < end; i++) {
    const byte = buffer[at++]!;
    if (byte < 0x80) {
      value += byte * scale;
      // Beyond 2^53 the sum is rounded (and avsc's parity with it): left to avsc.
      if (value > Number.MAX_SAFE_INTEGER) {
        reader.at = FAILED;
        return 0;
      }
      reader.at = at;
      return negative ? -(value + 1) / 2 : value / 2;
    }
    value += (byte & 0x7f) * scale;
    scale *= 0x80;
  }
  reader.at = FAILED;
  return 0;
}

/**
 * An Avro `string` (UTF-8, decoded as avsc does with `utf8Slice`: invalid bytes become U+FFFD). An ASCII one,
 * the usual case, is cut from the body's Latin-1 text: one native call per body instead of one per string.
 */
function readString(reader: Reader): string {
  const length = readLong(reader);
  const from = reader.at;
  if (length < 0 || from > reader.end - length) {
    reader.at = FAILED;
    return '';
  }
  const to = from + length;
  reader.at = to;
  const buffer = reader.buffer;
  for (let i = from; i < to; i++) {
    if (buffer[i]! >= 0x80) return (buffer as NodeBuffer).utf8Slice(from, to);
  }
  // ASCII: its UTF-8 and Latin-1 readings are the same text, cut from the body's without a native call.
  return reader.latin1.slice(from - reader.start, to - reader.start);
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
  const latin1 = (buffer as NodeBuffer).latin1Slice(start, end);
  const reader: Reader = { at: start, end, buffer, latin1, start };
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
