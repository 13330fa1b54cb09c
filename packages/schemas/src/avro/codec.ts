/**
 * Framed Avro codecs. Every Avro message value this project writes is
 *
 *     0xCD | record id (1 byte) | schema version (1 byte) | Avro binary body
 *
 * so the bytes alone say what they are and which schema wrote them (docs/schemas.md explains why a frame
 * and not only a header). A reader resolves every version it knows to its latest one; a newer version is
 * read with its latest schema, which works because versions only append fields (the unread tail is
 * ignored).
 */
import { Buffer } from 'node:buffer';
import avsc from 'avsc';
import { decodeFailure, decoded, type DecodeResult } from '../result.js';
import type { AvroRecordSchema } from './schemas.js';

/** First byte of every framed Avro value. Not a byte any JSON text starts with. */
export const FRAME_MAGIC = 0xcd;

/** Bytes before the Avro body: magic, record id, schema version. */
export const FRAME_HEADER_BYTES = 3;

/** Record ids of the frame (byte 1). Assigned once, never reused. */
export const RECORD_IDS = { RawCdr: 1, NormalizedCdr: 2, RatedCall: 3, Account: 4 } as const;

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
  encode(value: T): Buffer;
  /** Decodes a framed value of any version. Never throws. */
  decode(bytes: Uint8Array): DecodeResult<T>;
}

export interface AvroCodecOptions<T> {
  readonly name: keyof typeof RECORD_IDS;
  /** Published versions, oldest first. */
  readonly versions: readonly AvroRecordSchema[];
  /** Larger values are refused with `TOO_LARGE` before decoding. */
  readonly maxBytes: number;
  /** Checks beyond the Avro types; returns a message naming the bad field, or `undefined`. */
  readonly check?: (value: T) => string | undefined;
}

/** Builds a codec of one record from its version history. */
export function createAvroCodec<T>(options: AvroCodecOptions<T>): AvroCodec<T> {
  const { name, versions, maxBytes, check } = options;
  const recordId = RECORD_IDS[name];
  const latestVersion = versions.length;
  if (latestVersion < 1 || latestVersion > 255)
    throw new RangeError(`${name}: 1 to 255 versions, not ${latestVersion}`);
  const latest = avroType(versions[latestVersion - 1]!);
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

  function encode(value: T): Buffer {
    const problem = check?.(value);
    if (problem !== undefined) throw new TypeError(`${name}: ${problem}`);
    let body: Buffer;
    try {
      body = latest.toBuffer(value);
    } catch (cause) {
      throw new TypeError(`${name}: ${invalidPaths(latest, value)}`, { cause });
    }
    const framed = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
    framed[0] = FRAME_MAGIC;
    framed[1] = recordId;
    framed[2] = latestVersion;
    body.copy(framed, FRAME_HEADER_BYTES);
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
    let value: unknown;
    let end: number;
    try {
      const result: { value: unknown; offset: number } = latest.decode(
        buffer,
        FRAME_HEADER_BYTES,
        resolverFor(version),
      );
      value = result.value;
      end = result.offset;
    } catch (error) {
      return decodeFailure(
        'CORRUPT',
        `${name} v${version}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (end < 0) return decodeFailure('TRUNCATED', `${name} v${version}: the bytes end inside the record`);
    if (end !== buffer.length && version <= latestVersion) {
      return decodeFailure('CORRUPT', `${name} v${version}: ${buffer.length - end} bytes after the record`);
    }
    const problem = check?.(value as T);
    if (problem !== undefined) return decodeFailure('BAD_FIELD', `${name}: ${problem}`);
    return decoded(value as T);
  }

  return { name, version: latestVersion, encode, decode };
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
