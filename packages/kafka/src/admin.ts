import type { Admin } from 'kafkajs';
import { checkPositiveInteger, checkTopicName, throwIfProblems } from './config.js';
import { InfraError } from '@cdrate/errors';
import { toInfraError } from './errors.js';
import type { Log } from './log.js';

/** A topic {@link KafkaAdmin.ensureTopics} should make sure exists. */
export interface TopicSpec {
  readonly topic: string;
  /** Partitions to create it with; the unit of consumer parallelism and of per-key ordering. */
  readonly partitions: number;
  /** Replicas per partition; default: the broker's `default.replication.factor`. */
  readonly replicationFactor?: number;
  /** Topic configs for creation, e.g. `{ 'retention.ms': '604800000' }`. Not applied to existing topics. */
  readonly configs?: Readonly<Record<string, string>>;
}

/** What {@link KafkaAdmin.ensureTopics} found and did. */
export interface EnsureTopicsResult {
  /** Topics that were missing and that this call asked the broker to create (another process racing it may have won). */
  readonly created: readonly string[];
  /** Topics that existed already and were left unchanged. */
  readonly existing: readonly string[];
  /**
   * Existing topics with fewer partitions than asked. They are not changed: adding partitions moves keys to
   * other partitions and breaks per-key order for messages in flight. Decide and run that by hand.
   */
  readonly fewerPartitions: readonly { topic: string; partitions: number; requested: number }[];
}

/** Low and high watermark of one partition. Offsets are int64 decimal strings. */
export interface PartitionOffsets {
  readonly partition: number;
  /** First offset still stored (log start offset). */
  readonly low: string;
  /** Offset the next message will get (high watermark). */
  readonly high: string;
}

/** Lag of one partition for one consumer group. */
export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** The group's committed offset (the next offset it will read), or `null` when it never committed. */
  readonly committedOffset: string | null;
  readonly low: string;
  readonly high: string;
  /** `high - max(committed, low)`; without a committed offset `high - low`. Never negative. */
  readonly lag: number;
}

/** Lag of a consumer group over some topics: per partition and the total. */
export interface ConsumerLag {
  readonly groupId: string;
  readonly total: number;
  readonly partitions: readonly PartitionLag[];
}

/** Topic administration and offset inspection. Every method throws `InfraError` (see `toInfraError`). */
export interface KafkaAdmin {
  /**
   * Creates the topics that do not exist (waiting for their partition leaders) and leaves existing ones as
   * they are. Safe to call at every service start and concurrently from several processes.
   */
  ensureTopics(specs: readonly TopicSpec[]): Promise<EnsureTopicsResult>;
  /** Deletes the topics that exist; absent names are ignored. */
  deleteTopics(topics: readonly string[]): Promise<void>;
  /** Names of all topics, including internal ones such as `__consumer_offsets`. */
  listTopics(): Promise<string[]>;
  /** Low and high watermark of every partition of `topic`, sorted by partition. */
  fetchTopicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** How many partitions `topic` has. Throws `InfraError` (`BAD_REQUEST`) when it does not exist. */
  partitionCount(topic: string): Promise<number>;
  /** The group's lag on every partition of `topics` (committed offset vs high watermark). */
  consumerLag(groupId: string, topics: readonly string[]): Promise<ConsumerLag>;
  /** Closes the admin connection. */
  disconnect(): Promise<void>;
}

/** What the broker answers about a topic created a moment ago, before its metadata and leaders are there. */
const JUST_CREATED_ERRORS: ReadonlySet<string> = new Set([
  'UNKNOWN_TOPIC_OR_PARTITION',
  'LEADER_NOT_AVAILABLE',
]);

export function wrapAdmin(admin: Admin, log: Log, requestTimeoutMs: number): KafkaAdmin {
  const call = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toInfraError(error, operation);
    }
  };

  /**
   * Metadata of topics that exist or were just created. A topic another process created a moment ago (our
   * create then found it existing, and kafkajs does not wait for its leaders then) can be unknown to the
   * broker's metadata for a moment: asked again every 100 ms, for at most the request timeout.
   */
  const topicMetadata = async (topics: string[]): ReturnType<Admin['fetchTopicMetadata']> => {
    const deadline = Date.now() + requestTimeoutMs;
    for (;;) {
      try {
        return await admin.fetchTopicMetadata({ topics });
      } catch (error) {
        const mapped = toInfraError(error, 'fetch topic metadata');
        if (!JUST_CREATED_ERRORS.has(String(mapped.vendorCode)) || Date.now() >= deadline) throw mapped;
      }
      await new Promise((resolve) => setTimeout(resolve, 100).unref());
    }
  };

  const fetchTopicOffsets = (topic: string): Promise<PartitionOffsets[]> =>
    call(`fetch offsets of ${topic}`, async () => {
      const offsets = await admin.fetchTopicOffsets(topic);
      return offsets
        .map(({ partition, low, high }) => ({ partition, low, high }))
        .sort((a, b) => a.partition - b.partition);
    });

  return {
    partitionCount: (topic) =>
      call(`fetch metadata of ${topic}`, async () => {
        const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
        const partitions = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
        if (partitions === 0) throw new Error(`topic ${topic} has no partitions`);
        return partitions;
      }),
    async ensureTopics(specs) {
      validateTopicSpecs(specs);
      if (specs.length === 0) return { created: [], existing: [], fewerPartitions: [] };
      const before = new Set(await call('list topics', () => admin.listTopics()));
      const missing = specs.filter((spec) => !before.has(spec.topic));
      const created: string[] = [];
      if (missing.length > 0) {
        try {
          await call(`create topics ${missing.map((s) => s.topic).join(', ')}`, () =>
            admin.createTopics({
              waitForLeaders: true,
              timeout: requestTimeoutMs,
              topics: missing.map((spec) => ({
                topic: spec.topic,
                numPartitions: spec.partitions,
                replicationFactor: spec.replicationFactor ?? -1,
                configEntries: Object.entries(spec.configs ?? {}).map(([name, value]) => ({ name, value })),
              })),
            }),
          );
        } catch (error) {
          // kafkajs waits for the leaders but gives up when the broker's metadata does not know a topic yet
          // (KRaft, a moment after the create; seen when two services create the same topic together). The
          // metadata below asks again until the request timeout; a topic that really failed fails there.
          if (!(error instanceof InfraError && JUST_CREATED_ERRORS.has(String(error.vendorCode))))
            throw error;
          log('debug', 'created topics not in the metadata yet; asking again', { error: String(error) });
        }
        // Another process may have created some of them in between; the metadata below tells either way.
        created.push(...missing.map((spec) => spec.topic));
      }
      const metadata = await topicMetadata(specs.map((spec) => spec.topic));
      const partitionCount = new Map(metadata.topics.map((t) => [t.name, t.partitions.length]));
      const fewerPartitions: { topic: string; partitions: number; requested: number }[] = [];
      for (const spec of specs) {
        const partitions = partitionCount.get(spec.topic) ?? 0;
        if (partitions < spec.partitions) {
          fewerPartitions.push({ topic: spec.topic, partitions, requested: spec.partitions });
          log('warn', 'existing topic has fewer partitions than requested; left unchanged', {
            topic: spec.topic,
            partitions,
            requested: spec.partitions,
          });
        }
      }
      return {
        created,
        existing: specs.filter((spec) => before.has(spec.topic)).map((spec) => spec.topic),
        fewerPartitions,
      };
    },

    async deleteTopics(topics) {
      const problems: string[] = [];
      topics.forEach((topic, i) => checkTopicName(problems, `topics[${i}]`, topic));
      throwIfProblems('deleteTopics arguments', problems);
      const existing = new Set(await call('list topics', () => admin.listTopics()));
      const present = topics.filter((topic) => existing.has(topic));
      if (present.length === 0) return;
      await call(`delete topics ${present.join(', ')}`, () =>
        admin.deleteTopics({ topics: [...present], timeout: requestTimeoutMs }),
      );
    },

    listTopics: () => call('list topics', () => admin.listTopics()),

    fetchTopicOffsets,

    async consumerLag(groupId, topics) {
      const committed = await call(`fetch committed offsets of group ${groupId}`, () =>
        admin.fetchOffsets({ groupId, topics: [...topics] }),
      );
      const partitions: PartitionLag[] = [];
      for (const topic of topics) {
        const watermarks = await fetchTopicOffsets(topic);
        const committedByPartition = new Map(
          (committed.find((c) => c.topic === topic)?.partitions ?? []).map((p) => [p.partition, p.offset]),
        );
        for (const { partition, low, high } of watermarks) {
          const raw = committedByPartition.get(partition);
          // kafkajs reports "no committed offset" as -1.
          const committedOffset = raw === undefined || BigInt(raw) < 0n ? null : raw;
          partitions.push({
            topic,
            partition,
            committedOffset,
            low,
            high,
            lag: partitionLag(committedOffset, low, high),
          });
        }
      }
      return { groupId, total: partitions.reduce((sum, p) => sum + p.lag, 0), partitions };
    },

    disconnect: () => call('disconnect admin', () => admin.disconnect()),
  };
}

/**
 * Messages the group still has to read on one partition: `high - max(committed, low)`, or `high - low`
 * without a committed offset (a new group starts from the earliest stored message), never negative.
 */
export function partitionLag(committedOffset: string | null, low: string, high: string): number {
  const lowN = BigInt(low);
  const from = committedOffset === null ? lowN : bigMax(BigInt(committedOffset), lowN);
  const lag = BigInt(high) - from;
  return lag > 0n ? Number(lag) : 0;
}

function bigMax(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function validateTopicSpecs(specs: readonly TopicSpec[]): void {
  const problems: string[] = [];
  specs.forEach((spec, i) => {
    checkTopicName(problems, `topics[${i}].topic`, spec.topic);
    if (spec.partitions === undefined) problems.push(`topics[${i}].partitions: required`);
    checkPositiveInteger(problems, `topics[${i}].partitions`, spec.partitions);
    checkPositiveInteger(problems, `topics[${i}].replicationFactor`, spec.replicationFactor);
  });
  throwIfProblems('topic specs', problems);
}
