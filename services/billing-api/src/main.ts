/**
 * Wiring only: the adapters and the app (its `handle` serves the API routes); `serviceMain` does config,
 * logging, metrics, HTTP and exit.
 */
import { describeConfig } from '@cdrate/config';
import { serviceClickhouse, serviceKafka, serviceMain } from '@cdrate/service-runtime';
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
      kafka: serviceKafka(SERVICE, config, logger),
      clickhouse: serviceClickhouse(SERVICE, config, logger, {
        requestTimeoutMs: config.clickhouseTimeoutMs,
      }),
      logger,
      registry,
    }),
});
