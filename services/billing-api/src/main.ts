/**
 * Wiring only: the adapters and the app (its `handle` serves the API routes); `serviceMain` does config,
 * logging, metrics, HTTP and exit.
 */
import { createClickhouse } from '@cdrate/clickhouse';
import { describeConfig } from '@cdrate/config';
import { createKafka } from '@cdrate/kafka';
import { serviceMain } from '@cdrate/service-runtime';
import { createBillingApiApp } from './app.js';
import { billingApiConfigSpec, loadBillingApiConfig } from './config.js';

const SERVICE = 'billing-api';

await serviceMain({
  name: SERVICE,
  loadConfig: () => loadBillingApiConfig(process.env),
  describeConfig: (config) => describeConfig(billingApiConfigSpec({ instance: config.instanceId }), config),
  createApp: ({ config, logger, registry }) =>
    createBillingApiApp({
      settings: config,
      kafka: createKafka({
        brokers: config.kafkaBrokers,
        clientId: `cdrate-${SERVICE}-${config.instanceId}`,
        logger: logger.child({ component: 'kafka' }),
      }),
      clickhouse: createClickhouse({
        url: config.clickhouseUrl,
        username: config.clickhouseUser,
        password: config.clickhousePassword,
        database: config.clickhouseDatabase,
        requestTimeoutMs: config.clickhouseTimeoutMs,
        queryIdPrefix: `cdrate-${SERVICE}`,
        logger: (event) => logger.warn(event.fields, event.message),
      }),
      logger,
      registry,
    }),
});
