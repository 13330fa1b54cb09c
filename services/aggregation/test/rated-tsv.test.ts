import type { RatedCall } from '@cdrate/schemas';
import {
  RATED_CALLS_COLUMNS,
  ratedCallTsvRow,
  ratedCallTsvRowMaxBytes,
  writeRatedCallTsvRow,
  writeTsvString,
} from '../src/rated-tsv.js';
import { durationSecText, ratedCallRow } from '../src/rows.js';
import { ratedCall } from './fixtures.js';

/** A UTF-16 surrogate without its other half. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const LONE_SURROGATES = new RegExp(LONE_SURROGATE.source, 'g');

/** A deterministic pseudo-random generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** UTF-16 code units that exercise every branch of the JSON string writer. */
const EDGE_UNITS = [
  0x00, 0x01, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x1f, 0x20, 0x22, 0x2f, 0x5c, 0x7e, 0x7f, 0x80, 0xe9, 0x7ff,
  0x800, 0x2028, 0x2029, 0xd7ff, 0xd800, 0xdbff, 0xdc00, 0xdfff, 0xe000, 0xfeff, 0xfffd, 0xffff,
];

function randomTextWithSurrogates(next: () => number, maxLength: number): string {
  const length = Math.floor(next() * (maxLength + 1));
  let text = '';
  for (let i = 0; i < length; i++) {
    const pick = next();
    if (pick < 0.5) text += String.fromCharCode(0x20 + Math.floor(next() * 0x5f));
    else if (pick < 0.8) text += String.fromCharCode(EDGE_UNITS[Math.floor(next() * EDGE_UNITS.length)]!);
    else if (pick < 0.9) text += '😀';
    else text += String.fromCharCode(Math.floor(next() * 0x10000));
  }
  return text;
}

/** Decimal texts the columns accept (for at least the widest of them) … */
const GOOD_DECIMALS = ['0', '1', '10', '0.5', '2.5', '0.000001', '0.00000000001', '1234567', '0.0123'];
/** … and texts some or all of them refuse. */
const EDGE_DECIMALS = [
  '00',
  '01',
  '0.',
  '.5',
  '1.',
  '-1',
  '-0',
  '+1',
  '1e3',
  '1E-3',
  ' 1',
  '1 ',
  '1.2.3',
  '٣',
  '１',
  '',
  '0.0000001',
  '123456789012',
  '1234567890123',
  '999999999.999999999',
  '1234567.12345678901',
  '12345678.1',
  '1.123456789012',
  '0.000000000001',
  '9'.repeat(8),
  '9'.repeat(9),
  '9'.repeat(10),
  '0.' + '9'.repeat(9),
  '0.' + '9'.repeat(10),
];

/** A rated call whose fields are mostly storable, each one now and then at or beyond an edge. */
function randomCall(next: () => number): RatedCall {
  // Most strings without lone surrogates (they are refused whatever else the call holds).
  const randomText = (next: () => number, maxLength: number) => {
    const text = randomTextWithSurrogates(next, maxLength);
    return next() < 0.98 ? text.replace(LONE_SURROGATES, '?') : text;
  };
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const either = <T>(good: () => T, edge: readonly T[]): T => (next() < 0.97 ? good() : pick(edge));
  const time = () =>
    either(
      () => Math.floor(next() * 4e12),
      [0, 999, 1000, 0xffffffff * 1000, 0xffffffff * 1000 + 999, 0xffffffff * 1000 + 1000, -1, 0.5],
    );
  return ratedCall({
    cdr_id: randomText(next, 40),
    account_id: randomText(next, 12),
    call_type: either(
      () =>
        pick([
          'domestic',
          'internal',
          'domestic_metered',
          'international',
          'inbound_toll_free',
          'inbound',
        ] as const),
      ['premium' as never, '' as never],
    ),
    billable: next() < 0.5,
    billable_seconds: either(() => Math.floor(next() * 1e6), [0, 0xffffffff, 2 ** 32, 1.5, -1]),
    billable_minutes: either(() => pick(GOOD_DECIMALS), EDGE_DECIMALS),
    rate: either(() => pick(GOOD_DECIMALS), EDGE_DECIMALS),
    cost: either(() => pick(GOOD_DECIMALS), EDGE_DECIMALS),
    currency: randomText(next, 4),
    source: randomText(next, 16),
    destination: randomText(next, 16),
    destination_country: next() < 0.3 ? null : randomText(next, 3),
    matched_prefix: next() < 0.3 ? null : randomText(next, 6),
    start_time: time(),
    end_time: time(),
    duration_ms: either(
      () => Math.floor(next() * 1e7),
      [0, 1, 10, 100, 999, 1000, 62_050, 999_999_999_999, 1e12, 0.5, -1],
    ),
    reason: next() < 0.5 ? null : randomText(next, 30),
    rated_at: time(),
    rating_version: either(() => Math.floor(next() * 2e12), [0, 2 ** 53 - 1, 2 ** 53, -1, 0.5]),
  });
}

/** `text` as a TabSeparated field, by the rule (string replace, not the byte writer). */
const tsvText = (text: string) =>
  text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c]!);
const dateTime = (epochMs: number) => String(Math.floor(epochMs / 1000)).padStart(10, '0');

/**
 * The row by the rules, built from strings: refused when the JSONEachRow serializer refuses the call (it
 * checks the same values) or a string has a lone surrogate.
 */
function referenceRow(call: RatedCall): string | undefined {
  try {
    ratedCallRow(call);
  } catch {
    return undefined;
  }
  const strings = [
    call.cdr_id,
    call.account_id,
    call.currency,
    call.source,
    call.destination,
    call.destination_country ?? '',
    call.matched_prefix ?? '',
    call.reason ?? '',
  ];
  if (strings.some((text) => LONE_SURROGATE.test(text))) return undefined;
  return [
    tsvText(call.cdr_id),
    tsvText(call.account_id),
    call.call_type,
    call.billable ? '1' : '0',
    String(call.billable_seconds),
    call.billable_minutes,
    call.rate,
    call.cost,
    tsvText(call.currency),
    tsvText(call.source),
    tsvText(call.destination),
    tsvText(call.destination_country ?? ''),
    tsvText(call.matched_prefix ?? ''),
    dateTime(call.start_time),
    dateTime(call.end_time),
    String(call.start_time % 1000),
    String(call.end_time % 1000),
    durationSecText(call.duration_ms),
    tsvText(call.reason ?? ''),
    dateTime(call.rated_at),
    String(call.rating_version),
  ].join('\t');
}

describe('ratedCallTsvRow', () => {
  it('writes every column in RATED_CALLS_COLUMNS order: exact decimals, 10-digit unix seconds, ms parts, 0/1', () => {
    expect(RATED_CALLS_COLUMNS).toHaveLength(21);
    expect(ratedCallTsvRow(ratedCall()).split('\t')).toEqual([
      'cdr-1',
      'acct-1',
      'international',
      '1',
      '120',
      '2',
      '0.123456789',
      '1234567.12345678901',
      'USD',
      '+14155550100',
      '+442071838750',
      'GB',
      '4420',
      '1768472430',
      '1768472492',
      '250',
      '750',
      '62.5',
      '',
      '1768472700',
      '1768472700007',
    ]);
  });

  it('stores nulls as empty fields, billable false as 0, and the time edges as 10 digits', () => {
    const fields = ratedCallTsvRow(
      ratedCall({
        billable: false,
        destination_country: null,
        matched_prefix: null,
        reason: 'before billing start',
        start_time: 999,
        end_time: 0xffffffff * 1000,
        duration_ms: 1,
      }),
    ).split('\t');
    expect(fields[3]).toBe('0');
    expect([fields[11], fields[12], fields[18]]).toEqual(['', '', 'before billing start']);
    expect([fields[13], fields[14], fields[15], fields[16], fields[17]]).toEqual([
      '0000000000',
      '4294967295',
      '999',
      '0',
      '0.001',
    ]);
  });

  it('writes integers and times exactly at every digit-count boundary', () => {
    const boundaries = [0, 1, 2 ** 53 - 1, 0xffffffff];
    for (let power = 1; power <= 1e15; power *= 10) boundaries.push(power - 1, power, power + 1);
    for (const value of boundaries) {
      const fields = ratedCallTsvRow(ratedCall({ rating_version: value })).split('\t');
      expect(fields[20]).toBe(String(value));
      if (value <= 0xffffffff) {
        const row = ratedCallTsvRow(ratedCall({ billable_seconds: value, rated_at: value * 1000 }));
        expect(row.split('\t')[4]).toBe(String(value));
        expect(row.split('\t')[19]).toBe(String(value).padStart(10, '0'));
      }
    }
  });

  it('escapes backslash, tab, newline and carriage return and keeps other text as UTF-8', () => {
    const hostile = 'a"b\\c\nd\te\rf\u0000g\u2028h😀i\u007f';
    const row = ratedCallTsvRow(ratedCall({ cdr_id: hostile, reason: '\r' }));
    expect(row.split('\t')[0]).toBe('a"b\\\\c\\nd\\te\\rf\u0000g\u2028h😀i\u007f');
    expect(row.split('\t')[18]).toBe('\\r');
    expect(row.split('\t')).toHaveLength(21);
    expect(row).not.toMatch(/[\n\r]/);
  });

  it('refuses a lone surrogate, which has no UTF-8 form, naming the field', () => {
    expect(() => ratedCallTsvRow(ratedCall({ source: 'x\ud800' }))).toThrow(/source .*lone/);
    expect(() => ratedCallTsvRow(ratedCall({ reason: '\udc00y' }))).toThrow(/reason/);
    expect(() => ratedCallTsvRow(ratedCall({ cdr_id: '\ude00\ud83d' }))).toThrow(TypeError);
    expect(ratedCallTsvRow(ratedCall({ cdr_id: '\ud83d\ude00' })).split('\t')[0]).toBe('😀');
  });

  it('refuses values the columns cannot hold exactly', () => {
    expect(() => ratedCallTsvRow(ratedCall({ cost: '1.123456789012' }))).toThrow(/cost .* Decimal\(18, 11\)/);
    expect(() => ratedCallTsvRow(ratedCall({ cost: '12345678.1' }))).toThrow(/cost/);
    expect(() => ratedCallTsvRow(ratedCall({ rate: '1e-3' }))).toThrow(/rate/);
    expect(() => ratedCallTsvRow(ratedCall({ billable_minutes: '-1' }))).toThrow(/billable_minutes/);
    expect(() => ratedCallTsvRow(ratedCall({ billable_minutes: '01' }))).toThrow(/billable_minutes/);
    expect(() => ratedCallTsvRow(ratedCall({ start_time: -1 }))).toThrow(/start_time/);
    expect(() => ratedCallTsvRow(ratedCall({ end_time: 2 ** 32 * 1000 }))).toThrow(/end_time/);
    expect(() => ratedCallTsvRow(ratedCall({ duration_ms: 1.5 }))).toThrow(/duration_ms/);
    expect(() => ratedCallTsvRow(ratedCall({ call_type: 'premium' as never }))).toThrow(/call_type/);
    expect(() => ratedCallTsvRow(ratedCall({ rating_version: 2 ** 53 }))).toThrow(/rating_version/);
    expect(() => ratedCallTsvRow(ratedCall({ billable_seconds: 2 ** 32 }))).toThrow(/billable_seconds/);
  });
});

describe('writeTsvString', () => {
  it('writes the UTF-8 of the escaped text for every kind of code unit, within 3 bytes per unit', () => {
    const next = random(42);
    const out = Buffer.alloc(3 * 64 + 16, 0xff);
    const failures: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      const text = randomTextWithSurrogates(next, 64);
      out.fill(0xff);
      let written: Buffer | undefined;
      try {
        written = out.subarray(0, writeTsvString(out, 0, 'f', text));
      } catch {
        written = undefined;
      }
      const expected = LONE_SURROGATE.test(text) ? undefined : Buffer.from(tsvText(text), 'utf8');
      const beyond = out.subarray(3 * text.length).some((byte) => byte !== 0xff);
      if (
        (written === undefined) !== (expected === undefined) ||
        (written && !written.equals(expected!)) ||
        beyond
      ) {
        failures.push(JSON.stringify(text));
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
  });
});

describe('writeRatedCallTsvRow', () => {
  it('writes the row by the rules and refuses exactly what the JSONEachRow serializer refuses, plus lone surrogates', () => {
    const next = random(7);
    const failures: unknown[] = [];
    let written = 0;
    let refused = 0;
    for (let i = 0; i < 10_000; i++) {
      const call = randomCall(next);
      const reference = referenceRow(call);
      const expected = reference === undefined ? undefined : Buffer.from(reference + '\n', 'utf8');
      const room = ratedCallTsvRowMaxBytes(call);
      // Filled with a marker so that a write beyond the room shows.
      const out = Buffer.alloc(8 + room + 16, 0xff);
      let actual: Buffer | undefined;
      try {
        actual = out.subarray(8, writeRatedCallTsvRow(out, 8, call));
      } catch (error) {
        if (!(error instanceof TypeError)) failures.push({ call, error });
      }
      if (expected === undefined) refused++;
      else written++;
      const beyond = out.subarray(8 + room).some((byte) => byte !== 0xff);
      if (
        beyond ||
        (actual === undefined) !== (expected === undefined) ||
        (actual && !actual.equals(expected!))
      ) {
        failures.push({ call, expected: expected?.toString(), actual: actual?.toString(), beyond });
      }
    }
    expect(failures.slice(0, 3)).toEqual([]);
    // Both outcomes were exercised, many times.
    expect(written).toBeGreaterThan(2500);
    expect(refused).toBeGreaterThan(1000);
  });

  it('writes at the given offset and leaves the bytes before it alone', () => {
    const out = Buffer.alloc(2048, 0x2a);
    const end = writeRatedCallTsvRow(out, 100, ratedCall());
    expect(out.subarray(0, 100).every((byte) => byte === 0x2a)).toBe(true);
    expect(out.toString('utf8', 100, end)).toBe(ratedCallTsvRow(ratedCall()) + '\n');
  });
});
