/**
 * Merges the sends a producer is asked for while its previous request is in flight into one request.
 *
 * The producer is idempotent, so kafkajs allows one produce request in flight per broker: sends made at
 * the same time (a relay handles the batches of all its input partitions concurrently) would otherwise
 * wait for each other's acknowledgement one by one. Queued sends go out together as soon as the request
 * in flight settles: one round trip for all of them. Each part keeps its order, and the parts keep the
 * order they were submitted in, so messages to one partition stay in order.
 *
 * A merged request carries at most {@link SendCoalescerOptions.maxPartitionBytes} per topic-partition
 * (kafkajs writes one record batch per partition, and the broker refuses one larger than the topic's
 * `max.message.bytes`); a send larger than that alone goes alone. When a merged request fails, every send
 * in it fails with the error: each caller then knows as much as after a failure of its own request (some
 * messages may have been written).
 */
import type { Message } from 'kafkajs';

/** Messages for one topic, as kafkajs takes them. */
export interface TopicPart {
  readonly topic: string;
  readonly messages: Message[];
}

export interface SendCoalescerOptions<R> {
  /** Sends one request (kafkajs `sendBatch`); resolves with its outcome. */
  readonly send: (parts: TopicPart[]) => Promise<R>;
  /** Most bytes (keys, values, header values) of one topic-partition in a merged request. */
  readonly maxPartitionBytes: number;
}

interface Pending<R> {
  readonly parts: readonly TopicPart[];
  /** Bytes per `topic\0partition` (messages without a partition count under `topic\0?`). */
  readonly bytes: ReadonlyMap<string, number>;
  readonly resolve: (value: R) => void;
  readonly reject: (error: unknown) => void;
}

function messageBytes(message: Message): number {
  let bytes = 16;
  if (message.key !== null && message.key !== undefined) bytes += message.key.length;
  if (message.value !== null) bytes += message.value.length;
  if (message.headers !== undefined) {
    for (const [name, value] of Object.entries(message.headers)) {
      bytes += name.length + (typeof value === 'string' || Buffer.isBuffer(value) ? value.length : 64);
    }
  }
  return bytes;
}

function partitionBytes(parts: readonly TopicPart[]): Map<string, number> {
  const bytes = new Map<string, number>();
  for (const part of parts) {
    for (const message of part.messages) {
      const key = `${part.topic}\u0000${message.partition ?? '?'}`;
      bytes.set(key, (bytes.get(key) ?? 0) + messageBytes(message));
    }
  }
  return bytes;
}

export class SendCoalescer<R> {
  readonly #queue: Pending<R>[] = [];
  #sending = false;

  constructor(private readonly options: SendCoalescerOptions<R>) {}

  /** Sends `parts` in the next request; resolves or rejects with that request's outcome. */
  submit(parts: readonly TopicPart[]): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ parts, bytes: partitionBytes(parts), resolve, reject });
      if (!this.#sending) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#sending = true;
    try {
      while (this.#queue.length > 0) {
        const group = this.#takeGroup();
        const merged = new Map<string, Message[]>();
        for (const pending of group) {
          for (const part of pending.parts) {
            const messages = merged.get(part.topic);
            if (messages === undefined) merged.set(part.topic, [...part.messages]);
            else for (const message of part.messages) messages.push(message);
          }
        }
        try {
          const result = await this.options.send(
            [...merged].map(([topic, messages]) => ({ topic, messages })),
          );
          for (const pending of group) pending.resolve(result);
        } catch (error) {
          for (const pending of group) pending.reject(error);
        }
      }
    } finally {
      this.#sending = false;
    }
  }

  /** The sends at the head of the queue that fit one request together (always the first). */
  #takeGroup(): Pending<R>[] {
    const total = new Map<string, number>();
    let count = 0;
    for (const pending of this.#queue) {
      let fits = true;
      if (count > 0) {
        for (const [key, bytes] of pending.bytes) {
          if ((total.get(key) ?? 0) + bytes > this.options.maxPartitionBytes) fits = false;
        }
      }
      if (!fits) break;
      for (const [key, bytes] of pending.bytes) total.set(key, (total.get(key) ?? 0) + bytes);
      count++;
    }
    return this.#queue.splice(0, count);
  }
}
