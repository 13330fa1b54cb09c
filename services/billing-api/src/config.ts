/**
 * Settings of the billing API: ClickHouse (where rated calls are), Kafka (the accounts topic, for plans)
 * and the bearer token billing jobs send. Read once by `main.ts`; nothing else reads the environment.
 */
import { hostname } from 'node:os';
import { clickhouseSettings, kafkaSettings, runtimeSettings, topicSettings } from '@cdrate/service-runtime';
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
    ...runtimeSettings({ httpPort: 9474, instance: defaults.instance }),
    httpHost: setting.string('HTTP_HOST', 'address to listen on (0.0.0.0 for every interface)', {
      default: '127.0.0.1',
    }),
    ...kafkaSettings(),
    topicAccounts: topicSettings().topicAccounts,
    accountsLoadTimeoutMs: setting.integer(
      'ACCOUNTS_LOAD_TIMEOUT_MS',
      'how long start waits for the accounts topic to be read before failing',
      { min: 1000, max: 3_600_000 },
      { default: 60_000 },
    ),
    ...clickhouseSettings({
      database: 'database of rated_calls',
      user: 'ClickHouse user (read-only is enough)',
    }),
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
