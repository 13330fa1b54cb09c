import { randomBytes } from 'node:crypto';
import { InfraError, isRetryable } from '@cdrate/errors';
import { backoffDelay } from '@cdrate/kafka';
import type { ConsumedBatch, ConsumerHandle, KafkaClient, PartitionOffsets } from '@cdrate/kafka';
import type { Account } from '@cdrate/rating-core';
import { readAccountMessage } from './convert.js';

/** The few pino methods the directory logs with (a pino `Logger` fits). */
export interface DirectoryLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface AccountDirectoryOptions {
  readonly kafka: KafkaClient;
  /** The compacted accounts topic; it must exist. */
  readonly topic: string;
  /**
   * A consumer group used by this directory alone (see {@link accountDirectoryGroupId}): with one member it
   * is assigned every partition, and without committed offsets it starts from the beginning.
   */
  readonly groupId: string;
  readonly logger: DirectoryLogger;
  /** Session timeout of the directory's consumer. Default 30000 ms (broker minimum 6000). */
  readonly sessionTimeoutMs?: number;
  /** Told about every invalid record (after it was logged), e.g. for a metric. Must not throw. */
  readonly onInvalid?: (accountId: string | null, message: string) => void;
}

/** Counters since start. */
export interface AccountDirectoryStats {
  /** Accounts added or replaced. */
  readonly upserts: number;
  /** Tombstones applied (also of unknown accounts). */
  readonly deletes: number;
  /** Records skipped as invalid (the previous version of the account, if any, stays in effect). */
  readonly invalid: number;
}

/** An in-memory, continuously updated view of the accounts topic. */
export interface AccountDirectory {
  /** The account's current version, or `undefined` when unknown or deleted. O(1), no I/O. */
  get(accountId: string): Account | undefined;
  /** Accounts currently known. */
  readonly size: number;
  /** True once every partition was read up to the high watermark captured at start. */
  isLoaded(): boolean;
  /**
   * Resolves once loaded (see {@link isLoaded}); updates keep being applied afterwards. Rejects with
   * `InfraError('TIMEOUT')` after `timeoutMs`, or with the consumer's error when it stops first.
   */
  waitUntilLoaded(timeoutMs: number): Promise<void>;
  stats(): AccountDirectoryStats;
  /** Stops following the topic and leaves the group. Idempotent. */
  stop(): Promise<void>;
  /** Resolves after {@link stop}; rejects when the consumer failed. */
  readonly done: Promise<void>;
}

/** Attempts at reading the start watermarks: 200 ms doubling to 2 s, about 15 s in all. */
const WATERMARK_ATTEMPTS = 10;

/**
 * The topic's watermarks at start. Retries retryable errors: right after a topic was created (by this
 * process or a sibling service starting at the same moment) its partitions may have no leader yet.
 */
async function fetchWatermarks(
  kafka: KafkaClient,
  topic: string,
  logger: DirectoryLogger,
): Promise<PartitionOffsets[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      const admin = await kafka.connectAdmin();
      try {
        return await admin.fetchTopicOffsets(topic);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    } catch (error) {
      if (!isRetryable(error) || attempt >= WATERMARK_ATTEMPTS) throw error;
      const delayMs = backoffDelay(attempt, { initialMs: 200, maxMs: 2000 });
      logger.warn(
        { topic, attempt, delayMs, err: error },
        'reading the accounts topic offsets failed; retrying',
      );
      await new Promise((resolve) => setTimeout(resolve, delayMs).unref());
    }
  }
}

/**
 * A throwaway consumer group name for one directory instance: `<prefix>-accounts-<instanceId>-<random>`,
 * with characters Kafka does not allow in group ids replaced by `_`. Random so that a restarted instance
 * reads everything again instead of resuming from its predecessor's offsets.
 */
export function accountDirectoryGroupId(prefix: string, instanceId: string): string {
  const safe = (text: string): string => text.replace(/[^a-zA-Z0-9._-]/g, '_');
  return `${safe(prefix)}-accounts-${safe(instanceId)}-${randomBytes(4).toString('hex')}`.slice(0, 255);
}

/**
 * Starts reading the accounts topic: captures the high watermark of every partition, then consumes all
 * partitions from the beginning in `groupId`. Valid `Account` records replace the account, tombstones (null
 * values) delete it, invalid records are logged, counted and skipped. Resolves once the consumer runs; use
 * {@link AccountDirectory.waitUntilLoaded} before trusting {@link AccountDirectory.get}. Throws
 * `InfraError` when the topic's offsets cannot be read or the consumer cannot start.
 *
 * A partition counts as read once a message at or after `high − 1` was consumed. A partition whose last
 * offsets hold no records (e.g. transaction markers, which this project does not write) would never count.
 */
export async function startAccountDirectory(options: AccountDirectoryOptions): Promise<AccountDirectory> {
  const { kafka, topic, groupId, logger } = options;
  const accounts = new Map<string, Account>();
  let upserts = 0;
  let deletes = 0;
  let invalid = 0;

  const watermarks = await fetchWatermarks(kafka, topic, logger);
  /** Partition → offset the directory must reach (the high watermark at start) to count as loaded. */
  const pending = new Map<number, bigint>();
  for (const { partition, low, high } of watermarks) {
    if (BigInt(high) > BigInt(low)) pending.set(partition, BigInt(high));
  }

  let loaded = false;
  const waiters = new Set<{ resolve: () => void; reject: (error: Error) => void }>();
  let failure: Error | undefined;
  const markLoaded = (): void => {
    if (loaded || pending.size > 0) return;
    loaded = true;
    logger.info({ topic, groupId, accounts: accounts.size, invalid }, 'account directory loaded');
    for (const waiter of waiters) waiter.resolve();
    waiters.clear();
  };

  const handleBatch = async (batch: ConsumedBatch): Promise<void> => {
    for (const message of batch.messages) {
      const change = readAccountMessage(message.key, message.value);
      if (change.kind === 'upsert') {
        accounts.set(change.account.accountId, change.account);
        upserts++;
      } else if (change.kind === 'delete') {
        accounts.delete(change.accountId);
        deletes++;
      } else {
        invalid++;
        logger.warn(
          {
            topic: batch.topic,
            partition: batch.partition,
            offset: message.offset,
            accountId: change.accountId,
            reason: change.message,
          },
          'invalid account record skipped',
        );
        try {
          options.onInvalid?.(change.accountId, change.message);
        } catch {
          // A metrics hook must not stop the directory.
        }
      }
    }
    const last = batch.messages[batch.messages.length - 1];
    const target = pending.get(batch.partition);
    if (last !== undefined && target !== undefined && BigInt(last.offset) + 1n >= target) {
      pending.delete(batch.partition);
      markLoaded();
    }
    return Promise.resolve();
  };

  const consumer: ConsumerHandle = await kafka.runConsumer({
    groupId,
    topics: [topic],
    fromBeginning: true,
    handleBatch,
    ...(options.sessionTimeoutMs === undefined
      ? {}
      : { sessionTimeoutMs: options.sessionTimeoutMs, rebalanceTimeoutMs: options.sessionTimeoutMs }),
  });
  const done = consumer.done.then(
    () => {
      const stopped = new InfraError('INTERNAL', `account directory of ${topic} stopped before it loaded`);
      if (!loaded) failure = stopped;
      for (const waiter of waiters) waiter.reject(stopped);
      waiters.clear();
    },
    (error: unknown) => {
      const failed = error instanceof Error ? error : new InfraError('INTERNAL', String(error));
      failure = failed;
      for (const waiter of waiters) waiter.reject(failed);
      waiters.clear();
      throw failed;
    },
  );
  // `done` is handed to the caller; this only keeps a failure before anyone awaits it from being unhandled.
  done.catch(() => undefined);
  markLoaded();

  return {
    get: (accountId) => accounts.get(accountId),
    get size() {
      return accounts.size;
    },
    isLoaded: () => loaded,
    waitUntilLoaded(timeoutMs) {
      if (loaded) return Promise.resolve();
      if (failure !== undefined) return Promise.reject(failure);
      return new Promise<void>((resolve, reject) => {
        const waiter = {
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
          reject: (error: Error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          const left = [...pending.keys()].sort((a, b) => a - b).join(', ');
          reject(
            new InfraError(
              'TIMEOUT',
              `accounts topic ${topic} not loaded within ${timeoutMs} ms (partitions still behind: ${left})`,
            ),
          );
        }, timeoutMs);
        timer.unref();
        waiters.add(waiter);
      });
    },
    stats: () => ({ upserts, deletes, invalid }),
    stop: () => consumer.stop(),
    done,
  };
}
