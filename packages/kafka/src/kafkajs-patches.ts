// Performance fixes to kafkajs 2.2.4 internals (no releases since; the version is pinned). Imported by
// `kafkajs.ts` before kafkajs itself, so kafkajs's own modules pick up the patched exports when they load.
import { createRequire } from 'node:module';
import { crc32c } from './crc32c.js';

const require = createRequire(import.meta.url);

/** kafkajs's `Encoder` class; patched encoders return one of these over exactly the bytes they wrote. */
const Encoder = require('kafkajs/src/protocol/encoder.js') as { prototype: object };

interface EncoderLike {
  buf: Buffer;
  offset: number;
  /** kafkajs `Encoder#buffer`: the bytes written. */
  readonly buffer: Buffer;
}

/** A real kafkajs `Encoder` (its methods and `buffer` getter) whose bytes are `buf[0, offset)`. */
function encoderOver(buf: Buffer, offset = buf.length): EncoderLike {
  const encoder = Object.create(Encoder.prototype) as { buf: Buffer; offset: number };
  encoder.buf = buf;
  encoder.offset = offset;
  return encoder as EncoderLike;
}

// Before anything loads kafkajs's record batch encoder, which keeps the CRC function it loads.
const crc32CPath = require.resolve('kafkajs/src/protocol/recordBatch/crc32C/index.js');
require(crc32CPath);
/**
 * kafkajs's `protocol/recordBatch/crc32C`, the same checksum 16 bytes per step instead of one: kafkajs runs a
 * byte-at-a-time table loop in JavaScript over every record batch it produces (~0.6 s of the rating service's
 * CPU per million records).
 */
export const patchedCrc32C = (buffer: Buffer): number => crc32c(buffer);
const cachedCrc32C = require.cache[crc32CPath];
if (cachedCrc32C !== undefined) cachedCrc32C.exports = patchedCrc32C;

interface RequestEncoder {
  readonly apiKey: number;
  readonly apiVersion: number;
  readonly encode: () => Promise<EncoderLike> | EncoderLike;
}

/**
 * kafkajs's `protocol/request` (a request's size and header in front of its encoded body), the same bytes
 * in one exactly sized buffer with one copy of the body: kafkajs copies the body twice (header and body,
 * then size and all that), each time into a new zero-filled buffer rounded up to a power of two.
 */
export async function createRequest({
  correlationId,
  clientId,
  request: { apiKey, apiVersion, encode },
}: {
  correlationId: number;
  clientId: string | null;
  request: RequestEncoder;
}): Promise<EncoderLike> {
  const payload = await encode();
  if (payload == null || !Buffer.isBuffer(payload.buf))
    throw new Error('value should be an instance of Encoder');
  const body = payload.buffer;
  const clientIdLength = clientId == null ? -1 : Buffer.byteLength(clientId, 'utf8');
  const size = 10 + Math.max(clientIdLength, 0) + body.length;
  const buf = Buffer.allocUnsafe(4 + size);
  buf.writeInt32BE(size, 0);
  buf.writeInt16BE(apiKey, 4);
  buf.writeInt16BE(apiVersion, 6);
  buf.writeInt32BE(correlationId, 8);
  buf.writeInt16BE(clientIdLength, 12);
  if (clientIdLength > 0) buf.write(clientId as string, 14, clientIdLength, 'utf8');
  body.copy(buf, 14 + Math.max(clientIdLength, 0));
  return encoderOver(buf);
}

const requestPath = require.resolve('kafkajs/src/protocol/request.js');
require(requestPath);
const cachedRequest = require.cache[requestPath];
if (cachedRequest !== undefined) cachedRequest.exports = createRequest;

interface PartitionerArgs {
  readonly topic: string;
  readonly partitionMetadata: readonly { readonly partitionId: number; readonly leader: number }[];
  readonly message: { readonly key?: Buffer | string | null; readonly partition?: number | null };
}

interface GroupArgs<M extends PartitionerArgs['message']> {
  readonly topic: string;
  readonly partitionMetadata: PartitionerArgs['partitionMetadata'];
  readonly messages: readonly M[];
  readonly partitioner: (args: PartitionerArgs) => number;
}

/**
 * kafkajs's `producer/groupMessagesPerPartition` copies the partition's array for every message
 * (`[...current, message]`): quadratic in the messages per partition of one send, ~8 % of the rating
 * service's CPU with 1000-message batches. Same result, linear: partition → its messages in send order.
 */
export function groupMessagesPerPartition<M extends PartitionerArgs['message']>({
  topic,
  partitionMetadata,
  messages,
  partitioner,
}: GroupArgs<M>): Record<number, M[]> {
  const result: Record<number, M[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition];
    if (current === undefined) result[partition] = [message];
    else current.push(message);
  }
  return result;
}

const groupPath = require.resolve('kafkajs/src/producer/groupMessagesPerPartition.js');
require(groupPath);
const cached = require.cache[groupPath];
if (cached !== undefined) cached.exports = groupMessagesPerPartition;

type Murmur2 = (key: Buffer | string) => number;
/** kafkajs's murmur2 (on `Long` objects, ~1 µs per key here), for keys other than strings and Buffers. */
export const kafkajsMurmur2 = require('kafkajs/src/producer/partitioners/default/murmur2.js') as Murmur2;

const MURMUR2_SEED = 0x9747b28c;
const MURMUR2_M = 0x5bd1e995;

/** The last steps of murmur2 after the whole 4-byte words of the key. */
function murmur2Finish(h: number, tail: number, b0: number, b1: number, b2: number): number {
  if (tail > 0) {
    if (tail === 3) h ^= b2 << 16;
    if (tail >= 2) h ^= b1 << 8;
    h = Math.imul(h ^ b0, MURMUR2_M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, MURMUR2_M);
  return h ^ (h >>> 15);
}

/**
 * kafkajs's (and Java's) murmur2 of a key's bytes (a string as UTF-8), the same signed 32-bit result in 32-bit
 * integer arithmetic: kafkajs computes it on 64-bit `Long` (BigInt) objects, of which only the low 32 bits
 * ever reach the result (multiplication and xor carry nothing down), at ~1.4 µs per 10-byte key here.
 */
export function murmur2(key: Buffer | string): number {
  if (typeof key === 'string') {
    for (let i = 0; i < key.length; i++) {
      if (key.charCodeAt(i) >= 0x80) return murmur2(Buffer.from(key, 'utf8'));
    }
    // ASCII: the UTF-8 bytes are the char codes.
    const length = key.length;
    let h = MURMUR2_SEED ^ length;
    const words = length & ~3;
    for (let i = 0; i < words; i += 4) {
      let k =
        key.charCodeAt(i) |
        (key.charCodeAt(i + 1) << 8) |
        (key.charCodeAt(i + 2) << 16) |
        (key.charCodeAt(i + 3) << 24);
      k = Math.imul(k, MURMUR2_M);
      k = Math.imul(k ^ (k >>> 24), MURMUR2_M);
      h = Math.imul(h, MURMUR2_M) ^ k;
    }
    const tail = length & 3;
    return murmur2Finish(
      h,
      tail,
      tail > 0 ? key.charCodeAt(words) : 0,
      tail > 1 ? key.charCodeAt(words + 1) : 0,
      tail > 2 ? key.charCodeAt(words + 2) : 0,
    );
  }
  if (!Buffer.isBuffer(key)) return kafkajsMurmur2(key);
  const length = key.length;
  let h = MURMUR2_SEED ^ length;
  const words = length & ~3;
  for (let i = 0; i < words; i += 4) {
    let k = key[i]! | (key[i + 1]! << 8) | (key[i + 2]! << 16) | (key[i + 3]! << 24);
    k = Math.imul(k, MURMUR2_M);
    k = Math.imul(k ^ (k >>> 24), MURMUR2_M);
    h = Math.imul(h, MURMUR2_M) ^ k;
  }
  const tail = length & 3;
  return murmur2Finish(
    h,
    tail,
    tail > 0 ? key[words]! : 0,
    tail > 1 ? key[words + 1]! : 0,
    tail > 2 ? key[words + 2]! : 0,
  );
}

/**
 * The partition kafkajs's `DefaultPartitioner` (and Java's) gives a message with this string key:
 * `toPositive(murmur2(key)) % partitions`. For producers that address partitions themselves (one message
 * carrying many keyed records) and must put each key where a keyed message would go. (Hashing a 10-character
 * key takes ~45 ns here, no more than looking it up in a map of remembered hashes, which took up to ~80 ns
 * for keys just decoded into new strings.)
 */
export function createKeyPartitioner(): (key: string, partitions: number) => number {
  return (key, partitions) => (murmur2(key) & 0x7fffffff) % partitions;
}

/**
 * kafkajs's `DefaultPartitioner` (Java's murmur2 partitioner: keyed messages go to
 * `toPositive(murmur2(key)) % partitions`, the others round-robin over partitions with a leader), giving
 * the same partitions with {@link murmur2} in 32-bit arithmetic (~30-45 ns for a 10-byte key here, kafkajs's
 * ~1.4 µs). It also filters the partition list only for messages without a key.
 */
export function createDefaultPartitioner(): (args: PartitionerArgs) => number {
  const counters = new Map<string, number>();
  const next = (topic: string): number => {
    const counter = (counters.get(topic) ?? Math.floor(Math.random() * 0x7fffffff)) + 1;
    counters.set(topic, counter);
    return counter & 0x7fffffff;
  };
  return ({ topic, partitionMetadata, message }) => {
    if (message.partition !== null && message.partition !== undefined) return message.partition;
    const numPartitions = partitionMetadata.length;
    const key = message.key;
    if (key !== null && key !== undefined) {
      return (murmur2(key) & 0x7fffffff) % numPartitions;
    }
    const available = partitionMetadata.filter((p) => p.leader >= 0);
    if (available.length > 0) return available[next(topic) % available.length]!.partitionId;
    return next(topic) % numPartitions;
  };
}

type RecordArgs = {
  readonly offsetDelta?: unknown;
  readonly timestampDelta?: unknown;
  readonly key?: unknown;
  readonly value?: unknown;
  readonly headers?: unknown;
};
type RecordEncoder = (args: RecordArgs) => EncoderLike;

const recordPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/index.js');
/** kafkajs's own record encoder, used for whatever {@link encodeRecord} does not handle. */
export const kafkajsRecord = require(recordPath) as RecordEncoder;

/** Bytes of a zigzag varint of a 32-bit signed integer. */
function varIntSize(value: number): number {
  let zz = ((value << 1) ^ (value >> 31)) >>> 0;
  let bytes = 1;
  while (zz >= 0x80) {
    bytes++;
    zz >>>= 7;
  }
  return bytes;
}

function writeVarInt(buf: Buffer, offset: number, value: number): number {
  let zz = ((value << 1) ^ (value >> 31)) >>> 0;
  while (zz >= 0x80) {
    buf[offset++] = (zz & 0x7f) | 0x80;
    zz >>>= 7;
  }
  buf[offset++] = zz;
  return offset;
}

const isSmallInt = (value: unknown): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > -0x40000000 && value < 0x40000000;

const byteLengthOf = (value: Buffer | string): number =>
  typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;

function writeBytes(buf: Buffer, offset: number, value: Buffer | string, length: number): number {
  offset = writeVarInt(buf, offset, length);
  if (typeof value !== 'string') value.copy(buf, offset);
  else if (length === value.length && length <= 64) {
    // ASCII (UTF-8 length = UTF-16 length): short texts are faster by hand than through `buf.write`.
    for (let i = 0; i < length; i++) buf[offset + i] = value.charCodeAt(i);
  } else buf.write(value, offset, length, 'utf8');
  return offset + length;
}

/**
 * Where records are written before they are copied into their request, once: grown as needed and reused, so
 * that records take no allocation of their own. (Encoding is synchronous and never nested.)
 */
let scratch = Buffer.allocUnsafe(64 * 1024);
/** A scratch buffer grown beyond this by one large request is not kept for the next. */
const SCRATCH_KEEP_BYTES = 8 * 1024 * 1024;

function reserveScratch(used: number, more: number): Buffer {
  if (used + more > scratch.length) {
    const bigger = Buffer.allocUnsafe(Math.max(2 * scratch.length, used + more));
    scratch.copy(bigger, 0, 0, used);
    scratch = bigger;
  }
  return scratch;
}

/**
 * The headers object whose encoding (count, then name/value pairs) was written last, and where in `scratch`:
 * messages of one send usually share one headers object, encoded once. Valid only while one request (or one
 * record) is being encoded: headers objects may change between sends.
 */
let headersSeen: object | undefined;
let headersSeenStart = 0;
let headersSeenEnd = 0;

/**
 * kafkajs's `protocol/recordBatch/record/v0` (one record of a v2 record batch) writes each record and each
 * header into its own zero-filled 512-byte `Encoder`, then copies them; ~8 % of a producing service's CPU,
 * much of its garbage. This writes the same bytes into one exactly sized buffer. Records it does not handle
 * (keys or values other than null/string/Buffer, header values other than string/Buffer, deltas of 2^30 and
 * more) go to kafkajs's own encoder.
 */
export function encodeRecord(args: RecordArgs): EncoderLike {
  headersSeen = undefined;
  const end = writeRecord(args, 0);
  return end < 0 ? kafkajsRecord(args) : encoderOver(Buffer.from(scratch.subarray(0, end)));
}

/**
 * Writes one record (length-prefixed, as {@link encodeRecord}) into `scratch` at `at`, growing it as needed.
 * Returns the offset after it, or -1 for a record it leaves to kafkajs (nothing written).
 */
function writeRecord(args: RecordArgs, at: number): number {
  const { offsetDelta = 0, timestampDelta = 0, key, value, headers = {} } = args;
  if (!isSmallInt(offsetDelta) || !isSmallInt(timestampDelta)) return -1;
  if (key !== null && key !== undefined && typeof key !== 'string' && !Buffer.isBuffer(key)) return -1;
  if (value !== null && value !== undefined && typeof value !== 'string' && !Buffer.isBuffer(value))
    return -1;
  if (typeof headers !== 'object' || headers === null) return -1;
  const table = headers as Record<string, unknown>;
  const seen = headers === headersSeen;
  const names = seen ? [] : Object.keys(table);
  // Check the headers and size everything (no allocation for plain one-value headers).
  let headerCount = 0;
  let headerBytes = 0;
  for (const name of names) {
    const entry = table[name];
    const nameLength = Buffer.byteLength(name, 'utf8');
    if (Array.isArray(entry)) {
      for (const one of entry as unknown[]) {
        if (typeof one !== 'string' && !Buffer.isBuffer(one)) return -1;
        const length = byteLengthOf(one);
        headerBytes += varIntSize(nameLength) + nameLength + varIntSize(length) + length;
        headerCount++;
      }
    } else {
      if (typeof entry !== 'string' && !Buffer.isBuffer(entry)) return -1;
      const length = byteLengthOf(entry);
      headerBytes += varIntSize(nameLength) + nameLength + varIntSize(length) + length;
      headerCount++;
    }
  }
  const headerSection = seen ? headersSeenEnd - headersSeenStart : varIntSize(headerCount) + headerBytes;
  const keyLength = key === null || key === undefined ? -1 : byteLengthOf(key);
  const valueLength = value === null || value === undefined ? -1 : byteLengthOf(value);
  const body =
    1 +
    varIntSize(timestampDelta) +
    varIntSize(offsetDelta) +
    varIntSize(keyLength) +
    Math.max(keyLength, 0) +
    varIntSize(valueLength) +
    Math.max(valueLength, 0) +
    headerSection;
  const buf = reserveScratch(at, varIntSize(body) + body);
  let offset = writeVarInt(buf, at, body);
  buf[offset++] = 0; // attributes
  offset = writeVarInt(buf, offset, timestampDelta);
  offset = writeVarInt(buf, offset, offsetDelta);
  offset =
    keyLength < 0 ? writeVarInt(buf, offset, -1) : writeBytes(buf, offset, key as Buffer | string, keyLength);
  offset =
    valueLength < 0
      ? writeVarInt(buf, offset, -1)
      : writeBytes(buf, offset, value as Buffer | string, valueLength);
  if (seen) {
    for (let i = headersSeenStart; i < headersSeenEnd; i++) buf[offset++] = buf[i]!;
    return offset;
  }
  const sectionStart = offset;
  offset = writeVarInt(buf, offset, headerCount);
  for (const name of names) {
    const entry = table[name] as Buffer | string | (Buffer | string)[];
    const nameLength = Buffer.byteLength(name, 'utf8');
    if (Array.isArray(entry)) {
      for (const one of entry) {
        offset = writeBytes(buf, offset, name, nameLength);
        offset = writeBytes(buf, offset, one, byteLengthOf(one));
      }
    } else {
      offset = writeBytes(buf, offset, name, nameLength);
      offset = writeBytes(buf, offset, entry, byteLengthOf(entry));
    }
  }
  if (names.length > 0) {
    headersSeen = headers;
    headersSeenStart = sectionStart;
    headersSeenEnd = offset;
  }
  return offset;
}

/**
 * Appends one record to `scratch` at `at` as kafkajs's record encoder writes it ({@link writeRecord} when it
 * can); returns the offset after it.
 */
function appendRecord(args: RecordArgs, at: number): number {
  const end = writeRecord(args, at);
  if (end >= 0) return end;
  const bytes = kafkajsRecord(args).buffer;
  bytes.copy(reserveScratch(at, bytes.length), at);
  return at + bytes.length;
}

const cachedRecord = require.cache[recordPath];
if (cachedRecord !== undefined) cachedRecord.exports = encodeRecord;

interface ProduceMessage {
  readonly key?: unknown;
  readonly value?: unknown;
  readonly headers?: unknown;
  readonly timestamp?: number | string | null;
}
interface ProducePartition {
  readonly partition: number;
  readonly firstSequence?: number;
  readonly messages: readonly ProduceMessage[];
}
interface ProduceTopic {
  readonly topic: string;
  readonly partitions: readonly ProducePartition[];
}
interface EncoderChain {
  writeString(value: string | null): EncoderChain;
  writeInt16(value: number): EncoderChain;
  writeInt32(value: number): EncoderChain;
  writeArray(value: readonly unknown[]): EncoderChain;
  writeEncoder(value: unknown): EncoderChain;
}
const EncoderClass = Encoder as unknown as new () => EncoderChain;
interface Int64 {
  getHighBits(): number;
  getLowBits(): number;
}
const Long = require('kafkajs/src/utils/long.js') as {
  fromInt(value: number): unknown;
  fromValue(value: unknown): Int64;
};
const { Produce: PRODUCE_API_KEY } = require('kafkajs/src/protocol/requests/apiKeys.js') as {
  Produce: number;
};
const { Types: CompressionTypesById, COMPRESSION_CODEC_MASK } =
  require('kafkajs/src/protocol/message/compression/index.js') as {
    Types: { None: number };
    COMPRESSION_CODEC_MASK: number;
  };
const { RecordBatch, MAGIC_BYTE } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as {
  RecordBatch: (args: object) => Promise<{ size(): number }>;
  MAGIC_BYTE: number;
};
/** Attributes bit of a record batch written inside a transaction (kafkajs `TRANSACTIONAL_MASK`). */
const TRANSACTIONAL_ATTRIBUTE = 16;

/** kafkajs `Encoder#writeInt64`: any value `Long.fromValue` takes, as big-endian high and low words. */
function writeInt64(buf: Buffer, offset: number, value: unknown): void {
  const long = Long.fromValue(value);
  buf.writeInt32BE(long.getHighBits(), offset);
  buf.writeInt32BE(long.getLowBits(), offset + 4);
}

/** The batch times kafkajs derives from one partition's messages, and the time it stamps the others with. */
interface BatchTimes {
  readonly dateNow: number;
  readonly firstTimestamp: number;
  readonly maxTimestamp: unknown;
}

/**
 * As kafkajs's produce request v3 takes them: timestamps sorted as kafkajs sorts them (default `Array#sort`,
 * i.e. as strings), the first one the batch's base; `Date.now()` when no message has one.
 */
function batchTimes(messages: readonly ProduceMessage[]): BatchTimes {
  const dateNow = Date.now();
  const messageTimestamps = messages
    .map((m) => m.timestamp)
    .filter((timestamp) => timestamp != null)
    .sort();
  const timestamps = messageTimestamps.length === 0 ? [dateNow] : messageTimestamps;
  return {
    dateNow,
    firstTimestamp: timestamps[0] as number,
    maxTimestamp: timestamps[timestamps.length - 1],
  };
}

/**
 * The record arguments kafkajs's produce request v3 gives message `i` of a partition, built as a literal
 * (kafkajs spreads every message, ~1.2 µs each on Node 20 here).
 */
function recordArgs(message: ProduceMessage, i: number, times: BatchTimes): RecordArgs {
  return {
    key: message.key,
    value: message.value,
    headers: message.headers,
    offsetDelta: i,
    timestampDelta: ((message.timestamp || times.dateNow) as number) - times.firstTimestamp,
  };
}

/** One partition of an uncompressed produce request: its batch fields and its records at `scratch[start, end)`. */
interface WrittenPartition {
  readonly partition: number;
  readonly firstSequence: number;
  readonly times: BatchTimes;
  readonly count: number;
  readonly start: number;
  readonly end: number;
}

/** Bytes of a record batch (v2) before its records: base offset … record count. */
const RECORD_BATCH_HEADER_BYTES = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

/**
 * kafkajs's produce request v3 (which v4 to v7 reuse), the same bytes. Without compression, every record is
 * written into the reused scratch buffer (a headers object shared by the messages is encoded once per
 * request), then the request body into one exactly sized buffer: each partition's records copied in at once,
 * the batch CRC taken in place. kafkajs writes every level (record, record batch body, batch, partition,
 * topic, request) into its own growing, zero-filled `Encoder` and copies it into the next. With compression,
 * kafkajs's own record batch (and codec) is used. Record arguments are built as literals ({@link recordArgs}).
 */
export function produceRequestV3({
  acks,
  timeout,
  transactionalId = null,
  producerId = Long.fromInt(-1),
  producerEpoch = 0,
  compression = CompressionTypesById.None,
  topicData,
}: {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: readonly ProduceTopic[];
}): object {
  const encodeCompressed = async (): Promise<EncoderChain> => {
    const encodedTopicData: EncoderChain[] = [];
    for (const { topic, partitions } of topicData) {
      const encodedPartitions: EncoderChain[] = [];
      for (const { partition, firstSequence, messages } of partitions) {
        const times = batchTimes(messages);
        const records = messages.map((message, i) => encodeRecord(recordArgs(message, i, times)));
        const recordBatch = await RecordBatch({
          compression,
          records,
          firstTimestamp: times.firstTimestamp,
          maxTimestamp: times.maxTimestamp,
          producerId,
          producerEpoch,
          firstSequence,
          transactional: !!transactionalId,
          lastOffsetDelta: records.length - 1,
        });
        encodedPartitions.push(
          new EncoderClass().writeInt32(partition).writeInt32(recordBatch.size()).writeEncoder(recordBatch),
        );
      }
      encodedTopicData.push(new EncoderClass().writeString(topic).writeArray(encodedPartitions));
    }
    return new EncoderClass()
      .writeString(transactionalId)
      .writeInt16(acks)
      .writeInt32(timeout)
      .writeArray(encodedTopicData);
  };

  const encodeUncompressed = (): EncoderLike => {
    const attributes =
      (compression & COMPRESSION_CODEC_MASK) | (transactionalId ? TRANSACTIONAL_ATTRIBUTE : 0);
    const transactionalIdLength = transactionalId == null ? -1 : Buffer.byteLength(transactionalId, 'utf8');
    let size = 2 + Math.max(transactionalIdLength, 0) + 2 + 4 + 4;
    // Every record into the scratch buffer first (sizes are known only then), then the request at its size.
    headersSeen = undefined;
    let used = 0;
    const topics = topicData.map(({ topic, partitions }) => {
      const topicLength = Buffer.byteLength(topic, 'utf8');
      size += 2 + topicLength + 4;
      const written = partitions.map(({ partition, firstSequence = 0, messages }): WrittenPartition => {
        const times = batchTimes(messages);
        const start = used;
        for (let i = 0; i < messages.length; i++)
          used = appendRecord(recordArgs(messages[i]!, i, times), used);
        size += 4 + 4 + RECORD_BATCH_HEADER_BYTES + (used - start);
        return { partition, firstSequence, times, count: messages.length, start, end: used };
      });
      return { topic, topicLength, partitions: written };
    });
    headersSeen = undefined;
    const records = scratch;
    if (scratch.length > SCRATCH_KEEP_BYTES) scratch = Buffer.allocUnsafe(64 * 1024);

    const buf = Buffer.allocUnsafe(size);
    buf.writeInt16BE(transactionalIdLength, 0);
    let offset = 2;
    if (transactionalIdLength > 0) offset += buf.write(transactionalId as string, offset, 'utf8');
    buf.writeInt16BE(acks, offset);
    buf.writeInt32BE(timeout, offset + 2);
    buf.writeInt32BE(topics.length, offset + 6);
    offset += 10;
    for (const { topic, topicLength, partitions } of topics) {
      buf.writeInt16BE(topicLength, offset);
      offset += 2;
      offset += buf.write(topic, offset, topicLength, 'utf8');
      buf.writeInt32BE(partitions.length, offset);
      offset += 4;
      for (const p of partitions) {
        const batchSize = RECORD_BATCH_HEADER_BYTES + (p.end - p.start);
        buf.writeInt32BE(p.partition, offset);
        buf.writeInt32BE(batchSize, offset + 4);
        offset += 8;
        // Record batch: base offset 0, then its length-prefixed bytes.
        buf.fill(0, offset, offset + 8);
        buf.writeInt32BE(batchSize - 12, offset + 8);
        buf.writeInt32BE(0, offset + 12); // partition leader epoch
        buf.writeInt8(MAGIC_BYTE, offset + 16);
        const crcAt = offset + 17;
        const bodyStart = offset + 21;
        buf.writeInt16BE(attributes, bodyStart);
        buf.writeInt32BE(p.count - 1, bodyStart + 2); // last offset delta
        writeInt64(buf, bodyStart + 6, p.times.firstTimestamp);
        writeInt64(buf, bodyStart + 14, p.times.maxTimestamp);
        writeInt64(buf, bodyStart + 22, producerId);
        buf.writeInt16BE(producerEpoch, bodyStart + 30);
        buf.writeInt32BE(p.firstSequence, bodyStart + 32);
        buf.writeInt32BE(p.count, bodyStart + 36);
        offset = bodyStart + 40;
        offset += records.copy(buf, offset, p.start, p.end);
        buf.writeUInt32BE(crc32c(buf, bodyStart, offset), crcAt);
      }
    }
    return encoderOver(buf, offset);
  };

  return {
    apiKey: PRODUCE_API_KEY,
    apiVersion: 3,
    apiName: 'Produce',
    expectResponse: () => acks !== 0,
    encode: async () =>
      compression === CompressionTypesById.None ? encodeUncompressed() : await encodeCompressed(),
  };
}

/** kafkajs's own produce request v3, as loaded before the patch (tests compare against it). */
const produceV3Path = require.resolve('kafkajs/src/protocol/requests/produce/v3/request.js');
export const kafkajsProduceRequestV3 = require(produceV3Path) as typeof produceRequestV3;
const cachedProduceV3 = require.cache[produceV3Path];
if (cachedProduceV3 !== undefined) cachedProduceV3.exports = produceRequestV3;

interface KafkaDecoder {
  readInt8(): number;
  readVarLong(): { toString(): string };
  readVarInt(): number;
  readVarIntBytes(): Buffer | null;
  readVarIntArray<T>(read: (decoder: KafkaDecoder) => T): T[];
}
interface LongValue {
  add(other: unknown): LongValue;
  toString(): string;
}
const LongClass = Long as unknown as { fromValue(value: unknown): LongValue };
const HeaderDecoder = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js') as (
  decoder: KafkaDecoder,
) => { key: string; value: Buffer | null };
const TimestampTypes = require('kafkajs/src/protocol/timestampTypes.js') as {
  CREATE_TIME: number;
  LOG_APPEND_TIME: number;
};

/**
 * Adds one fetched header to a record's headers as kafkajs's record decoder does: a repeated name collects
 * its values in an array; the name is looked up like kafkajs looks it up (inherited names such as `toString`
 * included) and defined as an own property like its object literal (`__proto__` included).
 */
function addHeader(headers: Record<string, unknown>, key: string, value: Buffer | null): void {
  const existing = headers[key];
  const next =
    existing === undefined ? value : Array.isArray(existing) ? existing.concat([value]) : [existing, value];
  if (key === '__proto__')
    Object.defineProperty(headers, key, {
      value: next,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  else headers[key] = next;
}

/**
 * kafkajs's `protocol/recordBatch/record/v0/decoder` (one fetched record), the same result, but collecting
 * the headers in a loop: kafkajs rebuilds the headers object per header (`{ ...obj, [key]: … }`); a record
 * with one header decodes in ~1.05 µs instead of ~1.4 µs here.
 */
export function decodeRecord(decoder: KafkaDecoder, batchContext: Record<string, unknown> = {}): object {
  const {
    firstOffset,
    firstTimestamp,
    magicByte,
    isControlBatch = false,
    timestampType,
    maxTimestamp,
  } = batchContext;
  const attributes = decoder.readInt8();
  const timestampDelta = decoder.readVarLong();
  const timestamp =
    timestampType === TimestampTypes.LOG_APPEND_TIME && maxTimestamp
      ? maxTimestamp
      : LongClass.fromValue(firstTimestamp).add(timestampDelta).toString();
  const offsetDelta = decoder.readVarInt();
  const offset = LongClass.fromValue(firstOffset).add(offsetDelta).toString();
  const key = decoder.readVarIntBytes();
  const value = decoder.readVarIntBytes();
  const headers: Record<string, unknown> = {};
  for (const header of decoder.readVarIntArray(HeaderDecoder)) addHeader(headers, header.key, header.value);
  return {
    magicByte,
    attributes,
    timestamp,
    offset,
    key,
    value,
    headers,
    isControlRecord: isControlBatch,
    batchContext,
  };
}

const recordDecoderPath = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
/** kafkajs's own record decoder, as loaded before the patch (tests compare against it). */
export const kafkajsDecodeRecord = require(recordDecoderPath) as typeof decodeRecord;
const cachedRecordDecoder = require.cache[recordDecoderPath];
if (cachedRecordDecoder !== undefined) cachedRecordDecoder.exports = decodeRecord;

interface FetchDecoder {
  buffer: Buffer;
  offset: number;
}

const recordBatchDecoderPath = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');
/** kafkajs's own record batch decoder, as loaded before the patch (tests compare against it). */
export const kafkajsDecodeRecordBatch = require(recordBatchDecoderPath) as (
  decoder: FetchDecoder,
) => Promise<object>;

/** 2^32, to put an int64's two words together. */
const TWO_32 = 4294967296;
/** Record batch bytes from the partition leader epoch up to and including the record count. */
const BATCH_FIELDS_BYTES = 49;
const TIMESTAMP_TYPE_ATTRIBUTE = 0x8;
const TRANSACTIONAL_ATTRIBUTE_MASK = 0x10;
const CONTROL_ATTRIBUTE = 0x20;

/** An int64 read as kafkajs reads it (a BigInt) and turned into the same decimal string. */
function int64Text(buf: Buffer, at: number): string {
  const high = buf.readInt32BE(at);
  const low = buf.readUInt32BE(at + 4);
  // Exact in a double when |value| < 2^53, and then `String` writes what BigInt's `toString` writes.
  if (high >= -0x200000 && high < 0x200000) return String(high * TWO_32 + low);
  return String((BigInt(high) << 32n) + BigInt(low));
}

/** `String(base + delta)` as kafkajs computes it with `Long` (BigInt): in doubles while that is exact. */
function addText(base: number, baseText: string, delta: number): string {
  const sum = base + delta;
  // With both safe integers (`delta` always is), a safe sum is exact and an inexact one is never safe.
  return Number.isSafeInteger(base) && Number.isSafeInteger(sum)
    ? String(sum)
    : String(BigInt(baseText) + BigInt(delta));
}

/** Where the last varint read ended (set by {@link readVarInt} and {@link readVarLong}). */
let cursor = 0;

/**
 * A zigzag varint of at most 5 bytes ending before `end`, decoded like kafkajs's `Decoder#readVarInt` (to a
 * signed 32-bit integer); `undefined` when it is longer or runs past `end` (left to kafkajs).
 */
function readVarInt(buf: Buffer, at: number, end: number): number | undefined {
  let result = 0;
  for (let shift = 0; shift < 35; shift += 7) {
    if (at >= end) return undefined;
    const byte = buf[at++]!;
    result |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      cursor = at;
      return (result >>> 1) ^ -(result & 1);
    }
  }
  return undefined;
}

/**
 * A zigzag varlong of at most 7 bytes (49 bits: exact in a double) ending before `end`, as a number equal to
 * kafkajs's `Decoder#readVarLong`; `undefined` when it is longer or runs past `end` (left to kafkajs).
 */
function readVarLong(buf: Buffer, at: number, end: number): number | undefined {
  let result = 0;
  let scale = 1;
  for (let i = 0; i < 7; i++) {
    if (at >= end) return undefined;
    const byte = buf[at++]!;
    result += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      cursor = at;
      return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    scale *= 128;
  }
  return undefined;
}

/** The header name decoded last, and its bytes: records of one producer repeat the same few names. */
let lastHeaderName = '';
let lastHeaderBytes: Buffer = Buffer.alloc(0);

function headerName(buf: Buffer, start: number, end: number): string {
  const length = end - start;
  const last = lastHeaderBytes;
  if (length === last.length) {
    let same = true;
    for (let i = 0; i < length; i++) {
      if (buf[start + i] !== last[i]) {
        same = false;
        break;
      }
    }
    if (same) return lastHeaderName;
  }
  const name = buf.toString('utf8', start, end);
  if (length <= 64) {
    lastHeaderName = name;
    lastHeaderBytes = Buffer.from(buf.subarray(start, end));
  }
  return name;
}

/**
 * One uncompressed record batch (magic 2) at `start` of a fetch response, decoded to what kafkajs's record
 * batch decoder returns for it, or `undefined` for anything else (compressed, truncated, malformed, varints
 * longer than kafkajs's usual ones), which is left to kafkajs.
 */
function decodeUncompressedBatch(buf: Buffer, start: number): { batch: object; end: number } | undefined {
  if (start + 12 > buf.length) return undefined;
  const length = buf.readInt32BE(start + 8);
  const at = start + 12;
  const end = at + length;
  if (length < BATCH_FIELDS_BYTES || end > buf.length) return undefined;
  const attributes = buf.readInt16BE(at + 9);
  if ((attributes & COMPRESSION_CODEC_MASK) !== 0) return undefined;
  const count = buf.readInt32BE(at + 45);
  if (count < -1 || count > end - at - BATCH_FIELDS_BYTES) return undefined;

  const firstOffset = int64Text(buf, start);
  const firstTimestamp = int64Text(buf, at + 15);
  const maxTimestamp = int64Text(buf, at + 23);
  const isControlBatch = (attributes & CONTROL_ATTRIBUTE) > 0;
  const timestampType =
    (attributes & TIMESTAMP_TYPE_ATTRIBUTE) > 0 ? TimestampTypes.LOG_APPEND_TIME : TimestampTypes.CREATE_TIME;
  const recordContext = {
    firstOffset,
    firstTimestamp,
    partitionLeaderEpoch: buf.readInt32BE(at),
    inTransaction: (attributes & TRANSACTIONAL_ATTRIBUTE_MASK) > 0,
    isControlBatch,
    lastOffsetDelta: buf.readInt32BE(at + 11),
    producerId: int64Text(buf, at + 31),
    producerEpoch: buf.readInt16BE(at + 39),
    firstSequence: buf.readInt32BE(at + 41),
    maxTimestamp,
    timestampType,
  };
  const magicByte = buf.readInt8(at + 4);
  const batchContext = { ...recordContext, magicByte };
  const offsetBase = Number(firstOffset);
  const timestampBase = Number(firstTimestamp);
  const logAppendTime = timestampType === TimestampTypes.LOG_APPEND_TIME;

  const records = new Array<object>(Math.max(count, 0));
  let p = at + BATCH_FIELDS_BYTES;
  for (let i = 0; i < count; i++) {
    const recordLength = readVarInt(buf, p, end);
    if (recordLength === undefined || recordLength < 1 || cursor + recordLength > end) return undefined;
    p = cursor;
    const recordEnd = p + recordLength;
    const recordAttributes = (buf[p++]! << 24) >> 24;
    const timestampDelta = readVarLong(buf, p, recordEnd);
    if (timestampDelta === undefined) return undefined;
    const offsetDelta = readVarInt(buf, cursor, recordEnd);
    if (offsetDelta === undefined) return undefined;
    const keyLength = readVarInt(buf, cursor, recordEnd);
    if (keyLength === undefined || keyLength < -1 || cursor + keyLength > recordEnd) return undefined;
    p = cursor;
    const key = keyLength < 0 ? null : buf.subarray(p, (p += keyLength));
    const valueLength = readVarInt(buf, p, recordEnd);
    if (valueLength === undefined || valueLength < -1 || cursor + valueLength > recordEnd) return undefined;
    p = cursor;
    const value = valueLength < 0 ? null : buf.subarray(p, (p += valueLength));
    const headerCount = readVarInt(buf, p, recordEnd);
    if (headerCount === undefined || headerCount < -1) return undefined;
    p = cursor;
    const headers: Record<string, unknown> = {};
    for (let h = 0; h < headerCount; h++) {
      const nameLength = readVarInt(buf, p, recordEnd);
      if (nameLength === undefined || nameLength < 0 || cursor + nameLength > recordEnd) return undefined;
      p = cursor;
      const name = headerName(buf, p, (p += nameLength));
      const headerLength = readVarInt(buf, p, recordEnd);
      if (headerLength === undefined || headerLength < -1 || cursor + headerLength > recordEnd)
        return undefined;
      p = cursor;
      addHeader(headers, name, headerLength < 0 ? null : buf.subarray(p, (p += headerLength)));
    }
    records[i] = {
      magicByte,
      attributes: recordAttributes,
      timestamp: logAppendTime ? maxTimestamp : addText(timestampBase, firstTimestamp, timestampDelta),
      offset: addText(offsetBase, firstOffset, offsetDelta),
      key,
      value,
      headers,
      isControlRecord: isControlBatch,
      batchContext,
    };
    p = recordEnd;
  }
  return { batch: { ...recordContext, records }, end };
}

/**
 * kafkajs's `protocol/recordBatch/v0/decoder` (one record batch of a fetch response), the same result for
 * uncompressed batches without kafkajs's per-record work: a `Decoder` and a buffer slice per record, and
 * `Long` (BigInt) parsing, adding and printing for every offset and timestamp (~0.35 s per million records
 * here in `Long.fromString` alone). Offsets and timestamps are added in doubles while that is exact and
 * printed like BigInt prints them. Anything else is left to kafkajs's decoder.
 */
export async function decodeRecordBatch(fetchDecoder: FetchDecoder): Promise<object> {
  const decoded = decodeUncompressedBatch(fetchDecoder.buffer, fetchDecoder.offset);
  if (decoded === undefined) return kafkajsDecodeRecordBatch(fetchDecoder);
  fetchDecoder.offset = decoded.end;
  return decoded.batch;
}

const cachedRecordBatchDecoder = require.cache[recordBatchDecoderPath];
if (cachedRecordBatchDecoder !== undefined) cachedRecordBatchDecoder.exports = decodeRecordBatch;

interface FetchedMessage {
  readonly offset: string;
  readonly isControlRecord?: boolean;
}
type FilterAborted = (args: {
  messages: FetchedMessage[];
  abortedTransactions?: unknown[] | undefined;
}) => FetchedMessage[];
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages.js') as FilterAborted;
const batchPath = require.resolve('kafkajs/src/consumer/batch.js');
/** kafkajs's own `Batch` class, as loaded before the patch (tests compare against it). */
export const KafkajsBatch = require(batchPath) as new (
  topic: string,
  fetchedOffset: unknown,
  partitionData: {
    partition: number;
    highWatermark: string;
    messages: FetchedMessage[];
    abortedTransactions?: unknown[];
  },
) => object;
const LongCompare = Long as unknown as { fromValue(value: unknown): { gte(other: unknown): boolean } };

/** A fetch offset as a number when it is a safe integer that kafkajs's `Long` would read as the same value. */
function safeOffset(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && String(n) === value ? n : undefined;
}

/**
 * kafkajs's `consumer/batch` (the messages of one partition of a fetch), the same object with kafkajs's own
 * methods, but comparing each message's offset with the fetched offset as a number: kafkajs parses every
 * offset into a `Long` (BigInt) for it. Message offsets come from the record decoders, which print them like
 * BigInt does, so a safe integer read from one is exact.
 */
export class Batch {
  declare fetchedOffset: unknown;
  declare topic: string;
  declare partition: number;
  declare highWatermark: string;
  declare rawMessages: FetchedMessage[];
  declare messagesWithinOffset: FetchedMessage[];
  declare messages: FetchedMessage[];

  constructor(
    topic: string,
    fetchedOffset: unknown,
    partitionData: {
      partition: number;
      highWatermark: string;
      messages: FetchedMessage[];
      abortedTransactions?: unknown[];
    },
  ) {
    this.fetchedOffset = fetchedOffset;
    const { abortedTransactions, messages } = partitionData;
    this.topic = topic;
    this.partition = partitionData.partition;
    this.highWatermark = partitionData.highWatermark;
    this.rawMessages = messages;
    const fetched = safeOffset(fetchedOffset);
    if (fetched === undefined) {
      const longFetchedOffset = LongCompare.fromValue(fetchedOffset);
      this.messagesWithinOffset = messages.filter((message) =>
        LongCompare.fromValue(message.offset).gte(longFetchedOffset),
      );
    } else {
      this.messagesWithinOffset = messages.filter((message) => {
        const offset = Number(message.offset);
        return Number.isSafeInteger(offset)
          ? offset >= fetched
          : LongCompare.fromValue(message.offset).gte(LongCompare.fromValue(fetchedOffset));
      });
    }
    this.messages = filterAbortedMessages({
      messages: this.messagesWithinOffset,
      abortedTransactions,
    }).filter((message) => !message.isControlRecord);
  }
}
for (const name of Object.getOwnPropertyNames(KafkajsBatch.prototype)) {
  if (name === 'constructor') continue;
  Object.defineProperty(
    Batch.prototype,
    name,
    Object.getOwnPropertyDescriptor(KafkajsBatch.prototype, name)!,
  );
}
const cachedBatch = require.cache[batchPath];
if (cachedBatch !== undefined) cachedBatch.exports = Batch;
