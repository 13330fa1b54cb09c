import {
  createAvroCodec,
  decodeAccount,
  decodeNormalizedCdr,
  decodeRatedCall,
  decodeRawCdr,
  encodeAccount,
  encodeNormalizedCdr,
  encodeRatedCall,
  encodeRawCdr,
  isDecimalString,
  MAX_CDR_BYTES,
  SCHEMA_HISTORY,
  type DecodeResult,
  type RatedCall,
} from '@cdrate/schemas';
import { account, avroLong, avroString, normalizedCdr, ratedCall, rawCdr } from './fixtures.js';

function codeOf<T>(result: DecodeResult<T>): string {
  return result.ok ? 'ok' : result.code;
}

/** A pseudo-random byte generator with a fixed seed, so failures reproduce. */
function randomBytes(length: number, seed: number): Buffer {
  const bytes = Buffer.alloc(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

type Decoder = (bytes: Uint8Array) => DecodeResult<unknown>;

const decoders: readonly (readonly [
  name: 'RawCdr' | 'NormalizedCdr' | 'RatedCall' | 'Account',
  Decoder,
  Buffer,
])[] = [
  ['RawCdr', decodeRawCdr, encodeRawCdr(rawCdr)],
  ['NormalizedCdr', decodeNormalizedCdr, encodeNormalizedCdr(normalizedCdr)],
  ['RatedCall', decodeRatedCall, encodeRatedCall(ratedCall)],
  ['Account', decodeAccount, encodeAccount(account)],
];

describe('Avro codecs', () => {
  it('round-trips every record', () => {
    expect(decodeRawCdr(encodeRawCdr(rawCdr))).toEqual({ ok: true, value: rawCdr });
    expect(decodeNormalizedCdr(encodeNormalizedCdr(normalizedCdr))).toEqual({
      ok: true,
      value: normalizedCdr,
    });
    expect(decodeRatedCall(encodeRatedCall(ratedCall))).toEqual({ ok: true, value: ratedCall });
    expect(decodeAccount(encodeAccount(account))).toEqual({ ok: true, value: account });
  });

  it('round-trips nulls, empty lists and non-ASCII text', () => {
    const minimal = {
      ...rawCdr,
      direction: null,
      duration_sec: null,
      disposition: 'busy',
      source: 'Zoë ☎',
    } as const;
    expect(decodeRawCdr(encodeRawCdr(minimal))).toEqual({ ok: true, value: minimal });
    const unbilled: RatedCall = {
      ...ratedCall,
      call_type: 'internal',
      billable: false,
      billable_seconds: 0,
      billable_minutes: '0',
      rate: '0',
      cost: '0',
      destination: '204',
      destination_country: null,
      matched_prefix: null,
      reason: 'not answered',
    };
    expect(decodeRatedCall(encodeRatedCall(unbilled))).toEqual({ ok: true, value: unbilled });
    const bare = { ...account, numbers: [], toll_free_numbers: [] };
    expect(decodeAccount(encodeAccount(bare))).toEqual({ ok: true, value: bare });
  });

  it('keeps decimal strings exactly as written, trailing zeros included', () => {
    const call = { ...ratedCall, billable_minutes: '0.600000', rate: '0.123456789', cost: '0.07407407340' };
    const result = decodeRatedCall(encodeRatedCall(call));
    expect(result.ok && [result.value.billable_minutes, result.value.rate, result.value.cost]).toEqual([
      '0.600000',
      '0.123456789',
      '0.07407407340',
    ]);
  });

  it('carries the unrounded cost of the rating core: rate (9 dp) × minutes (2 dp), up to 11 decimals', () => {
    // 0.008333333 × 0.01 (a 0.6 s billable increment would be 0.01 min) and a large 7-digit cost
    for (const cost of ['0.00008333333', '0.00833333333', '9999999.99999999999']) {
      const call = { ...ratedCall, rate: '0.008333333', cost };
      expect(decodeRatedCall(encodeRatedCall(call))).toEqual({ ok: true, value: call });
    }
  });

  it('carries durations with milliseconds', () => {
    const raw = { ...rawCdr, duration_sec: 62.5 };
    expect(decodeRawCdr(encodeRawCdr(raw))).toEqual({ ok: true, value: raw });
    const normalized = { ...normalizedCdr, duration_ms: 62_500 };
    expect(decodeNormalizedCdr(encodeNormalizedCdr(normalized))).toEqual({ ok: true, value: normalized });
    const call = { ...ratedCall, duration_ms: 62_501 };
    expect(decodeRatedCall(encodeRatedCall(call))).toEqual({ ok: true, value: call });
    const zero = { ...ratedCall, duration_ms: 0 };
    expect(decodeRatedCall(encodeRatedCall(zero))).toEqual({ ok: true, value: zero });
  });

  it('refuses a duration_ms that is not whole milliseconds ≥ 0', () => {
    for (const duration_ms of [62.5, -1, 2 ** 53, Number.NaN]) {
      expect(() => encodeRatedCall({ ...ratedCall, duration_ms })).toThrow(TypeError);
      expect(() => encodeNormalizedCdr({ ...normalizedCdr, duration_ms })).toThrow(TypeError);
    }
    expect(() => encodeRatedCall({ ...ratedCall, duration_ms: -1 })).toThrow(/duration_ms/);
    expect(() => encodeNormalizedCdr({ ...normalizedCdr, duration_ms: -1 })).toThrow(/duration_ms/);
  });

  it('frames values as magic 0xCD, record id, schema version', () => {
    expect([...encodeRawCdr(rawCdr).subarray(0, 3)]).toEqual([0xcd, 1, 1]);
    expect([...encodeNormalizedCdr(normalizedCdr).subarray(0, 3)]).toEqual([0xcd, 2, 1]);
    expect([...encodeRatedCall(ratedCall).subarray(0, 3)]).toEqual([
      0xcd,
      3,
      SCHEMA_HISTORY.RatedCall.length,
    ]);
    expect([...encodeAccount(account).subarray(0, 3)]).toEqual([0xcd, 4, 1]);
  });

  it('decodes from a Uint8Array view inside a larger buffer', () => {
    const framed = encodeRatedCall(ratedCall);
    const larger = new Uint8Array(framed.length + 10);
    larger.set(framed, 5);
    expect(decodeRatedCall(larger.subarray(5, 5 + framed.length))).toEqual({ ok: true, value: ratedCall });
  });

  it('throws a TypeError naming the field when encoding a value that breaks the schema', () => {
    expect(() => encodeRatedCall({ ...ratedCall, call_type: 'roaming' } as unknown as RatedCall)).toThrow(
      /call_type/,
    );
    expect(() => encodeRatedCall({ ...ratedCall, billable_seconds: 1.5 })).toThrow(TypeError);
    expect(() => encodeRawCdr({ ...rawCdr, cdr_id: 42 } as unknown as typeof rawCdr)).toThrow(/cdr_id/);
  });

  it('refuses to encode decimals that do not fit their ClickHouse column', () => {
    expect(() => encodeRatedCall({ ...ratedCall, cost: '1e-7' })).toThrow(/cost/);
    expect(() => encodeRatedCall({ ...ratedCall, cost: '0.000000000001' })).toThrow(/cost/);
    expect(() => encodeRatedCall({ ...ratedCall, cost: '12345678.1' })).toThrow(/cost/);
    expect(() => encodeRatedCall({ ...ratedCall, rate: '0.0000000001' })).toThrow(/rate/);
    expect(() => encodeRatedCall({ ...ratedCall, rate: '-0.1' })).toThrow(/rate/);
    expect(() => encodeRatedCall({ ...ratedCall, billable_minutes: '0.1666667' })).toThrow(
      /billable_minutes/,
    );
    expect(() => encodeAccount({ ...account, overage_rate: '2 cents' })).toThrow(/overage_rate/);
    expect(() => encodeAccount({ ...account, billing_start_date: '2026-02-30' })).toThrow(
      /billing_start_date/,
    );
  });

  it('refuses a normalised CDR that ends before it starts', () => {
    expect(() => encodeNormalizedCdr({ ...normalizedCdr, end_time: normalizedCdr.start_time - 1 })).toThrow(
      /end_time/,
    );
  });

  it('reports a decimal from a foreign writer that does not fit as BAD_FIELD', () => {
    const unchecked = createAvroCodec<RatedCall>({
      name: 'RatedCall',
      versions: SCHEMA_HISTORY.RatedCall,
      maxBytes: 1e6,
    });
    const result = decodeRatedCall(unchecked.encode({ ...ratedCall, cost: '0.1e3' }));
    expect(result).toEqual({ ok: false, code: 'BAD_FIELD', message: expect.stringContaining('cost') });
    expect(decodeRatedCall(unchecked.encode({ ...ratedCall, duration_ms: -5 }))).toEqual({
      ok: false,
      code: 'BAD_FIELD',
      message: expect.stringContaining('duration_ms'),
    });
  });
});

describe('Avro decoders on bad input', () => {
  it.each(decoders)('%s: every truncation of a valid value is an error value', (_name, decode, framed) => {
    for (let length = 0; length < framed.length; length++) {
      const result = decode(framed.subarray(0, length));
      expect(result.ok).toBe(false);
    }
  });

  it.each(decoders)('%s: trailing bytes after the record are CORRUPT', (_name, decode, framed) => {
    expect(codeOf(decode(Buffer.concat([framed, Buffer.from([0])])))).toBe('CORRUPT');
  });

  it.each(decoders)('%s: a value without the frame is NOT_AVRO', (_name, decode, framed) => {
    expect(codeOf(decode(framed.subarray(3)))).toBe('NOT_AVRO');
    expect(codeOf(decode(Buffer.from('{"cdr_id":"1"}')))).toBe('NOT_AVRO');
    expect(codeOf(decode(Buffer.alloc(0)))).toBe('NOT_AVRO');
  });

  it('names the record of a frame written for another schema', () => {
    expect(decodeRawCdr(encodeRatedCall(ratedCall))).toEqual({
      ok: false,
      code: 'WRONG_SCHEMA',
      message: 'expected RawCdr, got RatedCall',
    });
    expect(codeOf(decodeAccount(Buffer.from([0xcd, 99, 1])))).toBe('WRONG_SCHEMA');
  });

  it('rejects schema version 0', () => {
    const framed = Buffer.from(encodeRatedCall(ratedCall));
    framed[2] = 0;
    expect(codeOf(decodeRatedCall(framed))).toBe('BAD_VERSION');
  });

  it('returns an error value for random garbage behind a valid frame header', () => {
    for (const [name, decode] of decoders) {
      const id = { RawCdr: 1, NormalizedCdr: 2, RatedCall: 3, Account: 4 }[name];
      for (let seed = 1; seed <= 300; seed++) {
        const garbage = Buffer.concat([Buffer.from([0xcd, id, 1]), randomBytes(1 + (seed % 200), seed)]);
        const result = decode(garbage);
        if (result.ok) continue; // random bytes can happen to be a valid record; that is fine
        expect(['TRUNCATED', 'CORRUPT', 'BAD_FIELD']).toContain(result.code);
      }
    }
  });

  it('refuses a 1 MB message without reading it, quickly', () => {
    const huge = Buffer.concat([Buffer.from([0xcd, 3, 1]), randomBytes(1024 * 1024, 7)]);
    const started = process.hrtime.bigint();
    for (const [, decode] of decoders) expect(decode(huge).ok).toBe(false);
    expect(codeOf(decodeRatedCall(huge))).toBe('TOO_LARGE');
    expect(codeOf(decodeRatedCall(huge.subarray(0, MAX_CDR_BYTES + 1)))).toBe('TOO_LARGE');
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });

  it('refuses a 1 MB Account of garbage quickly', () => {
    const huge = Buffer.concat([Buffer.from([0xcd, 4, 1]), randomBytes(1024 * 1024 - 3, 11)]);
    const started = process.hrtime.bigint();
    expect(decodeAccount(huge).ok).toBe(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(200);
  });

  it('does not trust an array block count larger than the message', () => {
    const header = [0xcd, 4, 1, ...avroString('a'), ...avroString('US'), ...avroString('2026-01-01')];
    const claim = (count: number): Buffer =>
      Buffer.from([
        ...header,
        ...avroLong(10),
        ...avroString('0.02'),
        ...avroLong(count),
        ...avroString('+1'),
      ]);
    for (const count of [2 ** 31 - 1, 2 ** 40, -(2 ** 31)]) {
      const started = process.hrtime.bigint();
      expect(codeOf(decodeAccount(claim(count)))).toBe('CORRUPT');
      expect(Number(process.hrtime.bigint() - started) / 1e6).toBeLessThan(50);
    }
    // The same bytes with an honest count decode.
    const honest = Buffer.from([
      ...header,
      ...avroLong(10),
      ...avroString('0.02'),
      ...avroLong(1),
      ...avroString('+1'),
      0,
      0,
      ...avroString('EUR'),
    ]);
    expect(decodeAccount(honest)).toEqual({
      ok: true,
      value: {
        ...account,
        account_id: 'a',
        billing_start_date: '2026-01-01',
        included_minutes: 10,
        toll_free_numbers: ['+1'],
        numbers: [],
        currency: 'EUR',
      },
    });
  });

  it('reports a long that would lose precision as CORRUPT', () => {
    const framed = encodeRatedCall(ratedCall);
    const rv = avroLong(ratedCall.rating_version);
    const body = [...framed.subarray(0, framed.length - rv.length), ...avroLong(2 ** 53).slice(0, -1), 0x7f];
    expect(decodeRatedCall(Buffer.from(body)).ok).toBe(false);
  });
});

describe('isDecimalString', () => {
  it('accepts plain decimals within Decimal(18, scale) and nothing else', () => {
    expect(['0', '12', '0.125', '0.600000', '999999999999.999999'].every((d) => isDecimalString(d, 6))).toBe(
      true,
    );
    expect(
      ['', '.5', '5.', '-1', '+1', '1e3', ' 1', '0.1234567', '1234567890123'].some((d) =>
        isDecimalString(d, 6),
      ),
    ).toBe(false);
    expect(isDecimalString('123456789.123456789', 9)).toBe(true);
    expect(isDecimalString('1234567890.1', 9)).toBe(false);
    expect(isDecimalString('0.0000000001', 9)).toBe(false);
    expect(['0', '0.00833333333', '1234567.12345678901', '1.5'].every((d) => isDecimalString(d, 11))).toBe(
      true,
    );
    expect(
      ['12345678', '0.000000000001', '.5', '1e-11', '-0.1', '1.'].some((d) => isDecimalString(d, 11)),
    ).toBe(false);
  });
});
