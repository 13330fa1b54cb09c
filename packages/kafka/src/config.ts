import { InfraError } from '@cdrate/errors';
import type { LogLevel, LogSink } from './log.js';

/** Connection settings for {@link createKafka}. */
export interface KafkaConfig {
  /** Bootstrap brokers as `host:port`; at least one. */
  readonly brokers: readonly string[];
  /** Client id shown in broker logs and quotas, e.g. `cdrate-rating`. */
  readonly clientId: string;
  /** Where log lines go; default: `warn` and `error` as JSON lines on stderr. */
  readonly logger?: LogSink;
  /** Least severe level passed to the logger, for the adapter and kafkajs alike; default `warn`. */
  readonly logLevel?: LogLevel;
  /** TCP connect timeout per broker, ms; default 3000. */
  readonly connectionTimeoutMs?: number;
  /** Timeout of one request to a broker, ms; default 30000 (kafkajs's default). */
  readonly requestTimeoutMs?: number;
}

/** {@link KafkaConfig} with defaults applied. */
export interface ResolvedKafkaConfig {
  readonly brokers: readonly string[];
  readonly clientId: string;
  readonly logger: LogSink | undefined;
  readonly logLevel: LogLevel;
  readonly connectionTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'info', 'debug'];
const BROKER = /^[^\s:/]+:\d{1,5}$/;
/** Kafka's legal topic and group characters; topics are at most 249 of them. */
const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;

/**
 * Validates the whole configuration and applies defaults. Every problem is reported at once, each naming
 * its key, in one non-retryable `InfraError('CONFIG')`.
 */
export function resolveKafkaConfig(config: KafkaConfig): ResolvedKafkaConfig {
  const problems: string[] = [];
  if (!Array.isArray(config.brokers) || config.brokers.length === 0) {
    problems.push('brokers: at least one host:port is required');
  } else {
    for (const broker of config.brokers) {
      if (typeof broker !== 'string' || !BROKER.test(broker)) {
        problems.push(`brokers: "${String(broker)}" is not host:port`);
      }
    }
  }
  if (typeof config.clientId !== 'string' || config.clientId.trim() === '') {
    problems.push('clientId: a non-empty string is required');
  }
  if (config.logLevel !== undefined && !LOG_LEVELS.includes(config.logLevel)) {
    problems.push(`logLevel: "${String(config.logLevel)}" is not one of ${LOG_LEVELS.join(', ')}`);
  }
  checkPositiveInteger(problems, 'connectionTimeoutMs', config.connectionTimeoutMs);
  checkPositiveInteger(problems, 'requestTimeoutMs', config.requestTimeoutMs);
  throwIfProblems('Kafka configuration', problems);
  return {
    brokers: [...config.brokers],
    clientId: config.clientId,
    logger: config.logger,
    logLevel: config.logLevel ?? 'warn',
    connectionTimeoutMs: config.connectionTimeoutMs ?? 3000,
    requestTimeoutMs: config.requestTimeoutMs ?? 30_000,
  };
}

/** Pushes a problem when `value` is given and is not a positive safe integer. */
export function checkPositiveInteger(problems: string[], key: string, value: unknown): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    problems.push(`${key}: must be a positive integer, got ${JSON.stringify(value) ?? typeof value}`);
  }
}

/** Pushes a problem when `name` is not a legal Kafka topic name. */
export function checkTopicName(problems: string[], key: string, name: unknown): void {
  if (typeof name !== 'string' || !TOPIC.test(name) || name === '.' || name === '..') {
    problems.push(`${key}: "${String(name)}" is not a legal topic name ([a-zA-Z0-9._-], 1-249 chars)`);
  }
}

/** Throws one `InfraError('CONFIG')` listing every problem, if there are any. */
export function throwIfProblems(what: string, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new InfraError('CONFIG', `invalid ${what}: ${problems.join('; ')}`);
  }
}
