import type { IHeaders, KafkaMessage, Message } from 'kafkajs';
import { checkTopicName, throwIfProblems } from './config.js';

/** A message to produce. */
export interface OutgoingMessage {
  /**
   * Partitioning key. Messages with the same key go to the same partition (murmur2, as the Java client),
   * so they are consumed in the order they were sent; cdrate uses the account id. `null`/absent: spread
   * over partitions.
   */
  readonly key?: string | Buffer | null;
  /** Payload; strings are encoded as UTF-8. */
  readonly value: Buffer | string;
  readonly headers?: Readonly<Record<string, string | Buffer>>;
  /** Explicit partition; overrides the key's partition. */
  readonly partition?: number;
}

/** A message as the consumer hands it to the batch handler. */
export interface ConsumedMessage {
  /** Key bytes, or `null` when the message had none. */
  readonly key: Buffer | null;
  /** Payload bytes exactly as stored: may be anything, including invalid UTF-8; `null` for a tombstone. */
  readonly value: Buffer | null;
  /** Headers as bytes. When a key occurs more than once, the last value wins (Java's `lastHeader`). */
  readonly headers: Readonly<Record<string, Buffer>>;
  /** Offset within the partition, as a decimal string (int64). */
  readonly offset: string;
  /** Create or log-append time, milliseconds since the epoch, as a decimal string. */
  readonly timestamp: string;
}

/** Messages to produce to one topic, for {@link KafkaProducer.sendBatch}. */
export interface TopicMessages {
  readonly topic: string;
  readonly messages: readonly OutgoingMessage[];
}

/**
 * Checks and converts outgoing messages to kafkajs's shape. Throws `InfraError('CONFIG')` naming every bad
 * message (it is a caller bug, not a broker condition).
 */
export function toKafkaJSMessages(topic: string, messages: readonly OutgoingMessage[]): Message[] {
  const problems: string[] = [];
  checkTopicName(problems, 'topic', topic);
  // Messages that share one headers object share one copy of it (the producer then encodes it once).
  let headersSource: OutgoingMessage['headers'];
  let headersCopy: Record<string, string | Buffer> = {};
  const converted = messages.map((message, index): Message => {
    const where = `${topic}[${index}]`;
    if (!Buffer.isBuffer(message.value) && typeof message.value !== 'string') {
      problems.push(`${where}.value: must be a Buffer or a string`);
    }
    if (
      message.key !== undefined &&
      message.key !== null &&
      !Buffer.isBuffer(message.key) &&
      typeof message.key !== 'string'
    ) {
      problems.push(`${where}.key: must be a Buffer, a string or null`);
    }
    if (
      message.partition !== undefined &&
      (!Number.isSafeInteger(message.partition) || message.partition < 0)
    ) {
      problems.push(`${where}.partition: must be a non-negative integer`);
    }
    const out: Message = { key: message.key ?? null, value: message.value };
    if (message.partition !== undefined) out.partition = message.partition;
    if (message.headers !== undefined) {
      if (message.headers !== headersSource) {
        headersSource = message.headers;
        headersCopy = { ...message.headers };
      }
      out.headers = headersCopy;
    }
    return out;
  });
  throwIfProblems('messages', problems);
  return converted;
}

/** Converts a fetched kafkajs message to the handler's shape. Never throws, whatever the bytes. */
export function fromKafkaJSMessage(message: KafkaMessage): ConsumedMessage {
  return {
    key: message.key ?? null,
    value: message.value ?? null,
    headers: normaliseHeaders(message.headers),
    offset: message.offset,
    timestamp: message.timestamp,
  };
}

/**
 * Headers as `name → bytes`; strings become UTF-8, repeated names keep the last value, `undefined` is dropped.
 * Headers that already are that (every own value one Buffer, as kafkajs decodes a record whose header names
 * do not repeat) are returned as they are, not copied: one object less per consumed message.
 */
export function normaliseHeaders(headers: IHeaders | undefined): Record<string, Buffer> {
  if (headers === undefined) return {};
  for (const name in headers) {
    if (!Buffer.isBuffer(headers[name]) || name === '__proto__' || !Object.hasOwn(headers, name))
      return copyHeaders(headers);
  }
  return headers as Record<string, Buffer>;
}

function copyHeaders(headers: IHeaders): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [name, raw] of Object.entries(headers)) {
    const last = Array.isArray(raw) ? raw[raw.length - 1] : raw;
    if (last === undefined) continue;
    out[name] = typeof last === 'string' ? Buffer.from(last, 'utf8') : last;
  }
  return out;
}
