import { inspect } from 'node:util';
import { InfraError } from '@cdrate/errors';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
import type { BackoffPolicy } from './backoff.js';
import { checkPositiveInteger, checkTopicName, throwIfProblems } from './config.js';
import { toInfraError } from './errors.js';
import type { Log } from './log.js';
import { fromKafkaJSMessage } from './messages.js';
import type { ConsumedMessage } from './messages.js';

/** Consecutive messages of one partition, in offset order, handed to the handler at once. */
export interface ConsumedBatch {
  readonly topic: string;
  readonly partition: number;
  /** At least one message, at most `maxBatchSize`. */
  readonly messages: readonly ConsumedMessage[];
  /** The partition's high watermark when the batch was fetched (offset of the next message to be written). */
  readonly highWatermark: string;
}

/** Where a handler failure happened and what the consumer does about it. */
export interface ConsumerErrorContext {
  readonly topic?: string;
  readonly partition?: number;
  /** True when the same messages will be delivered again after a backoff; false when the consumer stops. */
  readonly retrying: boolean;
  /** Consecutive failures of this partition's batch, including this one (0 for errors outside a batch). */
  readonly attempt: number;
}

export interface ConsumerOptions {
  /** Consumer group; the partitions of `topics` are shared among its members, offsets are committed for it. */
  readonly groupId: string;
  readonly topics: readonly string[];
  /** Where a group without a committed offset starts: the earliest stored message (true) or new ones only. */
  readonly fromBeginning: boolean;
  /**
   * Processes one batch. Resolve when its effects are durable: the adapter then commits the offset after the
   * batch's last message. Throw a retryable `InfraError` (e.g. `SINK_UNAVAILABLE`) to get the same messages
   * again after a backoff, with nothing committed. Any other error stops the consumer (see
   * {@link ConsumerHandle.done}). Must be idempotent: a batch can be delivered more than once.
   */
  readonly handleBatch: (batch: ConsumedBatch) => Promise<void>;
  /** Most messages per handler call; larger fetches are split (each part committed on its own). Default 1000. */
  readonly maxBatchSize?: number;
  /** A member that does not heartbeat for this long is removed from the group. Default 30000 ms (broker minimum 6000). */
  readonly sessionTimeoutMs?: number;
  /** How long the coordinator waits for members to rejoin during a rebalance. Default 60000 ms. */
  readonly rebalanceTimeoutMs?: number;
  /** Most bytes fetched per partition per request; a larger single message is still fetched. Default 1 MiB. */
  readonly maxBytesPerPartition?: number;
  /** Backoff between redeliveries after retryable handler errors. Default 200 ms doubling to 10 s. */
  readonly backoff?: BackoffPolicy;
  /** Bound on {@link ConsumerHandle.stop}. Default 10000 ms. */
  readonly stopTimeoutMs?: number;
  /**
   * How many partitions' batches of one fetch are handled at the same time (kafkajs
   * `partitionsConsumedConcurrently`). Default 1: one partition after the other. With more, handlers of
   * different partitions run concurrently (e.g. to fill one shared sink batch); each partition still gets
   * one batch at a time, in order, committed after its own handler resolved. kafkajs fetches again only
   * after every batch of the previous fetch was handled.
   */
  readonly partitionsConsumedConcurrently?: number;
  /** Told about every handler failure and consumer crash, e.g. for metrics. Must not throw. */
  readonly onError?: (error: InfraError, context: ConsumerErrorContext) => void;
}

export interface ConsumerHandle {
  /**
   * Graceful stop: fetches no more, lets the batch in flight finish and commit, leaves the group and
   * disconnects. Rejects with `InfraError('TIMEOUT')` when that takes longer than `stopTimeoutMs` (exit the
   * process then; uncommitted work is redelivered to the next member). Idempotent.
   */
  stop(): Promise<void>;
  /**
   * Settles once when the consumer ends: resolves after {@link stop} completed; rejects with the
   * `InfraError` that stopped it (a non-retryable handler error, a kafkajs crash it does not recover from,
   * or a stop timeout). Attach a handler: an unobserved rejection is an unhandled rejection.
   */
  readonly done: Promise<void>;
  /** True from start until a stop begins or a fatal error. */
  isRunning(): boolean;
}

/** kafkajs long-polls at most this long when there is nothing to fetch; also bounds how fast stop and resume act. */
const MAX_WAIT_TIME_MS = 500;

interface ResolvedConsumerOptions {
  readonly maxBatchSize: number;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  readonly maxBytesPerPartition: number;
  readonly backoff: BackoffPolicy;
  readonly stopTimeoutMs: number;
  readonly partitionsConsumedConcurrently: number;
}

/** Validates consumer options (all problems at once, `InfraError('CONFIG')`) and applies defaults. */
export function resolveConsumerOptions(options: ConsumerOptions): ResolvedConsumerOptions {
  const problems: string[] = [];
  if (typeof options.groupId !== 'string' || !/^[a-zA-Z0-9._-]{1,255}$/.test(options.groupId)) {
    problems.push(`groupId: "${String(options.groupId)}" must be 1-255 chars of [a-zA-Z0-9._-]`);
  }
  if (!Array.isArray(options.topics) || options.topics.length === 0) {
    problems.push('topics: at least one topic is required');
  } else {
    options.topics.forEach((topic, i) => checkTopicName(problems, `topics[${i}]`, topic));
  }
  if (typeof options.fromBeginning !== 'boolean') problems.push('fromBeginning: must be true or false');
  if (typeof options.handleBatch !== 'function') problems.push('handleBatch: must be a function');
  checkPositiveInteger(problems, 'maxBatchSize', options.maxBatchSize);
  checkPositiveInteger(problems, 'sessionTimeoutMs', options.sessionTimeoutMs);
  checkPositiveInteger(problems, 'rebalanceTimeoutMs', options.rebalanceTimeoutMs);
  checkPositiveInteger(problems, 'maxBytesPerPartition', options.maxBytesPerPartition);
  checkPositiveInteger(problems, 'stopTimeoutMs', options.stopTimeoutMs);
  checkPositiveInteger(problems, 'partitionsConsumedConcurrently', options.partitionsConsumedConcurrently);
  if (options.backoff !== undefined) {
    checkPositiveInteger(problems, 'backoff.initialMs', options.backoff.initialMs);
    checkPositiveInteger(problems, 'backoff.maxMs', options.backoff.maxMs);
    if (options.backoff.maxMs < options.backoff.initialMs) {
      problems.push('backoff.maxMs: must not be below backoff.initialMs');
    }
  }
  throwIfProblems('consumer options', problems);
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000;
  return {
    maxBatchSize: options.maxBatchSize ?? 1000,
    sessionTimeoutMs,
    rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 60_000,
    // kafkajs requires it below the session timeout and recommends a third of it.
    heartbeatIntervalMs: Math.max(100, Math.min(3000, Math.floor(sessionTimeoutMs / 3))),
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1024 * 1024,
    backoff: options.backoff ?? DEFAULT_BACKOFF,
    stopTimeoutMs: options.stopTimeoutMs ?? 10_000,
    partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
  };
}

/**
 * Joins the group and starts consuming; resolves once the consumer runs. Throws `InfraError` when options
 * are invalid or the first connection fails.
 *
 * Delivery is at-least-once with commit-after-handle: for each batch the handler is awaited, then the
 * offset after its last message is committed, and only then does this partition move on. A crash or a
 * rebalance between handling and commit redelivers the batch; no message is ever skipped.
 */
export async function runConsumer(kafka: Kafka, log: Log, options: ConsumerOptions): Promise<ConsumerHandle> {
  const settings = resolveConsumerOptions(options);
  const { groupId, handleBatch, onError } = options;
  const consumer: Consumer = kafka.consumer({
    groupId,
    sessionTimeout: settings.sessionTimeoutMs,
    rebalanceTimeout: settings.rebalanceTimeoutMs,
    heartbeatInterval: settings.heartbeatIntervalMs,
    maxBytesPerPartition: settings.maxBytesPerPartition,
    maxWaitTimeInMs: MAX_WAIT_TIME_MS,
    allowAutoTopicCreation: false,
  });

  let state: 'running' | 'stopping' | 'stopped' | 'failed' = 'running';
  let stopping: Promise<void> | undefined;
  /** Consecutive retryable failures per `topic:partition`; cleared by a successful commit. */
  const attempts = new Map<string, number>();
  const resumeTimers = new Set<NodeJS.Timeout>();

  let settleDone!: (error?: InfraError) => void;
  const done = new Promise<void>((resolve, reject) => {
    settleDone = (error) => (error ? reject(error) : resolve());
  });

  const report = (error: InfraError, context: ConsumerErrorContext): void => {
    try {
      onError?.(error, context);
    } catch (hookError) {
      log('error', 'onError hook threw', { groupId, error: String(hookError) });
    }
  };

  /** The error that ended the consumer, if one did; `done` rejects with it even when a stop was under way. */
  let fatal: InfraError | undefined;

  /** Ends the consumer: disconnects (bounded), then settles `done` once. Idempotent. */
  const shutdown = (): Promise<void> => {
    if (stopping) return stopping;
    if (state === 'running') state = 'stopping';
    for (const timer of resumeTimers) clearTimeout(timer);
    resumeTimers.clear();
    stopping = withTimeout(
      consumer.disconnect(),
      settings.stopTimeoutMs,
      `stop consumer of group ${groupId}`,
    ).then(
      () => {
        state = fatal ? 'failed' : 'stopped';
        settleDone(fatal);
      },
      (stopError: unknown) => {
        const mapped = toInfraError(stopError, `stop consumer of group ${groupId}`);
        state = 'failed';
        settleDone(fatal ?? mapped);
        throw mapped;
      },
    );
    return stopping;
  };

  const fail = (error: InfraError, context: ConsumerErrorContext): void => {
    if (fatal) return;
    fatal = error;
    state = 'failed';
    log('error', 'consumer stops on a non-retryable error; nothing of the failed batch is committed', {
      groupId,
      ...context,
      code: error.code,
      error: error.message,
      cause: error.cause instanceof Error ? error.cause.stack : undefined,
    });
    report(error, context);
    // Not awaited: disconnecting waits for this very batch callback to return. `done` carries the outcome.
    shutdown().catch(() => undefined);
  };

  consumer.on(consumer.events.CRASH, ({ payload }) => {
    const error = toInfraError(payload.error, `consume group ${groupId}`);
    if (payload.restart) {
      log('warn', 'kafkajs consumer crashed and restarts', { groupId, error: error.message });
      report(error, { retrying: true, attempt: 0 });
    } else {
      fail(error, { retrying: false, attempt: 0 });
    }
  });

  const eachBatch = async (payload: EachBatchPayload): Promise<void> => {
    const { topic, partition, highWatermark } = payload.batch;
    const key = `${topic}:${partition}`;
    const all = payload.batch.messages.map(fromKafkaJSMessage);
    for (let start = 0; start < all.length; start += settings.maxBatchSize) {
      // Stopping: leave the rest unresolved and uncommitted; the next owner reads it again.
      if (state !== 'running' || !payload.isRunning() || payload.isStale()) return;
      const messages = all.slice(start, start + settings.maxBatchSize);
      const first = messages[0];
      const last = messages[messages.length - 1];
      if (first === undefined || last === undefined) return;

      const failure = await handleWithHeartbeats({ topic, partition, messages, highWatermark }, () =>
        payload.heartbeat(),
      );
      if (failure !== undefined) {
        const error = asHandlerError(failure);
        const attempt = (attempts.get(key) ?? 0) + 1;
        if (!error.retryable) {
          payload.pause();
          fail(error, { topic, partition, retrying: false, attempt });
          return;
        }
        attempts.set(key, attempt);
        const delayMs = backoffDelay(attempt, settings.backoff);
        log('warn', 'handler failed with a retryable error; the batch will be redelivered', {
          groupId,
          topic,
          partition,
          fromOffset: first.offset,
          attempt,
          delayMs,
          code: error.code,
          error: error.message,
        });
        report(error, { topic, partition, retrying: true, attempt });
        if (state !== 'running') return; // stopping: the next owner of the partition gets the batch
        // Nothing is resolved or committed; rewind explicitly to the first message of this batch, and stop
        // fetching the partition until the backoff is over. (kafkajs applies the seek on the next fetch.)
        consumer.seek({ topic, partition, offset: first.offset });
        const resume = payload.pause();
        const timer = setTimeout(() => {
          resumeTimers.delete(timer);
          try {
            resume();
          } catch (resumeError) {
            // The consumer restarted or stopped meanwhile; a new group session starts unpaused anyway.
            log('debug', 'resume after backoff failed', {
              groupId,
              topic,
              partition,
              error: String(resumeError),
            });
          }
        }, delayMs);
        timer.unref();
        resumeTimers.add(timer);
        return;
      }

      const next = (BigInt(last.offset) + 1n).toString();
      try {
        await payload.commitOffsetsIfNecessary({
          topics: [{ topic, partitions: [{ partition, offset: next }] }],
        });
      } catch (commitError) {
        // Thrown as is so that kafkajs recognises rebalances and rejoins; the batch was not resolved, so it
        // is fetched and handled again (at-least-once).
        log('warn', 'commit failed; the batch will be redelivered', {
          groupId,
          topic,
          partition,
          offset: next,
          error: String(commitError),
        });
        throw commitError;
      }
      payload.resolveOffset(last.offset);
      attempts.delete(key);
      // Throws when the group is rebalancing: kafkajs then rejoins, and the rest of this fetch, not yet
      // handled, is fetched again by whoever owns the partition next. Everything handled is committed.
      if (state === 'running' && payload.isRunning()) await payload.heartbeat();
    }
  };

  const handleWithHeartbeats = async (
    batch: ConsumedBatch,
    heartbeat: () => Promise<void>,
  ): Promise<unknown> => {
    // Keep the group session alive while a long batch is handled; kafkajs sends at most one heartbeat per
    // interval. A rebalance noticed here is handled by kafkajs after this batch is committed.
    const timer = setInterval(() => {
      heartbeat().catch((error: unknown) => {
        log('debug', 'heartbeat during batch failed', { groupId, error: String(error) });
      });
    }, settings.heartbeatIntervalMs);
    timer.unref();
    try {
      await handleBatch(batch);
      return undefined;
    } catch (error) {
      return error ?? new Error('handleBatch rejected without a reason');
    } finally {
      clearInterval(timer);
    }
  };

  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: options.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch,
    });
  } catch (error) {
    await consumer.disconnect().catch(() => undefined);
    throw toInfraError(error, `start consumer of group ${groupId}`);
  }

  return {
    stop: shutdown,
    done,
    isRunning: () => state === 'running',
  };
}

/**
 * A handler's failure as an `InfraError`. Anything else a handler throws is a bug: `INTERNAL`, not
 * retryable, with the original as cause.
 */
export function asHandlerError(failure: unknown): InfraError {
  if (failure instanceof InfraError) return failure;
  const detail = failure instanceof Error ? failure.message : inspect(failure);
  return new InfraError('INTERNAL', `handleBatch threw a non-InfraError: ${detail}`, { cause: failure });
}

/** Rejects with `InfraError('TIMEOUT')` if `promise` has not settled within `ms`; the timer is unref'd. */
export function withTimeout<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new InfraError('TIMEOUT', `${operation} timed out after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
