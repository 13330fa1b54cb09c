import { Buffer } from 'node:buffer';
import avsc from 'avsc';
import {
  createAvroCodec,
  encodeNormalizedCdr,
  encodeRatedCall,
  MAX_CDR_BYTES,
  NORMALIZED_CDR_V1,
  RATED_CALL_V1,
  SCHEMA_HISTORY,
  type NormalizedCdr,
  type RatedCall,
} from '@cdrate/schemas';
import {
  BODY_NOT_PLAIN,
  BODY_TOO_SMALL,
  CALL_TYPE_SYMBOLS,
  DIRECTION_SYMBOLS,
  DISPOSITION_SYMBOLS,
  NUMBER_TYPE_SYMBOLS,
  writeLong,
  writeNormalizedCdrBody,
  writeString,
} from '../src/avro/writer.js';
import { normalizedCdr, ratedCall } from './fixtures.js';
import {
  LONGS,
  random,
  randomLong,
  randomNormalizedCdr,
  randomRatedCall,
  randomText,
  TEXTS,
} from './random-records.js';

// The same records encoded by avsc alone (no hand-written writer): the reference.
const avscNormalizedCdr = createAvroCodec<NormalizedCdr>({
  name: 'NormalizedCdr',
  versions: SCHEMA_HISTORY.NormalizedCdr,
  maxBytes: MAX_CDR_BYTES,
});
const avscRatedCall = createAvroCodec<RatedCall>({
  name: 'RatedCall',
  versions: SCHEMA_HISTORY.RatedCall,
  maxBytes: MAX_CDR_BYTES,
});
const avscLong = avsc.Type.forSchema('long');
const avscString = avsc.Type.forSchema('string');

/** The error `encode` throws, or `undefined`. */
function thrown(encode: () => unknown): unknown {
  try {
    encode();
    return undefined;
  } catch (error) {
    return error instanceof Error ? `${error.constructor.name}: ${error.message}` : error;
  }
}

/** The first of `values` whose two encodings differ, with both (`undefined` when none does). */
function firstDifference<T>(
  values: readonly T[],
  ours: (value: T) => Uint8Array,
  reference: (value: T) => Uint8Array,
): { value: T; ours: number[]; reference: number[] } | undefined {
  for (const value of values) {
    const a = ours(value);
    const b = reference(value);
    if (!Buffer.from(a).equals(b)) return { value, ours: [...a], reference: [...b] };
  }
  return undefined;
}

describe('hand-written Avro writers', () => {
  it('list the enum symbols of the schemas, in order', () => {
    const symbols = (schema: typeof NORMALIZED_CDR_V1, field: string): unknown => {
      let type = schema.fields.find((f) => f.name === field)!.type;
      if (Array.isArray(type)) type = type[1] as typeof type;
      return (type as { symbols: unknown }).symbols;
    };
    expect(symbols(NORMALIZED_CDR_V1, 'direction')).toEqual(DIRECTION_SYMBOLS);
    expect(symbols(NORMALIZED_CDR_V1, 'source_type')).toEqual(NUMBER_TYPE_SYMBOLS);
    expect(symbols(NORMALIZED_CDR_V1, 'disposition')).toEqual(DISPOSITION_SYMBOLS);
    expect(symbols(RATED_CALL_V1, 'call_type')).toEqual(CALL_TYPE_SYMBOLS);
  });

  it('write every long as avsc does, at the 32-bit and float boundaries and beyond', () => {
    const next = random(7);
    const values = [...LONGS, ...Array.from({ length: 20_000 }, () => randomLong(next))];
    const buffer = Buffer.alloc(16);
    const ours = (n: number): Uint8Array => buffer.subarray(0, writeLong(buffer, 0, n));
    expect(firstDifference(values, ours, (n) => avscLong.toBuffer(n))).toBeUndefined();
  });

  it('write every string as avsc does: empty, ASCII, multi-byte, astral and unpaired surrogates', () => {
    const next = random(11);
    const texts = [...TEXTS, ...Array.from({ length: 20_000 }, () => randomText(next))];
    const ours = (text: string): Uint8Array => {
      const buffer = Buffer.alloc(3 * text.length + 8);
      return buffer.subarray(0, writeString(buffer, 0, text));
    };
    expect(firstDifference(texts, ours, (text) => avscString.toBuffer(text))).toBeUndefined();
  });

  it('encode normalised CDRs to avsc bytes exactly', () => {
    const next = random(3);
    const values = [normalizedCdr, ...Array.from({ length: 5_000 }, () => randomNormalizedCdr(next))];
    expect(firstDifference(values, encodeNormalizedCdr, avscNormalizedCdr.encode)).toBeUndefined();
  });

  it('encode rated calls to avsc bytes exactly', () => {
    const next = random(5);
    const values = [ratedCall, ...Array.from({ length: 5_000 }, () => randomRatedCall(next))];
    expect(firstDifference(values, encodeRatedCall, avscRatedCall.encode)).toBeUndefined();
  });

  it('are refused for a record whose latest schema is newer than theirs', () => {
    const create = (): unknown =>
      createAvroCodec<NormalizedCdr>({
        name: 'NormalizedCdr',
        versions: [...SCHEMA_HISTORY.NormalizedCdr, NORMALIZED_CDR_V1],
        maxBytes: MAX_CDR_BYTES,
        writeBody: writeNormalizedCdrBody,
        handWrittenVersion: 1,
      });
    expect(create).toThrow('NormalizedCdr: the hand-written body codec is of v1, the latest schema is v2');
  });

  it('encode a record larger than the shared scratch buffer', () => {
    const value = { ...normalizedCdr, raw_source: 'é'.repeat(40_000), raw_destination: 'z'.repeat(70_000) };
    expect(encodeNormalizedCdr(value)).toEqual(avscNormalizedCdr.encode(value));
  });

  it('say when the buffer is too small and write nothing past it', () => {
    const buffer = Buffer.alloc(64, 0xee);
    expect(writeNormalizedCdrBody(normalizedCdr, buffer.subarray(0, 40), 0)).toBe(BODY_TOO_SMALL);
    expect(buffer.subarray(40).every((byte) => byte === 0xee)).toBe(true);
  });

  it('leave values with missing fields to avsc, which applies the schema defaults', () => {
    const partial = {
      ...normalizedCdr,
      direction: undefined,
      source_type: undefined,
      destination_country: undefined,
    } as unknown as NormalizedCdr;
    expect(writeNormalizedCdrBody(partial, Buffer.alloc(1024), 0)).toBe(BODY_NOT_PLAIN);
    expect(encodeNormalizedCdr(partial)).toEqual(avscNormalizedCdr.encode(partial));
    expect(encodeNormalizedCdr(partial)).toEqual(
      encodeNormalizedCdr({
        ...normalizedCdr,
        direction: null,
        source_type: 'unknown',
        destination_country: null,
      }),
    );
  });

  it('refuse values outside the schema with avsc errors, word for word', () => {
    const badCdrs = [
      { ...normalizedCdr, cdr_id: 42 },
      { ...normalizedCdr, source_type: 'satellite' },
      { ...normalizedCdr, direction: 'sideways' },
      { ...normalizedCdr, destination_country: 7 },
      { ...normalizedCdr, received_at: 1.5 },
      { ...normalizedCdr, received_at: 9007199254740991 },
      { ...normalizedCdr, received_at: '1' },
    ] as unknown as NormalizedCdr[];
    for (const value of badCdrs) {
      const error = thrown(() => encodeNormalizedCdr(value));
      expect(error).toMatch(/^TypeError: NormalizedCdr: /);
      expect(error).toEqual(thrown(() => avscNormalizedCdr.encode(value)));
    }
    const badCalls = [
      { ...ratedCall, billable: 1 },
      { ...ratedCall, billable_seconds: 2 ** 31 },
      { ...ratedCall, call_type: 'local' },
      { ...ratedCall, matched_prefix: 4420 },
      { ...ratedCall, rating_version: 9007199254740991 },
    ] as unknown as RatedCall[];
    for (const value of badCalls) {
      const error = thrown(() => encodeRatedCall(value));
      expect(error).toMatch(/^TypeError: RatedCall: /);
      expect(error).toEqual(thrown(() => avscRatedCall.encode(value)));
    }
  });

  it('leave a symbol avsc finds on its index object to avsc, whatever it makes of it', () => {
    // avsc looks symbols up in a plain object, so `toString` passes its check; ours hands such values over.
    const odd = { ...normalizedCdr, disposition: 'toString' } as unknown as NormalizedCdr;
    expect(writeNormalizedCdrBody(odd, Buffer.alloc(1024), 0)).toBe(BODY_NOT_PLAIN);
    expect(encodeNormalizedCdr(odd)).toEqual(avscNormalizedCdr.encode(odd));
  });
});
