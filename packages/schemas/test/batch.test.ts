import {
  createAvroBatchCodec,
  createAvroCodec,
  createNormalizedCdrBatchWriter,
  createRatedCallBatchWriter,
  decodeNormalizedCdrs,
  decodeRatedCalls,
  encodeNormalizedCdr,
  encodeRatedCall,
  frameNormalizedCdrBatch,
  frameRatedCallBatch,
  MAX_BATCH_BYTES,
  RATED_CALL_V1,
  SCHEMA_HISTORY,
  type AvroRecordSchema,
  type DecodeResult,
  type DecodedRecords,
  type NormalizedCdr,
  type RatedCall,
} from '@cdrate/schemas';
import { normalizedCdr, ratedCall } from './fixtures.js';

function records<T>(result: DecodeResult<DecodedRecords<T>>): DecodedRecords<T> {
  if (!result.ok) throw new Error(`expected a decoded message, got ${result.code}: ${result.message}`);
  return result.value;
}

const cdrs: NormalizedCdr[] = [
  normalizedCdr,
  { ...normalizedCdr, cdr_id: 'c-2', duration_ms: 62_500, destination_country: null },
  { ...normalizedCdr, cdr_id: 'c-3', account_id: 'acct-9', direction: null },
];

describe('batch frames', () => {
  it('lays a batch out as 0xCD, batch id, version, then an Avro array of length-prefixed item bodies', () => {
    const frames = cdrs.map(encodeNormalizedCdr);
    const batch = frameNormalizedCdrBatch(frames);
    expect([...batch.subarray(0, 3)]).toEqual([0xcd, 5, 1]);
    // Count 3 → zig-zag 6; each item: its body length (zig-zag, one or two bytes), the body; then 0.
    let at = 3;
    expect(batch[at++]).toBe(6);
    for (const frame of frames) {
      const body = frame.subarray(3);
      const zigzag = body.length * 2;
      const lengthBytes = zigzag < 0x80 ? [zigzag] : [(zigzag & 0x7f) | 0x80, zigzag >> 7];
      expect([...batch.subarray(at, at + lengthBytes.length)]).toEqual(lengthBytes);
      at += lengthBytes.length;
      expect(batch.subarray(at, at + body.length).equals(body)).toBe(true);
      at += body.length;
    }
    expect(batch[at]).toBe(0);
    expect(batch.length).toBe(at + 1);
    expect([...frameRatedCallBatch([encodeRatedCall(ratedCall)]).subarray(0, 3)]).toEqual([
      0xcd,
      6,
      SCHEMA_HISTORY.RatedCall.length,
    ]);
  });

  it('decodes a batch into its records in order, each re-framed byte for byte as its single frame', () => {
    const frames = cdrs.map(encodeNormalizedCdr);
    const decoded = records(decodeNormalizedCdrs(frameNormalizedCdrBatch(frames)));
    expect(decoded.batch).toBe(true);
    expect(decoded.items).toEqual(cdrs.map((value) => ({ ok: true, value })));
    frames.forEach((frame, i) => expect(decoded.frameOf(i).equals(frame)).toBe(true));
  });

  it('reads a single frame as one record whose frame is the message itself', () => {
    const single = encodeRatedCall(ratedCall);
    const decoded = records(decodeRatedCalls(single));
    expect(decoded.batch).toBe(false);
    expect(decoded.items).toEqual([{ ok: true, value: ratedCall }]);
    expect(decoded.frameOf(0)).toBe(single);
  });

  it('decodes an empty batch to no records', () => {
    expect(records(decodeRatedCalls(frameRatedCallBatch([]))).items).toEqual([]);
  });

  it('refuses one record that breaks a field rule (BAD_FIELD) and keeps the others', () => {
    const unchecked = createAvroCodec<RatedCall>({
      name: 'RatedCall',
      versions: SCHEMA_HISTORY.RatedCall,
      maxBytes: 1e6,
    });
    const bad = unchecked.encode({ ...ratedCall, cdr_id: 'bad', cost: '1e-7' });
    const batch = frameRatedCallBatch([encodeRatedCall(ratedCall), bad, encodeRatedCall(ratedCall)]);
    const decoded = records(decodeRatedCalls(batch));
    expect(decoded.items.map((item) => (item.ok ? 'ok' : item.code))).toEqual(['ok', 'BAD_FIELD', 'ok']);
    expect(decoded.items[1]).toEqual({
      ok: false,
      code: 'BAD_FIELD',
      message: expect.stringContaining('cost'),
    });
    expect(decoded.frameOf(1).equals(bad)).toBe(true);
  });

  it('refuses one corrupt or cut-short item body and keeps the others', () => {
    const good = encodeNormalizedCdr(normalizedCdr);
    // A body whose direction union index is 7 (there are 2 branches): corrupt.
    const corrupt = Buffer.from(good);
    const body = corrupt.subarray(3);
    // cdr_id and account_id are length-prefixed strings; the union index follows them.
    const cdrIdEnd = 1 + normalizedCdr.cdr_id.length;
    const accountEnd = cdrIdEnd + 1 + normalizedCdr.account_id.length;
    body[accountEnd] = 14; // zig-zag 7
    const short = good.subarray(0, good.length - 4);
    const decoded = records(decodeNormalizedCdrs(frameNormalizedCdrBatch([good, corrupt, short, good])));
    expect(decoded.items.map((item) => (item.ok ? 'ok' : item.code))).toEqual([
      'ok',
      'CORRUPT',
      'TRUNCATED',
      'ok',
    ]);
  });

  it('fails a whole message whose frame or item list is unreadable, without looping on a huge count', () => {
    const batch = frameNormalizedCdrBatch(cdrs.map(encodeNormalizedCdr));
    const codeOf = (bytes: Uint8Array): string => {
      const result = decodeNormalizedCdrs(bytes);
      return result.ok ? 'ok' : result.code;
    };
    expect(codeOf(batch.subarray(0, batch.length - 1))).toBe('TRUNCATED'); // no closing 0 count
    expect(codeOf(batch.subarray(0, 20))).toBe('TRUNCATED'); // inside an item
    expect(codeOf(Buffer.concat([batch, Buffer.from([0])]))).toBe('CORRUPT'); // bytes after the array
    // A count of 2^40 items in a 9-byte message.
    expect(codeOf(Buffer.from([0xcd, 5, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]))).toBe('CORRUPT');
    expect(codeOf(frameRatedCallBatch([encodeRatedCall(ratedCall)]))).toBe('WRONG_SCHEMA');
    expect(codeOf(encodeRatedCall(ratedCall))).toBe('WRONG_SCHEMA');
    expect(codeOf(Buffer.from('{"cdr_id":"x"}'))).toBe('NOT_AVRO');
    expect(codeOf(Buffer.from([0xcd, 5, 0, 0]))).toBe('BAD_VERSION');
    expect(codeOf(Buffer.from([0xcd, 5]))).toBe('TRUNCATED');
    expect(codeOf(Buffer.alloc(MAX_BATCH_BYTES + 1, 0xcd))).toBe('TOO_LARGE');
  });

  it('reads batches of an older version with the new fields defaulted, and of a newer one as a prefix', () => {
    const v2: AvroRecordSchema = {
      ...RATED_CALL_V1,
      fields: [...RATED_CALL_V1.fields, { name: 'tariff_id', type: 'string', default: 'default' }],
    };
    const v1Only = createAvroBatchCodec<RatedCall>({
      name: 'RatedCall',
      batchName: 'RatedCallBatch',
      versions: [RATED_CALL_V1],
      maxBytes: 1e6,
      maxBatchBytes: 1e6,
    });
    const v1AndV2 = createAvroBatchCodec<RatedCall & { tariff_id: string }>({
      name: 'RatedCall',
      batchName: 'RatedCallBatch',
      versions: [RATED_CALL_V1, v2],
      maxBytes: 1e6,
      maxBatchBytes: 1e6,
    });
    const second = { ...ratedCall, cdr_id: 'c-2' };
    const old = v1Only.frameBatch([v1Only.encode(ratedCall), v1Only.encode(second)]);
    expect(records(v1AndV2.decodeMany(old)).items).toEqual([
      { ok: true, value: { ...ratedCall, tariff_id: 'default' } },
      { ok: true, value: { ...second, tariff_id: 'default' } },
    ]);
    const newer = v1AndV2.frameBatch([
      v1AndV2.encode({ ...ratedCall, tariff_id: 'b' }),
      v1AndV2.encode({ ...second, tariff_id: 'c' }),
    ]);
    expect(newer[2]).toBe(2);
    expect(records(v1Only.decodeMany(newer)).items).toEqual([
      { ok: true, value: ratedCall },
      { ok: true, value: second },
    ]);
  });

  it('refuses to batch anything but single frames of the latest version (a caller bug)', () => {
    expect(() => frameNormalizedCdrBatch([encodeRatedCall(ratedCall)])).toThrow(TypeError);
    expect(() => frameNormalizedCdrBatch([Buffer.from('{}')])).toThrow(/item 0/);
  });
});

describe('batch frame writers', () => {
  it('write the frame frameBatch makes of the same records, and start afresh after each take', () => {
    const writer = createNormalizedCdrBatchWriter();
    for (const cdr of cdrs) writer.append(cdr);
    expect(writer.count).toBe(3);
    const bodies = cdrs.map((cdr) => encodeNormalizedCdr(cdr).length - 3);
    // Each item is its body plus its length as a zig-zag varint: one byte below 64, two below 8192.
    expect(writer.bytes).toBe(bodies.reduce((n, b) => n + b + (2 * b < 0x80 ? 1 : 2), 0));
    expect(writer.take().equals(frameNormalizedCdrBatch(cdrs.map(encodeNormalizedCdr)))).toBe(true);
    expect(writer.count).toBe(0);
    expect(writer.bytes).toBe(0);
    writer.append(cdrs[2]!);
    expect(writer.take().equals(frameNormalizedCdrBatch([encodeNormalizedCdr(cdrs[2]!)]))).toBe(true);
    // Nothing appended: the empty list, as frameBatch([]) writes it.
    expect(writer.take().equals(frameNormalizedCdrBatch([]))).toBe(true);
    const rated = createRatedCallBatchWriter();
    rated.append(ratedCall);
    expect(rated.take().equals(frameRatedCallBatch([encodeRatedCall(ratedCall)]))).toBe(true);
  });

  it('grow past their first 64 KiB, and a taken frame stays as it was while the writer goes on', () => {
    const many = Array.from({ length: 3000 }, (_, i) => ({ ...normalizedCdr, cdr_id: `c-${i}` }));
    const writer = createNormalizedCdrBatchWriter();
    for (const cdr of many.slice(0, 1500)) writer.append(cdr);
    const first = writer.take();
    const copy = Buffer.from(first);
    for (const cdr of many.slice(1500)) writer.append(cdr);
    const second = writer.take();
    expect(second.length).toBeGreaterThan(64 * 1024);
    expect(first.equals(copy)).toBe(true);
    expect(first.equals(frameNormalizedCdrBatch(many.slice(0, 1500).map(encodeNormalizedCdr)))).toBe(true);
    expect(second.equals(frameNormalizedCdrBatch(many.slice(1500).map(encodeNormalizedCdr)))).toBe(true);
    expect(records(decodeNormalizedCdrs(second)).items.map((item) => item.ok && item.value.cdr_id)).toEqual(
      many.slice(1500).map((cdr) => cdr.cdr_id),
    );
  });

  it('append nothing when a record breaks its schema, and throw TypeError as encode does', () => {
    const writer = createNormalizedCdrBatchWriter();
    writer.append(cdrs[0]!);
    const bad = { ...normalizedCdr, end_time: normalizedCdr.start_time - 1 };
    expect(() => encodeNormalizedCdr(bad)).toThrow(TypeError);
    expect(() => writer.append(bad)).toThrow(TypeError);
    expect(() => writer.append({ ...normalizedCdr, cdr_id: 7 } as unknown as NormalizedCdr)).toThrow(
      TypeError,
    );
    expect(writer.count).toBe(1);
    writer.append(cdrs[1]!);
    expect(writer.take().equals(frameNormalizedCdrBatch([cdrs[0]!, cdrs[1]!].map(encodeNormalizedCdr)))).toBe(
      true,
    );
  });
});
