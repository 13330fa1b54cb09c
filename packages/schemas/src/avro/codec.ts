/**
 * Framed Avro codecs. Every Avro message value this project writes is
 *
 *     0xCD | record id (1 byte) | schema version (1 byte) | Avro binary body
 *
 * so the bytes alone say what they are and which schema wrote them (docs/schemas.md explains why a frame
 * and not only a header). A reader resolves every version it knows to its latest one; a newer version is
 * read with its latest schema, which works because versions only append fields (the unread tail is
 * ignored).
 *
 * Records that travel between the pipeline's stages can also be sent many to a Kafka message, as a batch
 * frame: `0xCD | batch record id | schema version | Avro array of the record` (docs/schemas.md, "Batch
 * frames"). Readers of those topics accept both forms (`decodeMany`).
 */
import { Buffer } from 'node:buffer';
import avsc from 'avsc';
import { decodeFailure, decoded, type DecodeResult } from '../result.js';
import type { AvroRecordSchema } from './schemas.js';
import type { BodyReader } from './reader.js';
import { BODY_NOT_PLAIN, BODY_TOO_SMALL, type BodyWriter } from './writer.js';

/** First byte of every framed Avro value. Not a byte any JSON text starts with. */
export const FRAME_MAGIC = 0xcd;

/** Bytes before the Avro body: magic, record id, schema version. */
export const FRAME_HEADER_BYTES = 3;

/** Record ids of the frame (byte 1). Assigned once, never reused. */
export const RECORD_IDS = {
  RawCdr: 1,
  NormalizedCdr: 2,
  RatedCall: 3,
  Account: 4,
  NormalizedCdrBatch: 5,
  RatedCallBatch: 6,
} as const;

/** Names of the records that have single frames (a batch frame's items are one of these). */
export type FramedRecordName = 'RawCdr' | 'NormalizedCdr' | 'RatedCall' | 'Account';

/** Names of the batch frames. */
export type BatchFrameName = 'NormalizedCdrBatch' | 'RatedCallBatch';

type Resolver = ReturnType<avsc.Type['createResolver']>;

const NAMES_BY_ID: ReadonlyMap<number, string> = new Map(
  Object.entries(RECORD_IDS).map(([name, id]) => [id, name] as const),
);

/** A codec of one record type. */
export interface AvroCodec<T> {
  /** Record name (`RatedCall`, …). */
  readonly name: string;
  /** The schema version this build writes: the latest one. */
  readonly version: number;
  /** Frames and encodes `value`. Throws `TypeError` when it does not match the schema (a bug in the caller). */
  readonly encode: (value: T) => Buffer;
  /** Decodes a framed value of any version. Never throws. */
  readonly decode: (bytes: Uint8Array) => DecodeResult<T>;
}

/** Where {@link createAvroCodec}'s encoders write before copying out; grown when a value does not fit. */
let scratch = Buffer.allocUnsafe(64 * 1024);

/** A codec plus the body decoder batch frames share with single frames. */
interface InternalCodec<T> extends AvroCodec<T> {
  /** Decodes the body in `buffer[start, end)` written with schema `version` (≥ 1), then checks it. */
  readonly decodeBody: (buffer: Buffer, start: number, end: number, version: number) => DecodeResult<T>;
  /**
   * Checks and writes the latest version's body of a value into the module's `scratch` buffer (which it
   * replaces when the value does not fit) from {@link FRAME_HEADER_BYTES} on; returns where it ends. Throws
   * as `encode`.
   */
  readonly encodeBody: (value: T) => number;
}

/** The records of one message: a single frame gives one, a batch frame its items in order. */
export interface DecodedRecords<T> {
  /** Each record's own outcome: a batch item can be `CORRUPT` or `BAD_FIELD` while the others are fine. */
  readonly items: readonly DecodeResult<T>[];
  /** True when the message was a batch frame. */
  readonly batch: boolean;
  /**
   * Record `index` as a single frame, its body bytes exactly as received (the message itself when it was a
   * single frame): the dead-letter payload of a record that is refused alone.
   */
  frameOf(index: number): Buffer;
}

/** A codec of a record that may also travel in batch frames. */
export interface AvroBatchCodec<T> extends AvroCodec<T> {
  /** Batch frame name (`NormalizedCdrBatch`, …). */
  readonly batchName: BatchFrameName;
  /**
   * One batch frame holding the records of `frames`, in order. Each must be a single frame this codec wrote
   * (latest version); their bodies are copied, not re-encoded. Throws `TypeError` otherwise (a caller bug).
   */
  frameBatch(frames: readonly Uint8Array[]): Buffer;
  /** A writer that encodes records straight into batch frames, with no single frame per record. */
  createBatchWriter(): BatchFrameWriter<T>;
  /**
   * Decodes a single frame or a batch frame of this record, any version. A message whose frame or item
   * list cannot be read fails whole (`NOT_AVRO`, `WRONG_SCHEMA`, `TRUNCATED`, …); inside a readable batch
   * each record succeeds or fails on its own. Never throws.
   */
  decodeMany(bytes: Uint8Array): DecodeResult<DecodedRecords<T>>;
}

/**
 * Encodes records one after the other into the item list of a batch frame, then hands the frame out. The
 * frame {@link take} returns is byte for byte the one `frameBatch` makes of the same records' single frames.
 * Reused across frames: its working memory is kept, every frame taken is a buffer of its own.
 */
export interface BatchFrameWriter<T> {
  /** Records appended since the last {@link take}. */
  readonly count: number;
  /** Bytes of those records in the item list (bodies and their length prefixes). */
  readonly bytes: number;
  /**
   * Encodes `value` as the next item. Throws `TypeError` when it does not match the schema (as `encode`),
   * and then nothing is appended.
   */
  append(value: T): void;
  /** The batch frame of the records appended since the last take (an empty list when none), then forgets them. */
  take(): Buffer;
}

export interface AvroCodecOptions<T> {
  readonly name: FramedRecordName;
  /** Published versions, oldest first. */
  readonly versions: readonly AvroRecordSchema[];
  /** Larger values are refused with `TOO_LARGE` before decoding. */
  readonly maxBytes: number;
  /** Checks beyond the Avro types; returns a message naming the bad field, or `undefined`. */
  readonly check?: (value: T) => string | undefined;
  /**
   * A hand-written writer of the latest version's body (`./writer.ts`), tried before avsc: it must write
   * avsc's bytes exactly, and leave every value it does not handle to avsc.
   */
  readonly writeBody?: BodyWriter<T>;
  /**
   * A hand-written reader of the latest version's body (`./reader.ts`), tried before avsc: it must read
   * avsc's values exactly, and leave every body it does not read to avsc.
   */
  readonly readBody?: BodyReader<T>;
  /**
   * The schema version `writeBody` and `readBody` are written for. It must be the latest: a codec of a
   * record with a newer version and old hand-written body codecs is refused when it is created.
   */
  readonly handWrittenVersion?: number;
}

/** Builds a codec of one record from its version history. */
export function createAvroCodec<T>(options: AvroCodecOptions<T>): AvroCodec<T> {
  const { name, version, encode, decode } = createInternalCodec(options);
  return { name, version, encode, decode };
}

function createInternalCodec<T>(options: AvroCodecOptions<T>): InternalCodec<T> {
  const { name, versions } = options;
  const recordId = RECORD_IDS[name];
  const latestVersion = versions.length;
  if (latestVersion < 1 || latestVersion > 255)
    throw new RangeError(`${name}: 1 to 255 versions, not ${latestVersion}`);
  const latest = avroType(versions[latestVersion - 1]!);
  return createCodec(options, recordId, latestVersion, latest);
}

function createCodec<T>(
  options: AvroCodecOptions<T>,
  recordId: number,
  latestVersion: number,
  latest: avsc.Type,
): InternalCodec<T> {
  const { name, versions, maxBytes, check, writeBody, readBody } = options;
  if ((writeBody !== undefined || readBody !== undefined) && options.handWrittenVersion !== latestVersion) {
    throw new RangeError(
      `${name}: the hand-written body codec is of v${String(options.handWrittenVersion)}, the latest schema is v${latestVersion} (update src/avro/writer.ts and reader.ts)`,
    );
  }
  const resolvers: (Resolver | undefined)[] = [];

  function resolverFor(version: number): Resolver | undefined {
    if (version >= latestVersion) return undefined;
    let resolver = resolvers[version];
    if (resolver === undefined) {
      resolver = latest.createResolver(avroType(versions[version - 1]!));
      resolvers[version] = resolver;
    }
    return resolver;
  }

  /** Writes `value`'s body into `scratch` from {@link FRAME_HEADER_BYTES} on; returns where it ends. */
  function encodeBody(value: T): number {
    const problem = check?.(value);
    if (problem !== undefined) throw new TypeError(`${name}: ${problem}`);
    let end = BODY_NOT_PLAIN;
    if (writeBody !== undefined) {
      end = writeBody(value, scratch, FRAME_HEADER_BYTES);
      while (end === BODY_TOO_SMALL) {
        scratch = Buffer.allocUnsafe(2 * scratch.length);
        end = writeBody(value, scratch, FRAME_HEADER_BYTES);
      }
    }
    if (end === BODY_NOT_PLAIN) {
      try {
        end = latest.encode(value, scratch, FRAME_HEADER_BYTES);
        if (end < 0) {
          scratch = Buffer.allocUnsafe(2 * (scratch.length - end));
          end = latest.encode(value, scratch, FRAME_HEADER_BYTES);
        }
      } catch (cause) {
        throw new TypeError(`${name}: ${invalidPaths(latest, value)}`, { cause });
      }
    }
    return end;
  }

  function encode(value: T): Buffer {
    // Written into a shared scratch buffer, then copied into an exact one: `Buffer.allocUnsafe` of a small
    // size comes from Node's pool, where avsc's `toBuffer` zero-fills a new allocation per value (~1 µs).
    const end = encodeBody(value);
    const framed = Buffer.allocUnsafe(end);
    scratch.copy(framed, 0, 0, end);
    framed[0] = FRAME_MAGIC;
    framed[1] = recordId;
    framed[2] = latestVersion;
    return framed;
  }

  function decode(bytes: Uint8Array): DecodeResult<T> {
    if (bytes.length > maxBytes) {
      return decodeFailure('TOO_LARGE', `${name}: ${bytes.length} bytes, more than the limit of ${maxBytes}`);
    }
    if (bytes.length === 0 || bytes[0] !== FRAME_MAGIC) {
      return decodeFailure('NOT_AVRO', `${name}: not a cdrate Avro frame (first byte is not 0xCD)`);
    }
    if (bytes.length < FRAME_HEADER_BYTES)
      return decodeFailure('TRUNCATED', `${name}: frame header cut short`);
    const id = bytes[1]!;
    if (id !== recordId) {
      const other = NAMES_BY_ID.get(id) ?? `unknown record id ${id}`;
      return decodeFailure('WRONG_SCHEMA', `expected ${name}, got ${other}`);
    }
    const version = bytes[2]!;
    if (version === 0) return decodeFailure('BAD_VERSION', `${name}: schema version 0 does not exist`);
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return decodeBody(buffer, FRAME_HEADER_BYTES, buffer.length, version);
  }

  function decodeBody(buffer: Buffer, start: number, end: number, version: number): DecodeResult<T> {
    if (readBody !== undefined && version === latestVersion) {
      const value = readBody(buffer, start, end);
      if (value !== undefined) return checked(value);
    }
    // avsc reads to the end of the buffer it is given: a view ending with the body makes a short body
    // `TRUNCATED` rather than read into whatever follows.
    const bytes = end === buffer.length ? buffer : buffer.subarray(0, end);
    let value: unknown;
    let stop: number;
    try {
      const result: { value: unknown; offset: number } = latest.decode(bytes, start, resolverFor(version));
      value = result.value;
      stop = result.offset;
    } catch (error) {
      return decodeFailure(
        'CORRUPT',
        `${name} v${version}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (stop < 0) return decodeFailure('TRUNCATED', `${name} v${version}: the bytes end inside the record`);
    if (stop !== end && version <= latestVersion) {
      return decodeFailure('CORRUPT', `${name} v${version}: ${end - stop} bytes after the record`);
    }
    return checked(value as T);
  }

  function checked(value: T): DecodeResult<T> {
    const problem = check?.(value);
    if (problem !== undefined) return decodeFailure('BAD_FIELD', `${name}: ${problem}`);
    return decoded(value);
  }

  return { name, version: latestVersion, encode, decode, decodeBody, encodeBody };
}

export interface AvroBatchCodecOptions<T> extends AvroCodecOptions<T> {
  readonly batchName: BatchFrameName;
  /** Larger batch frames are refused with `TOO_LARGE` before decoding. */
  readonly maxBatchBytes: number;
}

/**
 * Builds a codec of a record that also travels in batch frames. A batch frame's body is an Avro
 * `array<bytes>` whose items are single-record bodies of the frame's schema version: length-prefixed, so
 * each item is read, refused and dead-lettered on its own, and a reader reads items of a newer version as
 * it reads single frames of one (the known fields are a prefix).
 */
export function createAvroBatchCodec<T>(options: AvroBatchCodecOptions<T>): AvroBatchCodec<T> {
  const { name, batchName, versions, maxBatchBytes } = options;
  const single = createInternalCodec(options);
  const recordId = RECORD_IDS[name];
  const batchId = RECORD_IDS[batchName];
  const latestVersion = versions.length;

  function frameBatch(frames: readonly Uint8Array[]): Buffer {
    let bodyBytes = 0;
    for (const [index, item] of frames.entries()) {
      if (
        item.length < FRAME_HEADER_BYTES ||
        item[0] !== FRAME_MAGIC ||
        item[1] !== recordId ||
        item[2] !== latestVersion
      ) {
        throw new TypeError(`${batchName}: item ${index} is not a ${name} v${latestVersion} frame`);
      }
      bodyBytes += varintLength(item.length - FRAME_HEADER_BYTES) + item.length - FRAME_HEADER_BYTES;
    }
    return batchFrame(frames.length, bodyBytes, (out, start) => {
      let at = start;
      for (const item of frames) {
        at = writeVarint(out, at, item.length - FRAME_HEADER_BYTES);
        out.set(item.subarray(FRAME_HEADER_BYTES), at);
        at += item.length - FRAME_HEADER_BYTES;
      }
    });
  }

  /**
   * A batch frame of `count` items whose list (each item as its length and its body) takes `itemBytes` and
   * is written by `writeItems` from the offset it is given: one Avro array block (the count, then the items)
   * and the 0 count that ends the array; an empty array is the 0 alone.
   */
  function batchFrame(
    count: number,
    itemBytes: number,
    writeItems: (out: Buffer, at: number) => void,
  ): Buffer {
    const countBytes = count === 0 ? 0 : varintLength(count);
    const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + countBytes + itemBytes + 1);
    out[0] = FRAME_MAGIC;
    out[1] = batchId;
    out[2] = latestVersion;
    const at = count === 0 ? FRAME_HEADER_BYTES : writeVarint(out, FRAME_HEADER_BYTES, count);
    writeItems(out, at);
    out[at + itemBytes] = 0;
    return out;
  }

  function createBatchWriter(): BatchFrameWriter<T> {
    let items = Buffer.allocUnsafe(64 * 1024);
    let bytes = 0;
    let count = 0;
    return {
      get count() {
        return count;
      },
      get bytes() {
        return bytes;
      },
      append(value: T): void {
        const end = single.encodeBody(value);
        const length = end - FRAME_HEADER_BYTES;
        const needed = bytes + MAX_VARINT_BYTES + length;
        if (needed > items.length) {
          const larger = Buffer.allocUnsafe(Math.max(2 * items.length, needed));
          items.copy(larger, 0, 0, bytes);
          items = larger;
        }
        bytes = writeVarint(items, bytes, length);
        bytes += scratch.copy(items, bytes, FRAME_HEADER_BYTES, end);
        count++;
      },
      take(): Buffer {
        const out = batchFrame(count, bytes, (frame, at) => items.copy(frame, at, 0, bytes));
        bytes = 0;
        count = 0;
        return out;
      },
    };
  }

  function decodeMany(bytes: Uint8Array): DecodeResult<DecodedRecords<T>> {
    const buffer = Buffer.isBuffer(bytes)
      ? bytes
      : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buffer.length >= FRAME_HEADER_BYTES && buffer[0] === FRAME_MAGIC && buffer[1] === recordId) {
      const one = single.decode(buffer);
      return decoded({ items: [one], batch: false, frameOf: () => buffer });
    }
    if (buffer.length > maxBatchBytes) {
      return decodeFailure(
        'TOO_LARGE',
        `${batchName}: ${buffer.length} bytes, more than the limit of ${maxBatchBytes}`,
      );
    }
    if (buffer.length === 0 || buffer[0] !== FRAME_MAGIC) {
      return decodeFailure('NOT_AVRO', `${name}: not a cdrate Avro frame (first byte is not 0xCD)`);
    }
    if (buffer.length < FRAME_HEADER_BYTES)
      return decodeFailure('TRUNCATED', `${name}: frame header cut short`);
    if (buffer[1] !== batchId) {
      const other = NAMES_BY_ID.get(buffer[1]!) ?? `unknown record id ${buffer[1]}`;
      return decodeFailure('WRONG_SCHEMA', `expected ${name} or ${batchName}, got ${other}`);
    }
    const version = buffer[2]!;
    if (version === 0) return decodeFailure('BAD_VERSION', `${batchName}: schema version 0 does not exist`);
    // Item i's body is buffer[starts[i], ends[i]).
    const starts: number[] = [];
    const ends: number[] = [];
    const reader = { at: FRAME_HEADER_BYTES };
    for (;;) {
      let count = readVarint(buffer, reader);
      if (count === undefined)
        return decodeFailure('TRUNCATED', `${batchName} v${version}: the bytes end inside the item list`);
      if (count === 0) break;
      if (count < 0) {
        count = -count;
        if (readVarint(buffer, reader) === undefined) {
          return decodeFailure('TRUNCATED', `${batchName} v${version}: the bytes end inside the item list`);
        }
      }
      // Every item takes at least its length byte: a larger count is corrupt (and must not make us loop).
      if (count > buffer.length - reader.at) {
        return decodeFailure('CORRUPT', `${batchName} v${version}: ${count} items cannot fit the message`);
      }
      for (let i = 0; i < count; i++) {
        const length = readVarint(buffer, reader);
        if (length === undefined || length < 0 || length > buffer.length - reader.at) {
          return decodeFailure('TRUNCATED', `${batchName} v${version}: item ${starts.length} is cut short`);
        }
        starts.push(reader.at);
        reader.at += length;
        ends.push(reader.at);
      }
    }
    if (reader.at !== buffer.length) {
      return decodeFailure(
        'CORRUPT',
        `${batchName} v${version}: ${buffer.length - reader.at} bytes after the item list`,
      );
    }
    const frameOf = (index: number): Buffer => {
      const body = buffer.subarray(starts[index], ends[index]);
      const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
      out[0] = FRAME_MAGIC;
      out[1] = recordId;
      out[2] = version;
      out.set(body, FRAME_HEADER_BYTES);
      return out;
    };
    const items: DecodeResult<T>[] = new Array<DecodeResult<T>>(starts.length);
    for (let i = 0; i < starts.length; i++) {
      items[i] = single.decodeBody(buffer, starts[i]!, ends[i]!, version);
    }
    return decoded({ items, batch: true, frameOf });
  }

  const { version, encode, decode } = single;
  return { name, version, encode, decode, batchName, frameBatch, createBatchWriter, decodeMany };
}

/** Most bytes {@link writeVarint} writes (a safe integer). */
const MAX_VARINT_BYTES = 8;

function varintLength(value: number): number {
  let n = value * 2;
  let length = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    length++;
  }
  return length;
}

/** Writes the Avro `long` (zig-zag varint) of a non-negative safe integer at `at`; returns the next offset. */
function writeVarint(out: Buffer, at: number, value: number): number {
  let n = value * 2;
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

/** Reads an Avro `long` (zig-zag varint) of at most 7 bytes (|value| < 2^48); `undefined` when cut short. */
function readVarint(buffer: Buffer, reader: { at: number }): number | undefined {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (reader.at >= buffer.length) return undefined;
    const byte = buffer[reader.at++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    scale *= 0x80;
  }
  return Number.MAX_SAFE_INTEGER; // longer than any count or length of a message: refused by the caller
}

/** An avsc type of `schema` whose arrays cannot be made to loop past the end of the bytes. */
function avroType(schema: AvroRecordSchema): avsc.Type {
  // A deep copy: avsc keeps references to the schema objects it is given.
  return avsc.Type.forSchema(JSON.parse(JSON.stringify(schema)) as avsc.Schema, {
    typeHook: (itemSchema, opts) =>
      isArraySchema(itemSchema)
        ? (new BoundedArrayType(itemSchema, opts) as unknown as avsc.Type)
        : undefined,
  });
}

function isArraySchema(schema: avsc.Schema): boolean {
  return (
    typeof schema === 'object' && !Array.isArray(schema) && (schema as { type?: unknown }).type === 'array'
  );
}

/** The avsc 5.7 internals {@link BoundedArrayType} relies on (`lib/types.js`, `lib/utils.js`). */
interface AvscTap {
  readonly buf: Buffer;
  readonly pos: number;
  readLong(): number;
  skipLong(): void;
}
interface AvscItemsReader {
  _read(tap: AvscTap): unknown;
}

const ArrayTypeBase = avsc.types.ArrayType as unknown as new (schema: avsc.Schema, opts: unknown) => object;

/**
 * avsc reads an array by trusting its block count, so five garbage bytes claiming 2^31 items make it loop
 * and allocate for seconds. Every item takes at least one byte, so a count larger than the bytes left is
 * corrupt: this array type says so. (Resolvers of older versions reuse the reader type's `_read`.)
 */
class BoundedArrayType extends ArrayTypeBase {
  _read(this: { readonly itemsType: AvscItemsReader }, tap: AvscTap): unknown[] {
    const items: unknown[] = [];
    let count: number;
    while ((count = tap.readLong()) !== 0) {
      if (count < 0) {
        count = -count;
        tap.skipLong(); // block size in bytes
      }
      if (count > tap.buf.length - tap.pos)
        throw new Error(`array block of ${count} items exceeds the message`);
      for (let i = 0; i < count; i++) items.push(this.itemsType._read(tap));
    }
    return items;
  }
}

/** The paths of `value` that do not match `type`, for error messages. */
function invalidPaths(type: avsc.Type, value: unknown): string {
  const paths: string[] = [];
  type.isValid(value, {
    errorHook: (path: string[], any: unknown) => {
      paths.push(`${path.join('.') || '(record)'} = ${describe(any)}`);
    },
  });
  return paths.length === 0 ? 'not encodable' : `invalid ${paths.join(', ')}`;
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'object':
      return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
    default:
      return typeof value;
  }
}
