import { InfraError } from '@cdrate/errors';
import type { Kafka, Producer, RecordMetadata } from 'kafkajs';
import { toInfraError } from './errors.js';
import { CompressionTypes } from './kafkajs.js';
import { createDefaultPartitioner } from './kafkajs-patches.js';
import type { Log } from './log.js';
import { toKafkaJSMessages } from './messages.js';
import { SendCoalescer, type TopicPart } from './send-coalescer.js';
import type { OutgoingMessage, TopicMessages } from './messages.js';

/**
 * Record-batch compression. `none` is the default: CDR messages are a few hundred bytes, the broker is
 * near, and the machines are short of CPU rather than bandwidth. `gzip` is the one codec kafkajs ships
 * without a native plugin; use it when the link to the brokers is the bottleneck.
 */
export type Compression = 'none' | 'gzip';

export interface ProducerOptions {
  /** Default `none`. */
  readonly compression?: Compression;
}

/**
 * Most bytes of one topic-partition in a request that merges concurrent sends: half of Kafka's default
 * `max.message.bytes` (1 MiB), which bounds the record batch kafkajs writes per partition. A single send
 * larger than this still goes (alone), as before.
 */
const MAX_MERGED_PARTITION_BYTES = 512 * 1024;

/** Where the broker stored the first message of one partition's part of a send. */
export interface SentRecord {
  readonly topic: string;
  readonly partition: number;
  /**
   * Offset of the first message written to this partition by the request that carried this send (int64
   * decimal string): concurrent sends share a request, so it can be another send's message.
   */
  readonly baseOffset: string;
}

/**
 * An idempotent producer (`acks=all`, one request in flight per broker): the broker drops duplicates that
 * kafkajs's own retries would otherwise write. A send resolves once all replicas in sync have the messages.
 * Sends made while a request is in flight are merged into the next request (`send-coalescer.ts`): one round
 * trip for all of them instead of one each, in turn; a failure of that request fails each of them.
 */
export interface KafkaProducer {
  /**
   * Sends messages to one topic. Messages with the same key keep their order. Throws `InfraError`:
   * `BROKER_UNAVAILABLE` (retryable) when the broker cannot be reached or kept failing, `BAD_REQUEST` when
   * it refused the messages (e.g. `MESSAGE_TOO_LARGE`), `CONFIG` for malformed messages. After a failure
   * the outcome is unknown: some messages may have been written, so a retry may duplicate them.
   */
  send(topic: string, messages: readonly OutgoingMessage[]): Promise<SentRecord[]>;
  /** Like {@link send} for several topics in one request per broker. */
  sendBatch(batches: readonly TopicMessages[]): Promise<SentRecord[]>;
  /**
   * Waits until every send started so far has settled. kafkajs does not buffer (a send resolves when
   * acknowledged), so this only waits for callers' in-flight sends.
   */
  flush(): Promise<void>;
  /** Flushes, then closes the connections. Sends after this throw `INTERNAL`. */
  disconnect(): Promise<void>;
}

/**
 * Creates and connects the producer. Throws `InfraError` when the first connection fails.
 *
 * After any failed send the underlying kafkajs producer is replaced by a new one (new producer id). kafkajs
 * rolls back its sequence numbers when a produce request fails, even when the broker had written part of
 * it; reusing those numbers could make the broker discard later, different messages as duplicates. A new
 * producer id cannot collide; the price is a possible duplicate, which at-least-once allows anyway.
 */
export async function connectProducer(
  kafka: Kafka,
  log: Log,
  requestTimeoutMs: number,
  options: ProducerOptions = {},
): Promise<KafkaProducer> {
  if (options.compression !== undefined && options.compression !== 'none' && options.compression !== 'gzip') {
    throw new InfraError('CONFIG', `compression: "${String(options.compression)}" is not one of none, gzip`);
  }
  const compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;

  const create = async (): Promise<Producer> => {
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
      createPartitioner: createDefaultPartitioner,
    });
    try {
      await producer.connect();
    } catch (error) {
      throw toInfraError(error, 'connect producer');
    }
    return producer;
  };

  let current: Producer | undefined = await create();
  let connecting: Promise<Producer> | undefined;
  let closed = false;
  const inFlight = new Set<Promise<unknown>>();

  const producer = async (): Promise<Producer> => {
    if (current) return current;
    connecting ??= create().finally(() => {
      connecting = undefined;
    });
    current = await connecting;
    return current;
  };

  const flush = async (): Promise<void> => {
    await Promise.allSettled([...inFlight]);
  };

  /** Stops using a producer whose send failed; closes it once the sends in flight have settled. */
  const discard = (failed: Producer): void => {
    if (current !== failed) return;
    current = undefined;
    flush()
      .then(() => failed.disconnect())
      .catch((error: unknown) => {
        log('debug', 'disconnecting a failed producer failed', { error: String(error) });
      });
  };

  // Sends made while a request is in flight go out together in the next one (see send-coalescer.ts).
  const coalescer = new SendCoalescer<RecordMetadata[]>({
    maxPartitionBytes: MAX_MERGED_PARTITION_BYTES,
    send: async (parts) => {
      const p = await producer();
      try {
        return await p.sendBatch({ topicMessages: parts, acks: -1, timeout: requestTimeoutMs, compression });
      } catch (error) {
        discard(p);
        throw error;
      }
    },
  });

  const run = async (operation: string, parts: TopicPart[]): Promise<SentRecord[]> => {
    if (closed) throw new InfraError('INTERNAL', `${operation}: the producer is disconnected`);
    const topics = new Set(parts.map((part) => part.topic));
    const attempt = coalescer.submit(parts).then(
      (metadata) =>
        metadata
          .filter((m) => topics.has(m.topicName))
          .map((m) => ({
            topic: m.topicName,
            partition: m.partition,
            baseOffset: m.baseOffset ?? m.offset ?? '-1',
          })),
      (error: unknown) => {
        throw toInfraError(error, operation);
      },
    );
    inFlight.add(attempt);
    try {
      return await attempt;
    } finally {
      inFlight.delete(attempt);
    }
  };

  return {
    async send(topic, messages) {
      return run(`send to ${topic}`, [{ topic, messages: toKafkaJSMessages(topic, messages) }]);
    },
    async sendBatch(batches) {
      const parts = batches.map((b) => ({
        topic: b.topic,
        messages: toKafkaJSMessages(b.topic, b.messages),
      }));
      const topics = [...new Set(batches.map((b) => b.topic))].join(', ');
      return run(`send batch to ${topics}`, parts);
    },
    flush,
    async disconnect() {
      closed = true;
      await flush();
      const p = current ?? (connecting ? await connecting.catch(() => undefined) : undefined);
      current = undefined;
      if (p) {
        try {
          await p.disconnect();
        } catch (error) {
          throw toInfraError(error, 'disconnect producer');
        }
      }
    },
  };
}
