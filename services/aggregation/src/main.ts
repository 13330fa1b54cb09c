/** Wiring only: the adapters and the app; `serviceMain` does config, logging, metrics, HTTP and exit. */
import { describeConfig } from '@cdrate/config';
import { serviceClickhouse, serviceKafka, serviceMain } from '@cdrate/service-runtime';
import { createAggregationApp } from './app.js';
import { aggregationConfigSpec, loadAggregationConfig } from './config.js';

const SERVICE = 'aggregation';

await serviceMain({
  name: SERVICE,
  loadConfig: () => loadAggregationConfig(process.env, process.cwd()),
  describeConfig: (config) =>
    describeConfig(aggregationConfigSpec({ cwd: process.cwd(), instance: config.instanceId }), config),
  createApp: ({ config, logger, registry }) =>
    createAggregationApp({
      settings: config,
      kafka: serviceKafka(SERVICE, config, logger),
      clickhouse: serviceClickhouse(SERVICE, config, logger),
      logger,
      registry,
    }),
});
