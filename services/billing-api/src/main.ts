/**
 * Wiring only: config → logger → metrics → adapters → app → runService (the API routes through its
 * `handle`). A configuration error is printed to stderr with every bad key and the process exits with code 2.
 */
import { createClickhouse } from '@cdrate/clickhouse';
import { ConfigError, describeConfig } from '@cdrate/config';
import { createKafka } from '@cdrate/kafka';
import { createLogger, createMetricsRegistry, runService } from '@cdrate/service-runtime';
import { createBillingApiApp } from './app.js';
import { billingApiConfigSpec, loadBillingApiConfig, type BillingApiConfig } from './config.js';

const SERVICE = 'billing-api';

function readConfig(): BillingApiConfig {
  try {
    return loadBillingApiConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${SERVICE}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  const logger = createLogger(SERVICE, config.logLevel);
  logger.info(
    { config: describeConfig(billingApiConfigSpec({ instance: config.instanceId }), config) },
    'configuration',
  );
  const registry = createMetricsRegistry(SERVICE);
  const kafka = createKafka({
    brokers: config.kafkaBrokers,
    clientId: `cdrate-${SERVICE}-${config.instanceId}`,
    logger: logger.child({ component: 'kafka' }),
  });
  const clickhouse = createClickhouse({
    url: config.clickhouseUrl,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
    requestTimeoutMs: config.clickhouseTimeoutMs,
    queryIdPrefix: `cdrate-${SERVICE}`,
    logger: (event) => logger.warn(event.fields, event.message),
  });
  const app = createBillingApiApp({ settings: config, kafka, clickhouse, logger, registry });
  const service = await runService({
    name: SERVICE,
    logger,
    registry,
    app,
    handle: app.handle,
    httpPort: config.httpPort,
    httpHost: config.httpHost,
    shutdownGraceMs: config.shutdownGraceMs,
  });
  const { exitCode } = await service.stopped;
  process.exit(exitCode);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${SERVICE}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
});
