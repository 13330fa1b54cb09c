import type { LogEntry as KafkaJSLogEntry, logCreator, logLevel as KafkaJSLogLevel } from 'kafkajs';
import { logLevel } from './kafkajs.js';

/** Severity of a log line, most severe first. */
export type LogLevel = 'error' | 'warn' | 'info' | 'debug';

/** One log line from this adapter or from kafkajs. */
export interface LogEntry {
  readonly level: LogLevel;
  readonly message: string;
  /** Where it came from: `cdrate.kafka` for this adapter, `kafkajs.<namespace>` for kafkajs. */
  readonly source: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** A pino-compatible logger: `logger.warn(fields, message)`. Only these four methods are used. */
export interface KafkaLogger {
  error(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  info(fields: object, message: string): void;
  debug(fields: object, message: string): void;
}

/** Where log lines go: a pino-compatible logger or a callback. */
export type LogSink = KafkaLogger | ((entry: LogEntry) => void);

const RANK: Readonly<Record<LogLevel, number>> = { error: 0, warn: 1, info: 2, debug: 3 };

/** The adapter's internal logging function; drops lines below `minLevel`. */
export type Log = (level: LogLevel, message: string, fields?: Record<string, unknown>) => void;

/**
 * Builds the adapter's log function. Without a sink, `warn` and `error` lines are written to stderr as
 * JSON (one per line) so that nothing important is silently lost.
 */
export function createLog(sink: LogSink | undefined, minLevel: LogLevel): Log {
  const write = toWriter(sink);
  return (level, message, fields = {}) => {
    if (RANK[level] > RANK[minLevel]) return;
    write({ level, message, source: 'cdrate.kafka', fields });
  };
}

/** Maps kafkajs's numeric levels to ours. `NOTHING` never reaches a log creator. */
export function fromKafkaJSLevel(level: KafkaJSLogLevel): LogLevel {
  if (level <= logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
}

/** kafkajs's level for ours; kafkajs filters below it before calling the log creator. */
export function toKafkaJSLevel(level: LogLevel): KafkaJSLogLevel {
  switch (level) {
    case 'error':
      return logLevel.ERROR;
    case 'warn':
      return logLevel.WARN;
    case 'info':
      return logLevel.INFO;
    case 'debug':
      return logLevel.DEBUG;
  }
}

/**
 * A kafkajs `logCreator` that forwards to the same sink as the adapter's own lines. kafkajs filters by its
 * own level first; lines are filtered again after {@link adjustKafkaJSLevel}.
 */
export function kafkajsLogCreator(sink: LogSink | undefined, minLevel: LogLevel): logCreator {
  const write = toWriter(sink);
  return () =>
    ({ namespace, level, log }: KafkaJSLogEntry) => {
      const fields: Record<string, unknown> = { ...log };
      delete fields['message'];
      delete fields['timestamp'];
      const text = String(log.message);
      const adjusted = adjustKafkaJSLevel(namespace, text, fromKafkaJSLevel(level));
      if (RANK[adjusted] > RANK[minLevel]) return;
      write({
        level: adjusted,
        message: text,
        source: namespace ? `kafkajs.${namespace}` : 'kafkajs',
        fields,
      });
    };
}

/**
 * Two kafkajs lines that are not what their level says:
 * - `Connection` logs every error response at ERROR before its retry logic looks at it, so a broker that is
 *   still loading a coordinator (normal for seconds after a start) looks like a failure. Failures that
 *   survive the retries reach the caller as `InfraError`; these lines become WARN.
 * - The producer warns that limited retries may invalidate exactly-once. The adapter limits them on purpose
 *   (every call must end) and replaces the producer after a failed send instead (see `connectProducer`).
 */
export function adjustKafkaJSLevel(namespace: string, message: string, level: LogLevel): LogLevel {
  if (namespace === 'Connection' && level === 'error' && message.startsWith('Response ')) return 'warn';
  if (namespace === 'Producer' && message.startsWith('Limiting retries for the idempotent producer')) {
    return 'debug';
  }
  return level;
}

function toWriter(sink: LogSink | undefined): (entry: LogEntry) => void {
  if (sink === undefined) {
    return (entry) => {
      process.stderr.write(
        `${JSON.stringify({ level: entry.level, source: entry.source, msg: entry.message, ...entry.fields })}\n`,
      );
    };
  }
  if (typeof sink === 'function') return sink;
  return (entry) => sink[entry.level]({ source: entry.source, ...entry.fields }, entry.message);
}
