/**
 * Settings of the billing API: ClickHouse (where rated calls are), Kafka (the accounts topic, for plans)
 * and the bearer token billing jobs send. Read once by `main.ts`; nothing else reads the environment.
 */
import { hostname } from 'node:os';
import { loadConfig, setting, type ConfigOf, type Setting } from '@cdrate/config';

/** Shortest bearer token accepted: a guessable token is a misconfiguration, reported at start. */
export const MIN_TOKEN_LENGTH = 16;

/** The bearer token: required, secret, at least {@link MIN_TOKEN_LENGTH} visible ASCII characters. */
function tokenSetting(): Setting<string> {
  return {
    env: 'BILLING_API_TOKEN',
    description: 'bearer token billing jobs send (Authorization: Bearer <token>)',
    parse: (raw) =>
      new RegExp(`^[\\x21-\\x7e]{${MIN_TOKEN_LENGTH},}$`).test(raw)
        ? { ok: true, value: raw }
        : { ok: false, allowed: `at least ${MIN_TOKEN_LENGTH} visible ASCII characters, no spaces` },
    defaultValue: undefined,
    secret: true,
  };
}

/** The settings spec; `instance` only feeds a default. */
export function billingApiConfigSpec(defaults: { readonly instance: string }) {
  return {
    apiToken: tokenSetting(),
    httpPort: setting.port('HTTP_PORT', 'the API, /healthz, /readyz, /metrics', { default: 9474 }),
    httpHost: setting.string('HTTP_HOST', 'address to listen on (0.0.0.0 for every interface)', {
      default: '127.0.0.1',
    }),
    kafkaBrokers: setting.list('KAFKA_BROKERS', 'Kafka bootstrap servers, comma-separated', {
      default: ['127.0.0.1:9092'],
    }),
    topicAccounts: setting.string('TOPIC_ACCOUNTS', 'account master data (compacted): plans', {
      default: 'accounts',
    }),
    topicPartitions: setting.integer(
      'TOPIC_PARTITIONS',
      'partitions of the accounts topic if this service creates it',
      { min: 1, max: 10_000 },
      { default: 6 },
    ),
    accountsLoadTimeoutMs: setting.integer(
      'ACCOUNTS_LOAD_TIMEOUT_MS',
      'how long start waits for the accounts topic to be read before failing',
      { min: 1000, max: 3_600_000 },
      { default: 60_000 },
    ),
    instanceId: setting.string('INSTANCE_ID', 'names this instance in logs and Kafka client ids', {
      default: defaults.instance,
    }),
    logLevel: setting.oneOf('LOG_LEVEL', 'log level', ['debug', 'info', 'warn', 'error'], {
      default: 'info',
    }),
    shutdownGraceMs: setting.integer(
      'SHUTDOWN_GRACE_MS',
      'time for requests in flight to finish on SIGTERM before exiting anyway',
      { min: 0, max: 600_000 },
      { default: 10_000 },
    ),
    clickhouseUrl: setting.url('CLICKHOUSE_URL', 'ClickHouse HTTP endpoint', {
      default: 'http://127.0.0.1:8123',
    }),
    clickhouseUser: setting.string('CLICKHOUSE_USER', 'ClickHouse user (read-only is enough)', {
      default: 'default',
    }),
    clickhousePassword: setting.string('CLICKHOUSE_PASSWORD', 'ClickHouse password', {
      default: '',
      secret: true,
    }),
    clickhouseDatabase: setting.string('CLICKHOUSE_DATABASE', 'database of rated_calls', { default: 'cdr' }),
    clickhouseTimeoutMs: setting.integer(
      'CLICKHOUSE_TIMEOUT_MS',
      'socket inactivity timeout of a ClickHouse request (an export sorts before its first byte)',
      { min: 1000, max: 3_600_000 },
      { default: 300_000 },
    ),
  };
}

export type BillingApiConfig = ConfigOf<ReturnType<typeof billingApiConfigSpec>>;

/**
 * Reads and validates every setting at once.
 * @throws ConfigError listing every missing or invalid key (the token as `<redacted>`).
 */
export function loadBillingApiConfig(env: Readonly<Record<string, string | undefined>>): BillingApiConfig {
  return loadConfig(billingApiConfigSpec({ instance: `${hostname()}-${process.pid}` }), env);
}
