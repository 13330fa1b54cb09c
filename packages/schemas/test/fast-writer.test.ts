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

/** xorshift32 with a fixed seed, so a failure reproduces. */
function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** Texts that exercise every path of `writeString`. */
const TEXTS: readonly string[] = [
  '',
  'a',
  '+15551234567',
  'x'.repeat(63),
  'x'.repeat(64),
  'x'.repeat(65),
  'y'.repeat(300),
  'é',
  'Zürich 044 123 45 67',
  '中文号码',
  '😀 call',
  'é'.repeat(32), // 64 bytes
  'é'.repeat(33), // 66 bytes: Buffer's writer
  '\ud800', // unpaired high surrogate
  '\udc00', // unpaired low surrogate
  'a\ud83dz', // high surrogate followed by a non-surrogate
  '\ud800'.repeat(30), // 90 bytes with unpaired surrogates: Buffer's writer
  '\u0000nul',
  '\u007f\u0080\u07ff\u0800\uffff',
];

function randomText(next: () => number): string {
  if (next() < 0.5) return pick(next, TEXTS);
  const length = Math.floor(next() * 90);
  let text = '';
  for (let i = 0; i < length; i++) {
    const kind = next();
    text += String.fromCharCode(
      kind < 0.8
        ? 0x20 + Math.floor(next() * 0x5f)
        : kind < 0.9
          ? 0x80 + Math.floor(next() * 0x780)
          : Math.floor(next() * 0x10000),
    );
  }
  return text;
}

const LONGS: readonly number[] = (() => {
  const values = [0, 1, -1, 63, -64, 64, -65, 0x3fffffff, -0x40000000, 0x40000000, -0x40000001];
  for (let bits = 1; bits <= 53; bits++) {
    const power = 2 ** bits;
    values.push(power - 1, power, power + 1, -power + 1, -power, -power - 1);
  }
  values.push(9007199254740990, -9007199254740990, Date.UTC(2026, 0, 1), -Date.UTC(2026, 0, 1));
  return values.filter((n) => Math.abs(n) <= 9007199254740990);
})();

function randomLong(next: () => number): number {
  if (next() < 0.3) return pick(next, LONGS);
  const magnitude = Math.floor(next() * 2 ** Math.floor(next() * 53));
  return next() < 0.2 ? -magnitude : magnitude;
}

function randomNormalizedCdr(next: () => number): NormalizedCdr {
  return {
    cdr_id: randomText(next),
    account_id: randomText(next),
    direction: next() < 0.3 ? null : pick(next, DIRECTION_SYMBOLS),
    source: randomText(next),
    source_type: pick(next, NUMBER_TYPE_SYMBOLS),
    destination: randomText(next),
    destination_type: pick(next, NUMBER_TYPE_SYMBOLS),
    destination_country: next() < 0.3 ? null : randomText(next),
    start_time: randomLong(next),
    end_time: 9007199254740990, // never before start_time
    duration_ms: Math.abs(randomLong(next)),
    disposition: pick(next, DISPOSITION_SYMBOLS),
    received_at: randomLong(next),
    raw_source: randomText(next),
    raw_destination: randomText(next),
  };
}

function randomRatedCall(next: () => number): RatedCall {
  const optional = (): string | null => (next() < 0.4 ? null : randomText(next));
  return {
    cdr_id: randomText(next),
    account_id: randomText(next),
    call_type: pick(next, CALL_TYPE_SYMBOLS),
    billable: next() < 0.5,
    billable_seconds: pick(next, [0, 1, 30, 63, 64, 8191, 8192, 2 ** 31 - 1, 4_000_000]),
    billable_minutes: pick(next, ['0', '3', '0.5', '123456789012.123456']),
    rate: pick(next, ['0', '0.125', '123456789.123456789']),
    cost: pick(next, ['0', '0.37500000000', '1234567.12345678901']),
    currency: pick(next, ['USD', 'BRL', 'EUR', '']),
    source: randomText(next),
    destination: randomText(next),
    destination_country: optional(),
    matched_prefix: optional(),
    start_time: randomLong(next),
    end_time: randomLong(next),
    duration_ms: Math.abs(randomLong(next)),
    reason: optional(),
    rated_at: randomLong(next),
    rating_version: Math.abs(randomLong(next)),
  };
}

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
