/**
 * The settings every service shares, defined once under the names of docs/pipeline.md ("Settings shared by
 * every service"). A service's `config.ts` spreads the groups it needs beside its own settings.
 */
import { hostname } from 'node:os';
import { setting } from '@cdrate/config';

/** `HTTP_PORT`, `INSTANCE_ID`, `LOG_LEVEL`, `SHUTDOWN_GRACE_MS`. */
export function runtimeSettings(defaults: { readonly httpPort: number; readonly instance?: string }) {
  return {
    httpPort: setting.port('HTTP_PORT', '/healthz, /readyz, /metrics (and the API, where there is one)', {
      default: defaults.httpPort,
    }),
    instanceId: setting.string('INSTANCE_ID', 'names this instance in logs and Kafka client ids', {
      default: defaults.instance ?? `${hostname()}-${process.pid}`,
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
  };
}

/**
 * `RELAY_CONSUMERS`, `ACCOUNTS_LOAD_TIMEOUT_MS`: the settings of a relay (ingest, rating) beyond the shared
 * groups. Consumers: kafkajs fetches again only when every batch of its last fetch has been handled, and a
 * relay's handling ends with a produce request and a commit: while one consumer waits for those round
 * trips, another one's batches are transformed. Measured in docs/performance.md ("Pipeline throughput").
 */
export function relaySettings() {
  return {
    consumers: setting.integer(
      'RELAY_CONSUMERS',
      'consumers this instance runs in its consumer group (the partitions are shared among them)',
      { min: 1, max: 64 },
      { default: 2 },
    ),
    accountsLoadTimeoutMs: setting.integer(
      'ACCOUNTS_LOAD_TIMEOUT_MS',
      'how long start waits for the accounts topic to be read before failing',
      { min: 1, max: 3_600_000 },
      { default: 60_000 },
    ),
  };
}

/** `KAFKA_BROKERS`, `TOPIC_PARTITIONS`. */
export function kafkaSettings() {
  return {
    kafkaBrokers: setting.list('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', {
      default: ['127.0.0.1:9092'],
    }),
    topicPartitions: setting.integer(
      'TOPIC_PARTITIONS',
      'partitions of topics the service creates',
      { min: 1, max: 10_000 },
      { default: 6 },
    ),
  };
}

/** `TOPIC_RAW`, `TOPIC_NORMALIZED`, `TOPIC_RATED`, `TOPIC_DLQ`, `TOPIC_ACCOUNTS`. */
export function topicSettings() {
  return {
    topicRaw: setting.string('TOPIC_RAW', 'raw CDRs from switches', { default: 'cdr.raw' }),
    topicNormalized: setting.string('TOPIC_NORMALIZED', 'ingest → rating', { default: 'cdr.normalized' }),
    topicRated: setting.string('TOPIC_RATED', 'rating → aggregation', { default: 'cdr.rated' }),
    topicDlq: setting.string('TOPIC_DLQ', 'dead letters of every stage', { default: 'cdr.dlq' }),
    topicAccounts: setting.string('TOPIC_ACCOUNTS', 'account master data (compacted)', {
      default: 'accounts',
    }),
  };
}

/** `CONSUMER_GROUP`, defaulting to `cdrate-<service>`. */
export function consumerGroupSetting(defaultGroup: string, input: string) {
  return setting.string('CONSUMER_GROUP', `consumer group of ${input}`, { default: defaultGroup });
}

/** `CLICKHOUSE_URL`, `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD` (secret), `CLICKHOUSE_DATABASE`. */
export function clickhouseSettings(what: { readonly database: string; readonly user?: string }) {
  return {
    clickhouseUrl: setting.url('CLICKHOUSE_URL', 'ClickHouse HTTP endpoint', {
      default: 'http://127.0.0.1:8123',
    }),
    clickhouseUser: setting.string('CLICKHOUSE_USER', what.user ?? 'ClickHouse user', { default: 'default' }),
    clickhousePassword: setting.string('CLICKHOUSE_PASSWORD', 'ClickHouse password', {
      default: '',
      secret: true,
    }),
    clickhouseDatabase: setting.string('CLICKHOUSE_DATABASE', what.database, { default: 'cdr' }),
  };
}
