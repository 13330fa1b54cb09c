import { Buffer } from 'node:buffer';
import {
  createAvroCodec,
  decodeNormalizedCdr,
  decodeNormalizedCdrs,
  FRAME_HEADER_BYTES,
  frameNormalizedCdrBatch,
  MAX_CDR_BYTES,
  SCHEMA_HISTORY,
  type DecodeResult,
  type NormalizedCdr,
} from '@cdrate/schemas';
import { readNormalizedCdrBody } from '../src/avro/reader.js';
import { checkNormalizedCdr } from '../src/codecs.js';
import { avroLong, avroString, normalizedCdr } from './fixtures.js';
import { random, randomNormalizedCdr } from './random-records.js';

// avsc alone (no hand-written reader or writer) with the same checks: the reference.
const avscCodec = createAvroCodec<NormalizedCdr>({
  name: 'NormalizedCdr',
  versions: SCHEMA_HISTORY.NormalizedCdr,
  maxBytes: MAX_CDR_BYTES,
  check: checkNormalizedCdr,
});

/** A decode outcome as plain data (avsc returns instances of a generated record class). */
function outcome(result: DecodeResult<NormalizedCdr>): unknown {
  return result.ok ? { ok: true, value: { ...result.value } } : result;
}

/** The first of `frames` that the two decoders read differently, with both outcomes. */
function firstDifference(frames: readonly Buffer[]): unknown {
  for (const frame of frames) {
    const ours = outcome(decodeNormalizedCdr(frame));
    const reference = outcome(avscCodec.decode(frame));
    if (JSON.stringify(ours) !== JSON.stringify(reference)) return { frame: [...frame], ours, reference };
  }
  return undefined;
}

/** `frame` with the body built from `parts` (a hand-made body, possibly beyond what avsc would write). */
function frameOf(parts: readonly (readonly number[])[]): Buffer {
  const header = avscCodec.encode(normalizedCdr).subarray(0, FRAME_HEADER_BYTES);
  return Buffer.concat([header, Buffer.from(parts.flat())]);
}

/** The body of `normalizedCdr` as parts, so that one field can be replaced. */
function bodyParts(
  overrides: { startTime?: readonly number[]; country?: readonly number[] } = {},
): number[][] {
  const cdr = normalizedCdr;
  return [
    avroString(cdr.cdr_id),
    avroString(cdr.account_id),
    [0],
    avroString(cdr.source),
    [4],
    avroString(cdr.destination),
    [2],
    [...(overrides.country ?? [2, ...avroString(cdr.destination_country!)])],
    [...(overrides.startTime ?? avroLong(cdr.start_time))],
    avroLong(cdr.end_time),
    avroLong(cdr.duration_ms),
    [0],
    avroLong(cdr.received_at),
    avroString(cdr.raw_source),
    avroString(cdr.raw_destination),
  ];
}

describe('hand-written NormalizedCdr reader', () => {
  it('reads what avsc reads from 5,000 varied records (non-ASCII, nulls, large and negative times)', () => {
    const next = random(17);
    const frames = [normalizedCdr, ...Array.from({ length: 5_000 }, () => randomNormalizedCdr(next))].map(
      (cdr) => avscCodec.encode(cdr),
    );
    expect(firstDifference(frames)).toBeUndefined();
    // And the hand-written reader read every one whose longs are below 2^52 in magnitude (none left to avsc).
    const inRange = [normalizedCdr, ...Array.from({ length: 2_000 }, () => randomNormalizedCdr(next))]
      .map((cdr) => ({ ...cdr, end_time: 4503599627370495 }))
      .filter((cdr) => [cdr.start_time, cdr.duration_ms, cdr.received_at].every((n) => Math.abs(n) < 2 ** 52))
      .map((cdr) => avscCodec.encode(cdr));
    expect(inRange.length).toBeGreaterThan(1_500);
    expect(
      inRange.find((frame) => readNormalizedCdrBody(frame, FRAME_HEADER_BYTES, frame.length) === undefined),
    ).toBeUndefined();
    expect(firstDifference(inRange)).toBeUndefined();
  });

  it('reads invalid UTF-8 as avsc does (U+FFFD)', () => {
    const parts = bodyParts();
    parts[0] = [6, 0x61, 0xff, 0xc3];
    const frame = frameOf(parts);
    expect(readNormalizedCdrBody(frame, FRAME_HEADER_BYTES, frame.length)?.cdr_id).toBe('a\ufffd\ufffd');
    expect(firstDifference([frame])).toBeUndefined();
  });

  it('gives every truncated, damaged or random body avsc outcome and message', () => {
    const next = random(23);
    const frames: Buffer[] = [];
    for (let i = 0; i < 2_000; i++) {
      const frame = avscCodec.encode(randomNormalizedCdr(next));
      // Cut short anywhere after the header.
      frames.push(
        frame.subarray(0, FRAME_HEADER_BYTES + Math.floor(next() * (frame.length - FRAME_HEADER_BYTES))),
      );
      // One byte replaced.
      const damaged = Buffer.from(frame);
      damaged[FRAME_HEADER_BYTES + Math.floor(next() * (frame.length - FRAME_HEADER_BYTES))] = Math.floor(
        next() * 256,
      );
      frames.push(damaged);
      // Bytes after the record.
      frames.push(Buffer.concat([frame, Buffer.from([Math.floor(next() * 256)])]));
      // Random bytes.
      const garbage = Buffer.from(
        Array.from({ length: Math.floor(next() * 120) }, () => Math.floor(next() * 256)),
      );
      frames.push(Buffer.concat([frame.subarray(0, FRAME_HEADER_BYTES), garbage]));
    }
    expect(firstDifference(frames)).toBeUndefined();
  });

  it('leaves to avsc what it does not read: bad indices, longs beyond the safe range, trailing bytes', () => {
    const cases = [
      bodyParts({ country: [4, 2, 0x41] }), // union index 2
      bodyParts({ country: [1] }), // union index -1
      bodyParts({ startTime: avroLong(9007199254740991) }), // avsc: potential precision loss
      bodyParts({ startTime: avroLong(-9007199254740992) }),
      bodyParts({ startTime: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01] }), // 10-byte varint
      [...bodyParts(), [0]],
    ];
    cases[0]![4] = [18]; // source_type index 9 of 9 symbols
    for (const parts of cases) {
      const frame = frameOf(parts);
      expect(readNormalizedCdrBody(frame, FRAME_HEADER_BYTES, frame.length)).toBeUndefined();
    }
    expect(firstDifference(cases.map(frameOf))).toBeUndefined();
    // Longs up to the largest exact zig-zag value (2^53 − 1) are read; beyond, avsc reads them (it rounds).
    for (const n of [4503599627370495, -4503599627370496]) {
      const edge = frameOf(bodyParts({ startTime: avroLong(n) }));
      expect(readNormalizedCdrBody(edge, FRAME_HEADER_BYTES, edge.length)?.start_time).toBe(n);
      expect(firstDifference([edge])).toBeUndefined();
    }
    for (const n of [4503599627370496, -4503599627370497, 9007199254740990]) {
      const edge = frameOf(bodyParts({ startTime: avroLong(n) }));
      expect(readNormalizedCdrBody(edge, FRAME_HEADER_BYTES, edge.length)).toBeUndefined();
      expect(firstDifference([edge])).toBeUndefined();
    }
  });

  it('reads the items of a batch frame as avsc does', () => {
    const next = random(29);
    const records = Array.from({ length: 50 }, () => randomNormalizedCdr(next));
    const batch = decodeNormalizedCdrs(frameNormalizedCdrBatch(records.map((cdr) => avscCodec.encode(cdr))));
    expect(batch.ok && batch.value.items.map(outcome)).toEqual(
      records.map((cdr) => outcome(avscCodec.decode(avscCodec.encode(cdr)))),
    );
  });
});
