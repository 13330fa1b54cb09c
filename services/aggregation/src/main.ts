/** Wiring only: the adapters and the app; `serviceMain` does config, logging, metrics, HTTP and exit. */
import { createClickhouse } from '@cdrate/clickhouse';
import { describeConfig } from '@cdrate/config';
import { createKafka } from '@cdrate/kafka';
import { serviceMain } from '@cdrate/service-runtime';
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
        queryIdPrefix: `cdrate-${SERVICE}`,
        logger: (event) => logger.warn(event.fields, event.message),
      }),
      logger,
      registry,
    }),
});
