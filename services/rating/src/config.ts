/**
 * Settings of the rating service: the shared settings of docs/pipeline.md plus its own. Read once by
 * `main.ts` with `loadConfig`; nothing else reads the environment.
 */
import { hostname } from 'node:os';
import { setting, type ConfigOf } from '@cdrate/config';

/** Every setting of the rating service, keyed by the name the code uses. */
export const ratingConfigSpec = {
  kafkaBrokers: setting.list('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', {
    default: ['127.0.0.1:9092'],
  }),
  topicRaw: setting.string('TOPIC_RAW', 'raw CDRs from switches', { default: 'cdr.raw' }),
  topicNormalized: setting.string('TOPIC_NORMALIZED', 'ingest → rating', { default: 'cdr.normalized' }),
  topicRated: setting.string('TOPIC_RATED', 'rating → aggregation', { default: 'cdr.rated' }),
  topicDlq: setting.string('TOPIC_DLQ', 'dead letters of every stage', { default: 'cdr.dlq' }),
  topicAccounts: setting.string('TOPIC_ACCOUNTS', 'account master data (compacted)', { default: 'accounts' }),
  topicPartitions: setting.integer(
    'TOPIC_PARTITIONS',
    'partitions of topics the service creates',
    { min: 1, max: 10_000 },
    { default: 6 },
  ),
  consumerGroup: setting.string('CONSUMER_GROUP', 'consumer group of cdr.normalized', {
    default: 'cdrate-rating',
  }),
  httpPort: setting.port('HTTP_PORT', '/healthz, /readyz, /metrics', { default: 9482 }),
  instanceId: setting.string('INSTANCE_ID', 'names this instance in logs and Kafka client ids', {
    default: `${hostname()}-${process.pid}`,
  }),
  logLevel: setting.oneOf('LOG_LEVEL', 'log level', ['debug', 'info', 'warn', 'error'], { default: 'info' }),
  shutdownGraceMs: setting.integer(
    'SHUTDOWN_GRACE_MS',
    'time to drain on SIGTERM before exiting anyway',
    { min: 1, max: 600_000 },
    { default: 10_000 },
  ),
  rateTablesDir: setting.string(
    'RATE_TABLES_DIR',
    'tariff folder (five CSV files), relative to the working directory (the repository root)',
    { default: 'rate-tables/default' },
  ),
  accountsLoadTimeoutMs: setting.integer(
    'ACCOUNTS_LOAD_TIMEOUT_MS',
    'how long start waits for the accounts topic to be read before failing',
    { min: 1, max: 3_600_000 },
    { default: 60_000 },
  ),
};

export type RatingConfig = ConfigOf<typeof ratingConfigSpec>;
