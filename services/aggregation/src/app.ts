/**
 * The aggregation app: consumes `cdr.rated` and `cdr.dlq` in one group, buffers rows per table across
 * partitions and lands them in ClickHouse (`rated_calls`, `rejected_cdrs`), committing a partition's offsets
 * only after the insert that carries its rows succeeded.
 */
import { performance } from 'node:perf_hooks';
import { migrate } from '@cdrate/clickhouse';
import type { BytesInsertOptions, ClickhouseClient } from '@cdrate/clickhouse';
import { InfraError } from '@cdrate/errors';
import type {
  ConsumedBatch,
  ConsumedMessage,
  ConsumerHandle,
  KafkaAdmin,
  KafkaClient,
  KafkaProducer,
  OutgoingMessage,
} from '@cdrate/kafka';
import {
  deadLetterMessage,
  decodeDlqRecord,
  decodeRatedCalls,
  rejectOfDecodeFailure,
  type DecodedRecords,
  type DecodeResult,
  type RatedCall,
} from '@cdrate/schemas';
import type { Logger, ServiceApp } from '@cdrate/service-runtime';
import type { Registry } from 'prom-client';
import { Batcher } from './batcher.js';
import type { BatchSink, RefusedRow } from './batcher.js';
import { RowChunkWriter, type RowChunk } from './chunks.js';
import type { AggregationConfig } from './config.js';
import { createAggregationMetrics } from './metrics.js';
import { writeRatedRowsDirect } from './rated-avro-tsv.js';
import { RATED_CALLS_COLUMNS, ratedCallTsvRowMaxBytes, writeRatedCallTsvRow } from './rated-tsv.js';
import { rejectedCdrRow } from './rows.js';

const STAGE = 'aggregation';
/** DLQ code of a rated call ClickHouse (or the row serializer) refuses. */
export const SINK_REJECTED = 'SINK_REJECTED';
/** Reject code of a `cdr.dlq` message that cannot be read or stored; it is skipped, never re-dead-lettered. */
export const DLQ_UNREADABLE = 'DLQ_UNREADABLE';
const DLQ_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const LAG_SAMPLE_MS = 5000;
/** How often ClickHouse is pinged while it is unreachable (readiness false). */
const SINK_RECHECK_MS = 1000;
/**
 * Buffers holding at least BATCH_MAX_ROWS / this rows together are flushed early when no more rows can arrive;
 * fewer wait for BATCH_MAX_WAIT_MS. Each insert costs ClickHouse a fixed ~40–60 ms of CPU (a part per month, a
 * file per column, the merges), so an early flush should carry many rows (figures in the README).
 */
const EARLY_FLUSH_FRACTION = 2;
export const RATED_CALLS_TABLE = 'rated_calls';
export const REJECTED_CDRS_TABLE = 'rejected_cdrs';

/**
 * The rows of one consumed batch for one table, as bytes, and the batch's messages: a refused row's dead
 * letter is rebuilt from its message (`messages[messageIndex[row]]`) when needed, which is rare, so no
 * decoded record or per-row object waits for the insert.
 */
interface SourcedChunk extends RowChunk {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly ConsumedMessage[];
}

/** What a dead letter says about its origin. */
interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly cdrId: string | null;
  /** The dead-letter payload: the message value, or the record's single frame for one of a batch frame. */
  readonly payload: Uint8Array;
}

export type AggregationSettings = Pick<
  AggregationConfig,
  | 'topicRated'
  | 'topicDlq'
  | 'topicPartitions'
  | 'consumerGroup'
  | 'clickhouseDatabase'
  | 'clickhouseMigrationsDir'
  | 'batchMaxRows'
  | 'batchMaxWaitMs'
>;

export interface AggregationAppOptions {
  readonly settings: AggregationSettings;
  readonly kafka: KafkaClient;
  /** A client whose database is `settings.clickhouseDatabase`. The app closes it on stop. */
  readonly clickhouse: ClickhouseClient;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Consumer tuning for tests (the broker's minimum session timeout, a short backoff). */
  readonly consumer?: {
    readonly sessionTimeoutMs?: number;
    readonly backoff?: { readonly initialMs: number; readonly maxMs: number };
  };
  /** Clock for `failed_at` of dead letters, epoch ms. Default `Date.now`. */
  readonly now?: () => number;
}

/**
 * Creates the app; nothing connects before `start()`. `start` applies the ClickHouse migrations, creates the
 * topics, connects a producer (dead letters) and joins the consumer group; `stop` stops fetching, flushes
 * the buffers so the batches in flight are inserted and committed, and closes everything.
 */
export function createAggregationApp(options: AggregationAppOptions): ServiceApp {
  const { settings, kafka, clickhouse, logger } = options;
  const now = options.now ?? Date.now;
  const metrics = createAggregationMetrics(options.registry);
  let admin: KafkaAdmin | undefined;
  let producer: KafkaProducer | undefined;
  let consumer: ConsumerHandle | undefined;
  let lagTimer: NodeJS.Timeout | undefined;
  let sinkOk = false;
  let lastSinkContactMs = 0;
  let stopping: Promise<void> | undefined;

  let settleDone!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settleDone = (error) => (error === undefined ? resolve() : reject(error));
  });

  async function insertInto(
    table: string,
    body: readonly Buffer[],
    rows: number,
    options?: BytesInsertOptions,
  ): Promise<void> {
    const started = performance.now();
    try {
      await clickhouse.insertBytes(table, body, options);
    } catch (error) {
      if (error instanceof InfraError && error.retryable) sinkOk = false;
      logger.warn({ table, rows, code: (error as InfraError).code, err: error }, 'ClickHouse insert failed');
      throw error;
    }
    metrics.insertDuration.observe({ table }, (performance.now() - started) / 1000);
    metrics.insertedRows.inc({ table }, rows);
    sinkOk = true;
    lastSinkContactMs = Date.now();
  }

  async function sendDeadLetters(letters: readonly OutgoingMessage[]): Promise<void> {
    if (letters.length === 0) return;
    if (producer === undefined) throw new InfraError('INTERNAL', 'dead letter before the producer connected');
    await producer.send(settings.topicDlq, letters);
    metrics.produced.inc({ topic: settings.topicDlq }, letters.length);
  }

  function deadLetter(source: DeadLetterSource, code: string, message: string): OutgoingMessage {
    const letter = deadLetterMessage({
      cdrId: source.cdrId,
      errorCode: code,
      errorMessage: message,
      stage: STAGE,
      payload: source.payload,
      origin: { topic: source.topic, partition: source.partition, offset: source.offset },
      failedAtMs: now(),
    });
    metrics.rejected.inc({ stage: STAGE, code });
    logger.warn(
      { topic: source.topic, partition: source.partition, offset: source.offset, code, error: message },
      'rated call dead-lettered',
    );
    return letter;
  }

  /**
   * Dead letters of rated calls ClickHouse refused, each with its own record's single frame and cdr_id,
   * re-read from the retained message (each message decoded once per call, however many of its rows).
   */
  function refusedRatedCalls(rows: readonly RefusedRow<SourcedChunk>[]): OutgoingMessage[] {
    const decodedMessages = new Map<ConsumedMessage, DecodeResult<DecodedRecords<RatedCall>>>();
    return rows.map(({ chunk, row, error }) => {
      const message = chunk.messages[chunk.messageIndex[row]!]!;
      const item = chunk.itemIndex[row]!;
      let decoded = decodedMessages.get(message);
      if (decoded === undefined) {
        // A row was written only for a message that decoded, so the value is there and decodes again.
        decoded = decodeRatedCalls(message.value ?? new Uint8Array(0));
        decodedMessages.set(message, decoded);
      }
      const record = decoded.ok ? decoded.value.items[item] : undefined;
      const source: DeadLetterSource = {
        topic: chunk.topic,
        partition: chunk.partition,
        offset: message.offset,
        cdrId: record?.ok === true ? record.value.cdr_id : null,
        payload: decoded.ok ? decoded.value.frameOf(item) : (message.value ?? new Uint8Array(0)),
      };
      return deadLetter(source, SINK_REJECTED, `ClickHouse refused the row: ${error.message}`);
    });
  }

  const ratedInsert: BytesInsertOptions = { format: 'TabSeparated', columns: RATED_CALLS_COLUMNS };
  const ratedSink: BatchSink<SourcedChunk> = {
    insert: (body, rows) => insertInto(RATED_CALLS_TABLE, body, rows, ratedInsert),
    refuse: (rows) => sendDeadLetters(refusedRatedCalls(rows)),
  };
  const rejectedSink: BatchSink<SourcedChunk> = {
    insert: (body, rows) => insertInto(REJECTED_CDRS_TABLE, body, rows),
    refuse: (rows) => {
      // Never dead-letter a dead letter (it would come back here): log, count, skip.
      for (const { chunk, row, error } of rows) {
        const message = chunk.messages[chunk.messageIndex[row]!]!;
        skipDeadLetter(chunk.topic, chunk.partition, message, `ClickHouse refused the row: ${error.message}`);
      }
      return Promise.resolve();
    },
  };
  const batcherOptions = { maxRows: settings.batchMaxRows, maxWaitMs: settings.batchMaxWaitMs };
  const ratedBatcher = new Batcher<SourcedChunk>({ ...batcherOptions, sink: ratedSink });
  const rejectedBatcher = new Batcher<SourcedChunk>({ ...batcherOptions, sink: rejectedSink });
  // Shared by all handlers: each writes its rows and takes them out without an `await` in between.
  const rowWriter = new RowChunkWriter();

  /**
   * Runs `write`, which writes rows of `batch` into the shared row writer, and takes them out as the batch's
   * chunk. When `write` throws, its rows are discarded, so none is left for the next handler's chunk.
   */
  function writeChunk(batch: ConsumedBatch, write: () => void): SourcedChunk {
    try {
      write();
    } catch (error) {
      rowWriter.discard();
      throw error;
    }
    return { ...rowWriter.take(), topic: batch.topic, partition: batch.partition, messages: batch.messages };
  }

  // kafkajs fetches again only once every handler of the last fetch returned, so when every running handler
  // waits on a buffer no more rows can arrive: if the buffers hold a worthwhile number of rows together, both
  // are flushed then rather than after BATCH_MAX_WAIT_MS of idling (both: a few dead letters waiting out
  // their timer would hold back the next fetch of rated calls). Fewer rows still wait, so a trickle does not
  // become tiny inserts, and the broker meanwhile gathers a larger next fetch.
  const earlyFlushRows = Math.max(1, Math.ceil(settings.batchMaxRows / EARLY_FLUSH_FRACTION));
  let handlersRunning = 0;
  let handlersWaiting = 0;
  let idleCheckScheduled = false;

  async function waitForLanding(landing: Promise<unknown>): Promise<void> {
    handlersWaiting++;
    if (!idleCheckScheduled) {
      idleCheckScheduled = true;
      // After the handlers started by the same fetch had their turn to append.
      setImmediate(() => {
        idleCheckScheduled = false;
        if (handlersWaiting < handlersRunning) return;
        if (ratedBatcher.bufferedRows + rejectedBatcher.bufferedRows < earlyFlushRows) return;
        ratedBatcher.flushIfAtLeast(1);
        rejectedBatcher.flushIfAtLeast(1);
      });
    }
    try {
      await landing;
    } finally {
      handlersWaiting--;
    }
  }

  function skipDeadLetter(topic: string, partition: number, message: ConsumedMessage, reason: string): void {
    metrics.rejected.inc({ stage: STAGE, code: DLQ_UNREADABLE });
    logger.error(
      { topic, partition, offset: message.offset, error: reason },
      'dead letter skipped: it cannot be landed in rejected_cdrs',
    );
  }

  /**
   * Writes every record of `batch` that decodes and serializes into the shared row writer, as it is decoded
   * (so no decoded record outlives this call), and appends the dead letters of the others to `letters`.
   */
  function writeRatedRows(batch: ConsumedBatch, letters: OutgoingMessage[]): void {
    const { topic, partition, messages } = batch;
    for (let m = 0; m < messages.length; m++) {
      const message = messages[m]!;
      const value = message.value;
      if (value === null) {
        const source = { topic, partition, offset: message.offset, cdrId: null, payload: new Uint8Array(0) };
        letters.push(deadLetter(source, 'EMPTY_VALUE', 'no value'));
        continue;
      }
      // The usual message, every record of which lands as is, is written without decoding it to objects.
      if (writeRatedRowsDirect(rowWriter, value, m)) continue;
      // A single RatedCall frame or a batch frame of them; each record lands or is dead-lettered on its own.
      const decoded = decodeRatedCalls(value);
      if (!decoded.ok) {
        const reject = rejectOfDecodeFailure(decoded);
        const source = { topic, partition, offset: message.offset, cdrId: null, payload: value };
        letters.push(deadLetter(source, reject.code, reject.message));
        continue;
      }
      const records = decoded.value;
      const items = records.items;
      for (let i = 0; i < items.length; i++) {
        const item = items[i]!;
        if (item.ok) {
          const call = item.value;
          try {
            const out = rowWriter.reserve(ratedCallTsvRowMaxBytes(call));
            rowWriter.endRow(writeRatedCallTsvRow(out, rowWriter.length, call), m, i);
            continue;
          } catch (error) {
            const source = {
              topic,
              partition,
              offset: message.offset,
              cdrId: call.cdr_id,
              payload: records.frameOf(i),
            };
            letters.push(
              deadLetter(source, SINK_REJECTED, error instanceof Error ? error.message : String(error)),
            );
            continue;
          }
        }
        const reject = rejectOfDecodeFailure(item);
        const source = { topic, partition, offset: message.offset, cdrId: null, payload: records.frameOf(i) };
        letters.push(deadLetter(source, reject.code, reject.message));
      }
    }
  }

  async function handleRated(batch: ConsumedBatch): Promise<void> {
    const letters: OutgoingMessage[] = [];
    const chunk = writeChunk(batch, () => writeRatedRows(batch, letters));
    // Both must succeed before the commit; the insert does not wait for the dead letters or vice versa.
    const outcomes = Promise.allSettled([sendDeadLetters(letters), ratedBatcher.add(chunk)]);
    await waitForLanding(outcomes);
    const [sent, inserted] = await outcomes;
    if (sent.status === 'rejected') throw sent.reason;
    if (inserted.status === 'rejected') throw inserted.reason;
  }

  /** Writes the `rejected_cdrs` row of every readable dead letter of `batch`; skips the others. */
  function writeDlqRows(batch: ConsumedBatch): void {
    const { topic, partition, messages } = batch;
    for (let m = 0; m < messages.length; m++) {
      const message = messages[m]!;
      const decoded = message.value === null ? undefined : decodeDlqRecord(message.value);
      if (decoded === undefined || !decoded.ok) {
        const reason = decoded === undefined ? 'no value' : `${decoded.code}: ${decoded.message}`;
        skipDeadLetter(topic, partition, message, reason);
        continue;
      }
      try {
        rowWriter.appendLine(rejectedCdrRow(decoded.value), m, 0);
      } catch (error) {
        skipDeadLetter(topic, partition, message, error instanceof Error ? error.message : String(error));
      }
    }
  }

  async function handleDlq(batch: ConsumedBatch): Promise<void> {
    await waitForLanding(rejectedBatcher.add(writeChunk(batch, () => writeDlqRows(batch))));
  }

  async function handleBatch(batch: ConsumedBatch): Promise<void> {
    const started = performance.now();
    metrics.consumed.inc({ topic: batch.topic }, batch.messages.length);
    metrics.batchSize.observe({ stage: STAGE }, batch.messages.length);
    handlersRunning++;
    try {
      if (batch.topic === settings.topicRated) await handleRated(batch);
      else await handleDlq(batch);
    } catch (error) {
      logger.error(
        {
          topic: batch.topic,
          partition: batch.partition,
          fromOffset: batch.messages[0]?.offset,
          toOffset: batch.messages[batch.messages.length - 1]?.offset,
          err: error,
        },
        'batch not landed; nothing of it is committed',
      );
      throw error;
    } finally {
      handlersRunning--;
    }
    metrics.batchDuration.observe({ stage: STAGE }, (performance.now() - started) / 1000);
  }

  async function sampleLagAndSink(): Promise<void> {
    if (admin !== undefined) {
      try {
        const lag = await admin.consumerLag(settings.consumerGroup, [settings.topicRated, settings.topicDlq]);
        const perTopic = new Map<string, number>([
          [settings.topicRated, 0],
          [settings.topicDlq, 0],
        ]);
        for (const partition of lag.partitions) {
          perTopic.set(partition.topic, (perTopic.get(partition.topic) ?? 0) + partition.lag);
        }
        for (const [topic, value] of perTopic) metrics.consumerLag.set({ topic }, value);
      } catch (error) {
        logger.warn({ err: error }, 'consumer lag sample failed');
      }
    }
    // Readiness also follows ClickHouse while nothing is inserted.
    if (!sinkOk || Date.now() - lastSinkContactMs >= LAG_SAMPLE_MS) {
      const contactBefore = lastSinkContactMs;
      const ping = await clickhouse.ping();
      // An insert that succeeded meanwhile is the fresher answer.
      if (lastSinkContactMs === contactBefore) sinkOk = ping.ok;
      if (!ping.ok) logger.warn({ err: ping.error }, 'ClickHouse ping failed');
    }
  }

  function scheduleSample(): void {
    lagTimer = setTimeout(
      () => {
        sampleLagAndSink()
          .catch((error: unknown) => logger.warn({ err: error }, 'periodic sample failed'))
          .finally(() => {
            if (stopping === undefined) scheduleSample();
          });
        // While ClickHouse is unreachable, look again soon, so readiness returns soon after it does.
      },
      sinkOk ? LAG_SAMPLE_MS : SINK_RECHECK_MS,
    );
    lagTimer.unref();
  }

  async function start(): Promise<void> {
    const applied = await migrate(clickhouse, {
      dir: settings.clickhouseMigrationsDir,
      database: settings.clickhouseDatabase,
    });
    logger.info(
      { applied: applied.applied, dir: settings.clickhouseMigrationsDir },
      'ClickHouse migrations done',
    );
    sinkOk = true;
    lastSinkContactMs = Date.now();

    admin = await kafka.connectAdmin();
    const topics = await admin.ensureTopics([
      { topic: settings.topicRated, partitions: settings.topicPartitions },
      {
        topic: settings.topicDlq,
        partitions: settings.topicPartitions,
        configs: { 'max.message.bytes': String(DLQ_MAX_MESSAGE_BYTES) },
      },
    ]);
    if (topics.fewerPartitions.length > 0) {
      logger.warn(
        { fewerPartitions: topics.fewerPartitions },
        'topics have fewer partitions than configured',
      );
    }
    producer = await kafka.connectProducer();
    consumer = await kafka.runConsumer({
      groupId: settings.consumerGroup,
      topics: [settings.topicRated, settings.topicDlq],
      fromBeginning: true,
      handleBatch,
      // A partition's whole fetch goes into the buffer at once, and every partition of both topics can
      // wait on the shared flush together.
      maxBatchSize: settings.batchMaxRows,
      partitionsConsumedConcurrently: 2 * settings.topicPartitions,
      maxBytesPerPartition: 2 * 1024 * 1024,
      ...(options.consumer?.sessionTimeoutMs === undefined
        ? {}
        : {
            sessionTimeoutMs: options.consumer.sessionTimeoutMs,
            rebalanceTimeoutMs: options.consumer.sessionTimeoutMs,
          }),
      ...(options.consumer?.backoff === undefined ? {} : { backoff: options.consumer.backoff }),
      onError: (error, context) =>
        logger.warn({ ...context, code: error.code, err: error }, 'consumer handler failed'),
    });
    consumer.done.then(
      () => settleDone(),
      (error: unknown) =>
        settleDone(error instanceof Error ? error : new InfraError('INTERNAL', String(error))),
    );
    scheduleSample();
  }

  function stop(): Promise<void> {
    stopping ??= (async () => {
      if (lagTimer !== undefined) clearTimeout(lagTimer);
      // Stop fetching; the handlers in flight wait for the buffers, which flush now instead of on time.
      const consumerStopped = consumer?.stop() ?? Promise.resolve();
      await Promise.all([ratedBatcher.drain(), rejectedBatcher.drain()]);
      const results = await Promise.allSettled([consumerStopped]);
      await Promise.allSettled([producer?.disconnect(), admin?.disconnect()]);
      await clickhouse.close();
      if (consumer === undefined) settleDone();
      const failed = results.find((result) => result.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    })();
    return stopping;
  }

  return {
    start,
    stop,
    isReady: () => consumer !== undefined && consumer.isRunning() && sinkOk,
    done,
  };
}
