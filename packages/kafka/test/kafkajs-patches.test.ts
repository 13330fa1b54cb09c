import { createRequire } from 'node:module';
import { join } from 'node:path';
import { crc32c, crc32cPortable } from '../src/crc32c.js';
import {
  Batch,
  createDefaultPartitioner,
  createKeyPartitioner,
  createRequest,
  decodeRecordBatch,
  encodeRecord,
  groupMessagesPerPartition,
  decodeRecord,
  kafkajsDecodeRecord,
  kafkajsProduceRequestV3,
  kafkajsRecord,
  murmur2,
  patchedCrc32C,
  produceRequestV3,
} from '../src/kafkajs-patches.js';

const requireHere = createRequire(join(__dirname, '..', 'package.json'));

/**
 * kafkajs modules loaded afresh from their files into a module registry of their own, where no patch was
 * applied: the references every patch is compared against.
 */
function pristine<T>(path: string): T {
  let loaded: unknown;
  jest.isolateModules(() => {
    loaded = createRequire(join(__dirname, '..', 'package.json'))(path);
  });
  return loaded as T;
}

/** A deterministic pseudo-random source (mulberry32: tests repeat exactly). */
function randomSource(seed: number): { int(n: number): number; bytes(n: number): Buffer } {
  let state = seed >>> 0;
  const int = (n: number): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
  return { int, bytes: (n) => Buffer.from(Array.from({ length: n }, () => int(256))) };
}
type Partitioner = (args: {
  topic: string;
  partitionMetadata: { partitionId: number; leader: number }[];
  message: { key?: string | Buffer | null; partition?: number };
}) => number;
// kafkajs's own implementations, loaded from their files (not through the patched module cache entry).
const { DefaultPartitioner } = requireHere('kafkajs/src/producer/partitioners/index.js') as {
  DefaultPartitioner: () => Partitioner;
};

const metadata = (n: number): { partitionId: number; leader: number }[] =>
  Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0 }));

describe('createDefaultPartitioner', () => {
  it('puts every keyed message on the partition of kafkajs DefaultPartitioner (murmur2)', () => {
    const reference = DefaultPartitioner();
    const ours = createDefaultPartitioner();
    for (const partitions of [1, 2, 3, 6, 7, 12, 64]) {
      const partitionMetadata = metadata(partitions);
      for (let i = 0; i < 3000; i++) {
        const key = i % 3 === 0 ? `acct-${i % 700}` : i % 3 === 1 ? `${i * 7919}` : `k\u00e9y-${i}-\u2603`;
        for (const k of [key, key, Buffer.from(key)]) {
          expect(ours({ topic: 't', partitionMetadata, message: { key: k } })).toBe(
            reference({ topic: 't', partitionMetadata, message: { key: k } }),
          );
        }
      }
    }
  });

  it('keeps an explicit partition and spreads keyless messages over partitions with a leader', () => {
    const ours = createDefaultPartitioner();
    const partitionMetadata = [
      { partitionId: 0, leader: 0 },
      { partitionId: 1, leader: -1 },
      { partitionId: 2, leader: 0 },
    ];
    expect(ours({ topic: 't', partitionMetadata, message: { key: 'a', partition: 1 } })).toBe(1);
    const seen = new Set<number>();
    for (let i = 0; i < 10; i++) seen.add(ours({ topic: 't', partitionMetadata, message: { key: null } }));
    expect([...seen].sort()).toEqual([0, 2]);
  });
});

describe('createKeyPartitioner', () => {
  it('gives a string key the partition kafkajs DefaultPartitioner gives a message with that key', () => {
    const reference = DefaultPartitioner();
    const partitionOf = createKeyPartitioner();
    for (const partitions of [1, 2, 6, 7, 64]) {
      const partitionMetadata = metadata(partitions);
      for (let i = 0; i < 2000; i++) {
        const key = i % 2 === 0 ? `acct-${i % 300}` : `k\u00e9y-${i}-\u2603`;
        expect(partitionOf(key, partitions)).toBe(
          reference({ topic: 't', partitionMetadata, message: { key } }),
        );
      }
    }
  });
});

describe('groupMessagesPerPartition', () => {
  it('groups like kafkajs: partition → its messages in send order', () => {
    const partitioner = createDefaultPartitioner();
    const messages = Array.from({ length: 500 }, (_, i) => ({ key: `acct-${i % 37}`, value: `${i}` }));
    const partitionMetadata = metadata(6);
    const grouped = groupMessagesPerPartition({ topic: 't', partitionMetadata, messages, partitioner });
    const expected: Record<number, unknown[]> = {};
    for (const message of messages) {
      const p = partitioner({ topic: 't', partitionMetadata, message });
      (expected[p] ??= []).push(message);
    }
    expect(grouped).toEqual(expected);
    expect(groupMessagesPerPartition({ topic: 't', partitionMetadata: [], messages, partitioner })).toEqual(
      {},
    );
  });
});

describe('encodeRecord', () => {
  // kafkajs's own record encoder, as loaded before the patch replaced its module's exports.
  const reference = kafkajsRecord as unknown as (args: object) => { buffer: Buffer };

  it('is what kafkajs now loads as its record encoder', () => {
    expect(requireHere('kafkajs/src/protocol/recordBatch/record/v0/index.js')).toBe(encodeRecord);
    expect(reference).not.toBe(encodeRecord);
  });

  it('writes exactly the bytes of kafkajs record v0', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const text = (n: number): string =>
      Array.from({ length: n }, () => String.fromCharCode([0x41, 0xe9, 0x2603, 0x30, 0x7a][random(5)]!)).join(
        '',
      );
    const bytes = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => random(256)));
    for (let i = 0; i < 3000; i++) {
      const size = [0, 1, 63, 64, 127, 128, 200, 8191, 8192, 20000][random(10)]!;
      const pick = (): string | Buffer | null | undefined =>
        [null, undefined, text(size % 300), bytes(size)][random(4)];
      const headers: Record<string, string | Buffer | (string | Buffer)[]> = {};
      for (let h = random(4); h > 0; h--)
        headers[text(1 + random(5))] =
          random(3) === 0 ? [text(random(9)), bytes(random(9))] : bytes(random(200));
      const args = {
        offsetDelta: [0, 1, 63, 64, 999, 70000][random(6)],
        timestampDelta: [0, 1, -1, 64, -65, 123456][random(6)],
        key: pick(),
        value: pick(),
        ...(random(5) === 0 ? {} : { headers }),
      };
      expect(encodeRecord(args).buffer).toEqual(reference(args).buffer);
    }
  });

  it('leaves what it does not handle to kafkajs', () => {
    const big = { offsetDelta: 0, timestampDelta: 2 ** 40, key: 'a', value: 'b' };
    expect(encodeRecord(big).buffer).toEqual(reference(big).buffer);
  });
});

describe('produceRequestV3', () => {
  type Request = { apiKey: number; apiVersion: number; encode(): Promise<{ buffer: Buffer }> };
  const encoded = async (request: object): Promise<Buffer> => (await (request as Request).encode()).buffer;

  const pristineProduceV3 = pristine<typeof produceRequestV3>(
    'kafkajs/src/protocol/requests/produce/v3/request.js',
  );

  it('is what kafkajs now loads as its produce request v3', () => {
    expect(requireHere('kafkajs/src/protocol/requests/produce/v3/request.js')).toBe(produceRequestV3);
    expect(kafkajsProduceRequestV3).not.toBe(produceRequestV3);
  });

  it('encodes exactly the bytes of kafkajs produce request v3', async () => {
    const Long = requireHere('kafkajs/src/utils/long.js') as { fromNumber(value: number): unknown };
    const topicData = [
      {
        topic: 'cdr.normalized',
        partitions: [0, 3].map((partition) => ({
          partition,
          firstSequence: 17 * partition,
          messages: Array.from({ length: 50 + partition }, (_, i) => ({
            key: i % 5 === 0 ? null : `acct-${i}`,
            // Every message has a time: without, both would stamp the batch with their own Date.now().
            timestamp: 1764144000000 + ((i * 37) % 1000),
            value: i % 7 === 0 ? `{"i":${i}}` : Buffer.from([0xcd, 2, 1, i & 0xff]),
            ...(i % 3 === 0 ? {} : { headers: { 'content-type': 'avro/binary' } }),
          })),
        })),
      },
      {
        topic: 'cdr.dlq',
        partitions: [
          { partition: 1, firstSequence: 0, messages: [{ key: 'x', value: 'y', timestamp: 1764144000000 }] },
        ],
      },
    ];
    for (const args of [
      { acks: -1, timeout: 30000, topicData },
      { acks: 1, timeout: 5000, producerId: Long.fromNumber(4242), producerEpoch: 3, topicData },
      { acks: -1, timeout: 30000, transactionalId: 'tx-1', compression: 1, topicData },
    ]) {
      const ours = produceRequestV3(args) as Request;
      const theirs = pristineProduceV3(args) as unknown as Request;
      expect([ours.apiKey, ours.apiVersion]).toEqual([theirs.apiKey, theirs.apiVersion]);
      const [a, b] = await Promise.all([encoded(ours), encoded(theirs)]);
      expect(a).toEqual(b);
    }
  });

  it('encodes random requests exactly like kafkajs: any mix of keys, values, headers, times and topics', async () => {
    const random = randomSource(11);
    const text = (n: number): string =>
      Array.from({ length: n }, () => ['a', '\u00e9', '\u2603', '7', '\ud83d\ude00'][random.int(5)]).join('');
    const pick = (): string | Buffer | null | undefined =>
      [null, undefined, text(random.int(40)), random.bytes(random.int(300))][random.int(4)];
    // Messages without a time are stamped with Date.now(): the same clock for both.
    const now = jest.spyOn(Date, 'now').mockReturnValue(1764144000123);
    try {
      for (let round = 0; round < 60; round++) {
        // Messages of a send often share one headers object (the encoder writes it once per request).
        const sharedHeaders = [
          { 'content-type': 'application/json' },
          { a: ['1', '2'], b: random.bytes(3) },
          {},
        ];
        const topicData = Array.from({ length: 1 + random.int(3) }, (_, t) => ({
          topic: `topic-${t}-${text(random.int(4))}`,
          partitions: Array.from({ length: random.int(4) }, (_, partition) => ({
            partition,
            ...(random.int(4) === 0 ? {} : { firstSequence: random.int(100000) }),
            messages: Array.from({ length: random.int(30) }, () => {
              const headers: Record<string, string | Buffer | (string | Buffer)[]> = {};
              for (let h = random.int(4); h > 0; h--)
                headers[text(1 + random.int(6))] = random.int(4) === 0 ? [text(3), random.bytes(5)] : text(9);
              const when = random.int(4);
              const which = random.int(6);
              return {
                key: pick(),
                value: pick() ?? '',
                ...(which === 0 ? {} : which < 3 ? { headers } : { headers: sharedHeaders[which - 3] }),
                ...(when === 0
                  ? {}
                  : when === 1
                    ? { timestamp: String(1764144000000 + random.int(100000)) }
                    : { timestamp: 1764144000000 + random.int(100000) }),
              };
            }),
          })),
        }));
        const args = {
          acks: [-1, 0, 1][random.int(3)]!,
          timeout: random.int(60000),
          ...(random.int(3) === 0 ? { transactionalId: text(random.int(10)) } : {}),
          ...(random.int(2) === 0 ? { producerEpoch: random.int(30000) } : {}),
          topicData,
        };
        const [a, b] = await Promise.all([
          encoded(produceRequestV3(args)),
          encoded(pristineProduceV3(args) as unknown as Request),
        ]);
        expect(a).toEqual(b);
      }
    } finally {
      now.mockRestore();
    }
  });
});

describe('crc32c', () => {
  const reference = pristine<(buffer: Buffer) => number>('kafkajs/src/protocol/recordBatch/crc32C/index.js');

  it('is what kafkajs now loads as the CRC-32C of its record batches', () => {
    expect(requireHere('kafkajs/src/protocol/recordBatch/crc32C/index.js')).toBe(patchedCrc32C);
  });

  it('gives the checksum of kafkajs for every length and alignment', () => {
    const random = randomSource(3);
    const backing = random.bytes(4096 + 64);
    for (let length = 0; length <= 300; length++) {
      for (let align = 0; align < 8; align++) {
        const bytes = backing.subarray(align + length, align + 2 * length);
        const expected = reference(bytes);
        expect(patchedCrc32C(bytes)).toBe(expected);
        expect(crc32c(bytes)).toBe(expected);
        expect(crc32cPortable(bytes)).toBe(expected);
        // A range of a larger buffer, as the produce request takes it in place.
        expect(crc32c(backing, align + length, align + 2 * length)).toBe(expected);
        expect(crc32cPortable(backing, align + length, align + 2 * length)).toBe(expected);
      }
    }
    for (const length of [1000, 4095, 4096, 65537, 1 << 20]) {
      const bytes = random.bytes(length);
      expect(crc32c(bytes)).toBe(reference(bytes));
      expect(crc32c(bytes.subarray(3))).toBe(reference(bytes.subarray(3)));
    }
    // The check value of CRC-32C ("123456789").
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });
});

describe('murmur2', () => {
  const reference = pristine<(key: Buffer | string) => number>(
    'kafkajs/src/producer/partitioners/default/murmur2.js',
  );

  it('hashes every key like kafkajs: bytes of any length, ASCII, non-ASCII and lone surrogates', () => {
    const random = randomSource(5);
    for (let length = 0; length < 64; length++) {
      for (let round = 0; round < 20; round++) {
        const bytes = random.bytes(length);
        expect(murmur2(bytes)).toBe(reference(bytes));
        const text = Array.from({ length }, () =>
          String.fromCharCode([0x41 + random.int(26), 0x7f, 0xe9, 0x2603, 0xd83d, 0xde00][random.int(6)]!),
        ).join('');
        expect(murmur2(text)).toBe(reference(text));
        const ascii = Array.from({ length }, () => String.fromCharCode(random.int(128))).join('');
        expect(murmur2(ascii)).toBe(reference(ascii));
      }
    }
  });
});

describe('createRequest', () => {
  const reference = pristine<typeof createRequest>('kafkajs/src/protocol/request.js');
  const Encoder = requireHere('kafkajs/src/protocol/encoder.js') as new () => {
    writeBuffer(buffer: Buffer): unknown;
  };

  it('is what kafkajs now loads to frame its requests', () => {
    expect(requireHere('kafkajs/src/protocol/request.js')).toBe(createRequest);
  });

  it('frames every request exactly like kafkajs', async () => {
    const random = randomSource(9);
    for (const clientId of [null, '', 'cdrate-rating', 'cli\u00e9nt-\u2603']) {
      for (const length of [0, 1, 511, 512, 513, 70000]) {
        const body = random.bytes(length);
        const request = {
          apiKey: random.int(70),
          apiVersion: random.int(12),
          encode: () => Promise.resolve(new Encoder().writeBuffer(body)),
        } as never;
        const correlationId = random.int(0x7fffffff);
        const ours = await createRequest({ correlationId, clientId, request });
        const theirs = await reference({ correlationId, clientId, request });
        expect(ours.buffer).toEqual(theirs.buffer);
        expect(ours.offset).toBe(theirs.offset);
      }
    }
  });

  it('refuses a body that is not an Encoder like kafkajs', async () => {
    const request = { apiKey: 0, apiVersion: 3, encode: () => Promise.resolve({}) } as never;
    await expect(createRequest({ correlationId: 1, clientId: 'c', request })).rejects.toThrow(
      'value should be an instance of Encoder',
    );
    await expect(reference({ correlationId: 1, clientId: 'c', request })).rejects.toThrow(
      'value should be an instance of Encoder',
    );
  });
});

describe('decodeRecord', () => {
  const Decoder = requireHere('kafkajs/src/protocol/decoder.js') as new (buffer: Buffer) => {
    readVarInt(): number;
  };
  /** A decoder past the record's length prefix, where kafkajs's batch decoder hands it over. */
  const at = (bytes: Buffer): never => {
    const decoder = new Decoder(bytes);
    decoder.readVarInt();
    return decoder as never;
  };
  const Long = requireHere('kafkajs/src/utils/long.js') as { fromNumber(value: number): unknown };

  it('is what kafkajs now loads as its record decoder', () => {
    expect(requireHere('kafkajs/src/protocol/recordBatch/record/v0/decoder.js')).toBe(decodeRecord);
    expect(kafkajsDecodeRecord).not.toBe(decodeRecord);
  });

  it('decodes every record exactly like kafkajs, repeated and odd header names included', () => {
    const headerSets: Record<string, string | Buffer | (string | Buffer)[]>[] = [
      {},
      { 'content-type': 'avro/binary' },
      { a: ['1', Buffer.from('2'), '3'], b: Buffer.alloc(0) },
      { toString: 'x', constructor: ['y', 'z'] },
      JSON.parse('{"__proto__": "p", "k": "v"}') as Record<string, string>,
    ];
    for (const [i, headers] of headerSets.entries()) {
      for (const key of [null, 'acct-1', Buffer.from([0xff])]) {
        const bytes = encodeRecord({
          offsetDelta: i,
          timestampDelta: i * 3,
          key,
          value: `v${i}`,
          headers,
        }).buffer;
        for (const context of [
          {
            firstOffset: '1000',
            firstTimestamp: Long.fromNumber(1764144000000),
            magicByte: 2,
            timestampType: 0,
          },
          {
            firstOffset: Long.fromNumber(7),
            firstTimestamp: '1764144000000',
            magicByte: 2,
            timestampType: 1,
            maxTimestamp: '1764144000999',
          },
        ]) {
          const ours = decodeRecord(at(bytes), context);
          const theirs = kafkajsDecodeRecord(at(bytes), context);
          expect(ours).toEqual(theirs);
          expect(Object.keys((ours as { headers: object }).headers)).toEqual(
            Object.keys((theirs as { headers: object }).headers),
          );
        }
      }
    }
  });
});

describe('decodeRecordBatch', () => {
  type Decoder = { buffer: Buffer; offset: number; canReadBytes(n: number): boolean };
  const PristineDecoder = pristine<new (buffer: Buffer) => Decoder>('kafkajs/src/protocol/decoder.js');
  const reference = pristine<(decoder: Decoder) => Promise<object>>(
    'kafkajs/src/protocol/recordBatch/v0/decoder.js',
  );
  const { RecordBatch } = pristine<{
    RecordBatch: (args: object) => Promise<{ buffer: Buffer }>;
  }>('kafkajs/src/protocol/recordBatch/v0/index.js');
  const Record = pristine<(args: object) => object>('kafkajs/src/protocol/recordBatch/record/v0/index.js');
  const Long = pristine<{ fromString(text: string): unknown }>('kafkajs/src/utils/long.js');

  /** What kafkajs's fetch response decoder does with the record batches of one partition. */
  async function decodeAll(
    decode: (decoder: Decoder) => Promise<object>,
    bytes: Buffer,
  ): Promise<{ batches: object[]; offset: number } | { error: string }> {
    const decoder = new PristineDecoder(bytes);
    const batches: object[] = [];
    try {
      while (decoder.canReadBytes(49)) batches.push(await decode(decoder));
    } catch (error) {
      const { name, message } = error as Error;
      if (name !== 'KafkaJSPartialMessageError') return { error: `${name}: ${message}` };
    }
    return { batches, offset: decoder.offset };
  }

  async function expectSameAsKafkajs(bytes: Buffer): Promise<void> {
    const ours = await decodeAll(decodeRecordBatch, bytes);
    const theirs = await decodeAll(reference, bytes);
    expect(ours).toEqual(theirs);
    if ('batches' in ours && 'batches' in theirs) {
      ours.batches.forEach((batch, i) => {
        const other = theirs.batches[i] as { records: object[] };
        expect(Object.keys(batch)).toEqual(Object.keys(other));
        const records = (batch as { records: object[] }).records;
        records.forEach((record, r) => {
          expect(Object.keys(record)).toEqual(Object.keys(other.records[r]!));
          expect(Object.keys((record as { headers: object }).headers)).toEqual(
            Object.keys((other.records[r] as { headers: object }).headers),
          );
        });
      });
    }
  }

  const random = randomSource(17);
  const text = (n: number): string =>
    Array.from({ length: n }, () => ['a', '\u00e9', '\u2603', '7'][random.int(4)]).join('');

  /** One record batch as a broker returns it: base offset, length, then the batch kafkajs produces. */
  async function batch(options: {
    firstOffset?: string;
    firstTimestamp?: string;
    count?: number;
    timestampDeltas?: readonly number[];
    transactional?: boolean;
    compression?: number;
    attributes?: number;
  }): Promise<Buffer> {
    const count = options.count ?? 1 + random.int(20);
    const records = Array.from({ length: count }, (_, i) => {
      const headers: Record<string, string | Buffer | (string | Buffer)[]> = {};
      for (let h = random.int(4); h > 0; h--)
        headers[['content-type', 'a', text(1 + random.int(3)), 'toString', '__proto__'][random.int(5)]!] =
          random.int(3) === 0 ? [text(2), random.bytes(3)] : random.bytes(random.int(20));
      return Record({
        offsetDelta: i,
        timestampDelta:
          options.timestampDeltas?.[i % options.timestampDeltas.length] ?? random.int(5000) - 100,
        key: [null, `acct-${random.int(100)}`, random.bytes(random.int(8))][random.int(3)],
        value: [null, Buffer.alloc(0), random.bytes(random.int(400)), text(random.int(50))][random.int(4)],
        headers,
      });
    });
    const encoded = await RecordBatch({
      compression: options.compression ?? 0,
      records,
      firstOffset: Long.fromString(options.firstOffset ?? String(random.int(1000000))),
      firstTimestamp: Long.fromString(options.firstTimestamp ?? '1764144000000'),
      maxTimestamp: Long.fromString('1764144009999'),
      producerId: Long.fromString(String(random.int(100000))),
      producerEpoch: random.int(10),
      firstSequence: random.int(1000),
      transactional: options.transactional ?? false,
      lastOffsetDelta: count - 1,
    });
    const bytes = Buffer.from(encoded.buffer);
    if (options.attributes !== undefined) bytes.writeInt16BE(bytes.readInt16BE(21) | options.attributes, 21);
    return bytes;
  }

  it('is what kafkajs now loads to decode record batches', () => {
    expect(requireHere('kafkajs/src/protocol/recordBatch/v0/decoder.js')).toBe(decodeRecordBatch);
  });

  it('decodes fetched record batches exactly like kafkajs', async () => {
    for (let round = 0; round < 30; round++) {
      const batches = await Promise.all(Array.from({ length: 1 + random.int(4) }, () => batch({})));
      await expectSameAsKafkajs(Buffer.concat(batches));
    }
  });

  it('gives the offsets and timestamps kafkajs gives, beyond 2^53 and negative included', async () => {
    for (const firstOffset of [
      '0',
      '9007199254740000',
      '9007199254740991',
      '9007199254740993',
      '9223372036854775000',
    ]) {
      for (const firstTimestamp of [
        '-1',
        '0',
        '1764144000000',
        '9007199254740900',
        '9007199254740993',
        '9223372036854770000',
      ]) {
        // Up to ±2^47 the decoder handles the deltas itself; 2^50 takes a longer varlong than it reads.
        for (const timestampDeltas of [
          [0, 1, -1, 2000, -(2 ** 29), 2 ** 29, 2 ** 40, -(2 ** 47), 2 ** 47 - 1],
          [0, 2 ** 50],
        ])
          await expectSameAsKafkajs(await batch({ firstOffset, firstTimestamp, count: 20, timestampDeltas }));
      }
    }
  });

  it('decodes log-append-time, transactional and control batches like kafkajs', async () => {
    await expectSameAsKafkajs(await batch({ attributes: 0x08 }));
    await expectSameAsKafkajs(await batch({ transactional: true }));
    await expectSameAsKafkajs(await batch({ transactional: true, attributes: 0x20 }));
  });

  it('leaves compressed batches to kafkajs', async () => {
    await expectSameAsKafkajs(
      Buffer.concat([await batch({}), await batch({ compression: 1 }), await batch({})]),
    );
  });

  it('stops at a partial batch at the end of the fetch like kafkajs', async () => {
    const whole = Buffer.concat([await batch({ count: 5 }), await batch({ count: 5 })]);
    for (let cut = 1; cut < 200; cut += 7) await expectSameAsKafkajs(whole.subarray(0, whole.length - cut));
  });

  it('gives what kafkajs gives (or throws what it throws) for damaged batches', async () => {
    const whole = Buffer.concat([await batch({ count: 8 }), await batch({ count: 8 })]);
    for (let round = 0; round < 800; round++) {
      const damaged = Buffer.from(whole);
      for (let n = 1 + random.int(3); n > 0; n--) {
        // Mostly in the records (after the 61-byte batch header), sometimes anywhere.
        const at = random.int(4) === 0 ? random.int(damaged.length) : 61 + random.int(damaged.length - 61);
        damaged[at] = random.int(3) === 0 ? 0xff : random.int(256);
      }
      await expectSameAsKafkajs(damaged);
    }
  });
});

describe('Batch', () => {
  const Reference = pristine<new (topic: string, fetchedOffset: unknown, data: object) => object>(
    'kafkajs/src/consumer/batch.js',
  );
  const methods = [
    'isEmpty',
    'isEmptyIncludingFiltered',
    'isEmptyDueToFiltering',
    'isEmptyControlRecord',
    'isEmptyDueToLogCompactedMessages',
    'firstOffset',
    'lastOffset',
    'offsetLag',
    'offsetLagLow',
  ] as const;
  type Message = { offset: string; key: Buffer | null; isControlRecord: boolean; batchContext: object };
  const message = (offset: string, extra: Partial<Message> = {}): Message => ({
    offset,
    key: null,
    isControlRecord: false,
    batchContext: { producerId: '7', inTransaction: false },
    ...extra,
  });

  it('is what kafkajs now loads as its fetched batch', () => {
    expect(requireHere('kafkajs/src/consumer/batch.js')).toBe(Batch);
  });

  it('keeps and filters the messages of a fetch exactly like kafkajs, with the same answers', () => {
    const offsets = [
      '0',
      '1',
      '2',
      '9007199254740991',
      '9007199254740992',
      '9007199254740993',
      '18446744073709551615',
    ];
    const partitions = [
      [],
      offsets.map((o) => message(o)),
      [message('5'), message('6', { isControlRecord: true }), message('7')],
      [message('3', { isControlRecord: true })],
      [
        message('10', { batchContext: { producerId: '1', inTransaction: true } }),
        message('11', { batchContext: { producerId: '1', inTransaction: true } }),
        message('12', {
          key: Buffer.from([0, 0, 0, 0]),
          batchContext: { producerId: '1', inTransaction: true },
        }),
        message('13'),
      ],
    ];
    const fetchedOffsets: unknown[] = [
      '0',
      '2',
      '6',
      '11',
      '9007199254740992',
      '9007199254740993',
      5,
      2 ** 60,
      '-1',
    ];
    for (const messages of partitions) {
      for (const fetchedOffset of fetchedOffsets) {
        for (const abortedTransactions of [[], [{ producerId: '1', firstOffset: '10' }]]) {
          const data = { partition: 3, highWatermark: '20', messages, abortedTransactions };
          const ours = new Batch('t', fetchedOffset, data) as unknown as Record<string, () => unknown>;
          const theirs = new Reference('t', fetchedOffset, data) as unknown as Record<string, () => unknown>;
          expect(Object.keys(ours)).toEqual(Object.keys(theirs));
          expect({ ...ours }).toEqual({ ...theirs });
          for (const method of methods)
            expect([method, ours[method]!()]).toEqual([method, theirs[method]!()]);
        }
      }
    }
  });
});
