import {
  decodeRatedCalls,
  encodeRatedCall,
  FRAME_HEADER_BYTES,
  frameRatedCallBatch,
  type RatedCall,
} from '@cdrate/schemas';
import { RowChunkWriter, type RowChunk } from '../src/chunks.js';
import { DIRECT_RATED_ROWS_ENABLED, writeRatedRowsDirect } from '../src/rated-avro-tsv.js';
import { ratedCallTsvRowMaxBytes, writeRatedCallTsvRow } from '../src/rated-tsv.js';
import { ratedCall } from './fixtures.js';

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

/** What the service's general path does with a message: decode it, write the row of each record that lands. */
function generalRows(value: Uint8Array): { readonly chunk: RowChunk; readonly allLanded: boolean } {
  const writer = new RowChunkWriter(16, 1);
  const decoded = decodeRatedCalls(value);
  if (!decoded.ok) return { chunk: writer.take(), allLanded: false };
  let allLanded = true;
  decoded.value.items.forEach((item, i) => {
    if (!item.ok) {
      allLanded = false;
      return;
    }
    try {
      const out = writer.reserve(ratedCallTsvRowMaxBytes(item.value));
      writer.endRow(writeRatedCallTsvRow(out, writer.length, item.value), 7, i);
    } catch {
      allLanded = false;
    }
  });
  return { chunk: writer.take(), allLanded };
}

/** The direct path on `value` as message 7, after one row already in the writer (kept either way). */
function directRows(value: Uint8Array): RowChunk | undefined {
  const writer = new RowChunkWriter(16, 1);
  const out = writer.reserve(6);
  out.write('first\n', 0, 'latin1');
  writer.endRow(6, 3, 0);
  const written = writeRatedRowsDirect(writer, value, 7);
  const chunk = writer.take();
  // The row before is untouched, and nothing is left behind when the message was not handled.
  expect(chunk.bytes.subarray(0, 6).toString('latin1')).toBe('first\n');
  expect([chunk.ends[0], chunk.messageIndex[0], chunk.itemIndex[0]]).toEqual([6, 3, 0]);
  if (!written) {
    expect(chunk.ends).toHaveLength(1);
    expect(chunk.bytes).toHaveLength(6);
    return undefined;
  }
  return {
    bytes: chunk.bytes.subarray(6),
    ends: chunk.ends.slice(1).map((end) => end - 6),
    messageIndex: chunk.messageIndex.slice(1),
    itemIndex: chunk.itemIndex.slice(1),
  };
}

/** Asserts the direct path wrote exactly the general path's rows, or declined a message the general path does not land whole. */
function expectSameAsGeneral(value: Uint8Array): 'direct' | 'declined' {
  const general = generalRows(value);
  const direct = directRows(value);
  if (direct === undefined) return 'declined';
  expect(general.allLanded).toBe(true);
  expect(direct.bytes.toString('latin1')).toBe(general.chunk.bytes.toString('latin1'));
  expect([...direct.ends]).toEqual([...general.chunk.ends]);
  expect([...direct.messageIndex]).toEqual([...general.chunk.messageIndex]);
  expect([...direct.itemIndex]).toEqual([...general.chunk.itemIndex]);
  return 'direct';
}

const CALL_TYPES = [
  'domestic',
  'internal',
  'domestic_metered',
  'international',
  'inbound_toll_free',
  'inbound',
] as const;

/** UTF-16 code units at the edges of the TabSeparated escapes and of the UTF-8 forms. */
const EDGE_UNITS = [
  0x00, 0x01, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x1f, 0x20, 0x22, 0x5c, 0x7f, 0x80, 0xe9, 0x7ff,
  0x800, 0x2028, 0xd7ff, 0xe000, 0xfeff, 0xfffd, 0xffff,
];

function randomText(next: () => number, maxLength: number): string {
  const length = Math.floor(next() * (maxLength + 1));
  let text = '';
  for (let i = 0; i < length; i++) {
    const pick = next();
    if (pick < 0.6) text += String.fromCharCode(0x20 + Math.floor(next() * 0x5f));
    else if (pick < 0.85) text += String.fromCharCode(EDGE_UNITS[Math.floor(next() * EDGE_UNITS.length)]!);
    else if (pick < 0.9) text += next() < 0.5 ? '😀' : '\u{10ffff}';
    else if (pick < 0.97) text += String.fromCharCode(0xa0 + Math.floor(next() * 0xd700));
    else text += String.fromCharCode(0xe000 + Math.floor(next() * 0x2000));
  }
  // Now and then a lone surrogate.
  return next() < 0.005 ? text + String.fromCharCode(0xd800 + Math.floor(next() * 0x800)) : text;
}

/** Decimals every column accepts … */
const GOOD_DECIMALS = ['0', '1', '10', '0.5', '2.5', '0.000001', '1234567', '0.0123', '1234567.123456'];
/** … and texts the codec lets through for some of the columns, but which some or all of them refuse. */
const EDGE_DECIMALS = [
  '0.00000000001',
  '1234567.12345678901',
  '999999999.999999999',
  '999999999999.999999',
  '123456789012',
  '1.1234567',
  '0.0000001',
  '00',
  '01',
  '007.5',
  '12345678.1',
  '1234567890',
];

/** A rated call with every field varied; now and then a value at or beyond what the row can store. */
function randomCall(next: () => number): RatedCall {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const either = <T>(good: () => T, edge: readonly T[]): T => (next() < 0.99 ? good() : pick(edge));
  const time = () =>
    either(
      () => Math.floor(next() * 4.3e12),
      [0, 999, 1000, 0xffffffff * 1000, 0xffffffff * 1000 + 999, 0xffffffff * 1000 + 1000, 2 ** 47, -1],
    );
  return ratedCall({
    cdr_id: randomText(next, 40),
    account_id: randomText(next, 12),
    call_type: pick(CALL_TYPES),
    billable: next() < 0.5,
    billable_seconds: either(() => Math.floor(next() * 1e6), [0, 63, 64, 8191, 8192, 0xffffffff]),
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
      [0, 1, 10, 100, 999, 1000, 62_050, 999_999_999_999, 1e12, 2 ** 50],
    ),
    reason: next() < 0.5 ? null : randomText(next, 30),
    rated_at: time(),
    rating_version: either(() => Math.floor(next() * 2e12), [0, 2 ** 48 - 1, 2 ** 48, 2 ** 52, 2 ** 53 - 1]),
  });
}

/** A random call the codec encodes (it refuses some of the edges) and its single frame. */
function randomFrame(next: () => number): { readonly call: RatedCall; readonly frame: Buffer } {
  for (;;) {
    const call = randomCall(next);
    try {
      return { call, frame: encodeRatedCall(call) };
    } catch {
      // a value the codec refuses: draw another
    }
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether `call` holds something the direct path does not read though the general path lands it: a
 * number of more than 7 varint bytes (≥ 2^48), or a lone surrogate (which the encoder writes as bytes that
 * are not UTF-8, read back as U+FFFD).
 */
function hasUnreadValue(call: RatedCall): boolean {
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
  return call.rating_version >= 2 ** 48 || strings.some((text) => LONE_SURROGATE.test(text));
}

describe('writeRatedRowsDirect', () => {
  it('is enabled: RatedCall has exactly the one version and the fields it reads', () => {
    expect(DIRECT_RATED_ROWS_ENABLED).toBe(true);
  });

  it('writes the rows of plain calls, single and batch frames, as the general path does', () => {
    const calls = CALL_TYPES.map((callType, i) =>
      ratedCall({
        cdr_id: `cdr-${i}`,
        call_type: callType,
        billable: i % 2 === 0,
        destination_country: i === 1 ? null : 'GB',
        matched_prefix: i === 1 ? null : '4420',
        reason: i % 2 === 0 ? null : 'not billable',
      }),
    );
    const frames = calls.map(encodeRatedCall);
    for (const frame of frames) expect(expectSameAsGeneral(frame)).toBe('direct');
    expect(expectSameAsGeneral(frameRatedCallBatch(frames))).toBe('direct');
    expect(expectSameAsGeneral(frameRatedCallBatch([]))).toBe('direct');
  });

  it('writes the same bytes as the general path for 20,000 generated calls, and declines only what it must', () => {
    const next = random(20261126);
    let direct = 0;
    let landedButDeclined = 0;
    for (let n = 0; n < 2000; n++) {
      const drawn = Array.from({ length: 1 + Math.floor(next() * 19) }, () => randomFrame(next));
      const messages = [
        { value: frameRatedCallBatch(drawn.map(({ frame }) => frame)), calls: drawn.map(({ call }) => call) },
        { value: drawn[0]!.frame, calls: [drawn[0]!.call] },
      ];
      for (const { value, calls } of messages) {
        const outcome = expectSameAsGeneral(value);
        if (outcome === 'direct') direct++;
        else if (generalRows(value).allLanded) {
          // Declined though every record lands: only for what it does not read.
          landedButDeclined++;
          expect(calls.some(hasUnreadValue)).toBe(true);
        }
      }
    }
    // Most generated messages land whole and go the direct way (the edges make the others).
    expect(direct).toBeGreaterThan(2500);
    expect(landedButDeclined).toBeLessThan(800);
  });

  it('writes every UTF-8 length and code point edge as the general path does', () => {
    const texts = [
      '',
      '\u0080',
      '\u07ff',
      '\u0800',
      '\ud7ff',
      '\ue000',
      '\uffff',
      '\u{10000}',
      '\u{10ffff}',
      'é\t\n\r\\\u0000\u000b\u000c',
      'a\\tb',
    ];
    for (const text of texts) {
      const call = ratedCall({ cdr_id: text, source: text, reason: text, destination_country: text });
      expect(expectSameAsGeneral(encodeRatedCall(call))).toBe('direct');
    }
  });

  it('declines strings that are not well-formed UTF-8, which the general path reads as U+FFFD', () => {
    const malformed = [
      [0x80],
      [0xbf],
      [0xc0, 0x80],
      [0xc1, 0xbf],
      [0xc2],
      [0xe0, 0x80, 0x80],
      [0xe0, 0x9f, 0xbf],
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xe1, 0x80],
      [0xf0, 0x80, 0x80, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xff],
      [0xf0, 0x90, 0x80],
    ];
    for (const bytes of malformed) {
      // A cdr_id of as many `~` as there are bytes, then those bytes put in their place.
      const frame = encodeRatedCall(ratedCall({ cdr_id: '~'.repeat(bytes.length) }));
      const at = FRAME_HEADER_BYTES + 1;
      expect(frame.subarray(at, at + bytes.length).toString('latin1')).toBe('~'.repeat(bytes.length));
      frame.set(bytes, at);
      expect(generalRows(frame).allLanded).toBe(true);
      expect(expectSameAsGeneral(frame)).toBe('declined');
      expect(expectSameAsGeneral(frameRatedCallBatch([encodeRatedCall(ratedCall()), frame]))).toBe(
        'declined',
      );
    }
  });

  it('declines values it cannot land as is: the general path then dead-letters exactly those records', () => {
    const refused: Partial<RatedCall>[] = [
      { billable_minutes: '01' },
      { rate: '00' },
      { cost: '00.5' },
      { start_time: 0xffffffff * 1000 + 1000 },
      { end_time: -1 },
      { duration_ms: 1e12 },
    ];
    for (const overrides of refused) {
      const bad = encodeRatedCall(ratedCall(overrides));
      const batch = frameRatedCallBatch([encodeRatedCall(ratedCall()), bad, encodeRatedCall(ratedCall())]);
      expect(generalRows(bad).allLanded).toBe(false);
      expect(expectSameAsGeneral(bad)).toBe('declined');
      expect(expectSameAsGeneral(batch)).toBe('declined');
      expect(generalRows(batch).chunk.ends).toHaveLength(2);
    }
  });

  it('declines other record ids, schema versions and frames, and a boolean byte other than 0 or 1', () => {
    const frame = encodeRatedCall(ratedCall());
    const batch = frameRatedCallBatch([frame, frame]);
    const variants: Buffer[] = [];
    for (const source of [frame, batch]) {
      for (const [index, byte] of [
        [0, 0x7b],
        [1, 2],
        [1, 5],
        [2, 0],
        [2, 2],
      ] as const) {
        const copy = Buffer.from(source);
        copy[index] = byte;
        variants.push(copy);
      }
      variants.push(source.subarray(0, source.length - 1), Buffer.concat([source, Buffer.from([0])]));
    }
    // billable is the byte after cdr_id, account_id and call_type.
    const at = FRAME_HEADER_BYTES + 1 + 'cdr-1'.length + 1 + 'acct-1'.length + 1;
    expect(frame[at]).toBe(1);
    const two = Buffer.from(frame);
    two[at] = 2;
    variants.push(two, Buffer.alloc(0), Buffer.from([0xcd]), Buffer.from('{"cdr_id":"x"}'));
    for (const value of variants) expect(expectSameAsGeneral(value)).toBe('declined');
  });

  it('never writes other bytes than the general path on 10,000 corrupted messages', () => {
    const next = random(4242);
    let direct = 0;
    for (let n = 0; n < 10_000; n++) {
      const frames = Array.from({ length: 1 + Math.floor(next() * 3) }, () => randomFrame(next).frame);
      const source = next() < 0.5 ? frameRatedCallBatch(frames) : frames[0]!;
      let value = Buffer.from(source);
      const edits = 1 + Math.floor(next() * 3);
      for (let e = 0; e < edits; e++) {
        const kind = next();
        const at = Math.floor(next() * value.length);
        if (kind < 0.5) value[at] = Math.floor(next() * 256);
        else if (kind < 0.65) value[at] = value[at]! ^ (1 << Math.floor(next() * 8));
        else if (kind < 0.8) value = value.subarray(0, at);
        else if (kind < 0.9) value = Buffer.concat([value.subarray(0, at), value.subarray(at + 1)]);
        else
          value = Buffer.concat([
            value.subarray(0, at),
            Buffer.from([Math.floor(next() * 256)]),
            value.subarray(at),
          ]);
      }
      if (expectSameAsGeneral(value) === 'direct') direct++;
    }
    // Some corruptions still read as whole calls (a changed character, a changed digit): those are compared too.
    expect(direct).toBeGreaterThan(40);
  });
});
