/**
 * Settings of the aggregation service: the shared settings of docs/pipeline.md plus ClickHouse and
 * batching. Read once by `main.ts`; nothing else reads the environment.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, setting } from '@cdrate/config';
import type { ConfigOf } from '@cdrate/config';

/**
 * The first `schemas/clickhouse` found in `cwd` or one of its parents (the repository root when run from
 * anywhere inside the checkout), else `<cwd>/schemas/clickhouse`.
 */
export function defaultMigrationsDir(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'clickhouse');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return join(resolve(cwd), 'schemas', 'clickhouse');
  }
}

/** The settings spec; `cwd` and `instance` only feed defaults. */
export function aggregationConfigSpec(defaults: { readonly cwd: string; readonly instance: string }) {
  return {
    kafkaBrokers: setting.list('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', {
      default: ['127.0.0.1:9092'],
    }),
    topicRated: setting.string('TOPIC_RATED', 'rated calls, rating → aggregation', { default: 'cdr.rated' }),
    topicDlq: setting.string('TOPIC_DLQ', 'dead letters of every stage', { default: 'cdr.dlq' }),
    topicPartitions: setting.integer(
      'TOPIC_PARTITIONS',
      'partitions of topics the service creates',
      { min: 1, max: 1000 },
      { default: 6 },
    ),
    consumerGroup: setting.string('CONSUMER_GROUP', 'consumer group of cdr.rated and cdr.dlq', {
      default: 'cdrate-aggregation',
    }),
    httpPort: setting.port('HTTP_PORT', '/healthz, /readyz, /metrics', { default: 9473 }),
    instanceId: setting.string('INSTANCE_ID', 'names this instance in logs and Kafka client ids', {
      default: defaults.instance,
    }),
    logLevel: setting.oneOf('LOG_LEVEL', 'log level', ['debug', 'info', 'warn', 'error'], {
      default: 'info',
    }),
    shutdownGraceMs: setting.integer(
      'SHUTDOWN_GRACE_MS',
      'time to drain on SIGTERM before exiting anyway',
      { min: 0, max: 600_000 },
      { default: 10_000 },
    ),
    clickhouseUrl: setting.url('CLICKHOUSE_URL', 'ClickHouse HTTP endpoint', {
      default: 'http://127.0.0.1:8123',
    }),
    clickhouseUser: setting.string('CLICKHOUSE_USER', 'ClickHouse user', { default: 'default' }),
    clickhousePassword: setting.string('CLICKHOUSE_PASSWORD', 'ClickHouse password', {
      default: '',
      secret: true,
    }),
    clickhouseDatabase: setting.string('CLICKHOUSE_DATABASE', 'database of rated_calls and rejected_cdrs', {
      default: 'cdr',
    }),
    clickhouseMigrationsDir: setting.string(
      'CLICKHOUSE_MIGRATIONS_DIR',
      'directory of the NNNN_*.sql migrations applied at start',
      { default: defaultMigrationsDir(defaults.cwd) },
    ),
    batchMaxRows: setting.integer(
      'BATCH_MAX_ROWS',
      'rows per ClickHouse insert; a buffer this full is flushed at once',
      { min: 1, max: 1_000_000 },
      { default: 50_000 },
    ),
    batchMaxWaitMs: setting.integer(
      'BATCH_MAX_WAIT_MS',
      'longest time a row waits in the buffer before it is flushed',
      { min: 0, max: 60_000 },
      { default: 1000 },
    ),
  };
}

export type AggregationConfig = ConfigOf<ReturnType<typeof aggregationConfigSpec>>;

/**
 * Reads and validates every setting at once.
 * @throws ConfigError listing every missing or invalid key.
 */
export function loadAggregationConfig(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): AggregationConfig {
  return loadConfig(aggregationConfigSpec({ cwd, instance: `${hostname()}-${process.pid}` }), env);
}
