/**
 * The adapters of a service instance, built from the shared settings (`./settings.ts`) the same way in
 * every service: client ids and query ids name the service and the instance, and the clients log through
 * the service's logger.
 */
import { createClickhouse, type ClickhouseClient } from '@cdrate/clickhouse';
import { createKafka, type KafkaClient } from '@cdrate/kafka';
import type { Logger } from 'pino';

/** `kafkaSettings()` and `runtimeSettings()` values. */
export interface ServiceKafkaSettings {
  readonly kafkaBrokers: readonly string[];
  readonly instanceId: string;
}

/** `clickhouseSettings()` values. */
export interface ServiceClickhouseSettings {
  readonly clickhouseUrl: string;
  readonly clickhouseUser: string;
  readonly clickhousePassword: string;
  readonly clickhouseDatabase: string;
}

/** The Kafka client of `service`; its client id is `cdrate-<service>-<instance>`. */
export function serviceKafka(service: string, settings: ServiceKafkaSettings, logger: Logger): KafkaClient {
  return createKafka({
    brokers: settings.kafkaBrokers,
    clientId: `cdrate-${service}-${settings.instanceId}`,
    logger: logger.child({ component: 'kafka' }),
  });
}

/**
 * The ClickHouse client of `service`: query ids start with `cdrate-<service>`, the client's warnings go to
 * the service's log. `requestTimeoutMs` as `createClickhouse` takes it (its default when absent).
 */
export function serviceClickhouse(
  service: string,
  settings: ServiceClickhouseSettings,
  logger: Logger,
  options: { readonly requestTimeoutMs?: number } = {},
): ClickhouseClient {
  return createClickhouse({
    url: settings.clickhouseUrl,
    username: settings.clickhouseUser,
    password: settings.clickhousePassword,
    database: settings.clickhouseDatabase,
    ...(options.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: options.requestTimeoutMs }),
    queryIdPrefix: `cdrate-${service}`,
    logger: (event) => logger.warn(event.fields, event.message),
  });
}
