/** Wiring only: the app; `serviceMain` does config, logging, metrics, HTTP and exit. */
import { describeConfig, loadConfig } from '@cdrate/config';
import { serviceMain } from '@cdrate/service-runtime';
import { createIngestApp } from './app.js';
import { ingestConfigSpec } from './config.js';

await serviceMain({
  name: 'ingest',
  loadConfig: () => loadConfig(ingestConfigSpec, process.env),
  describeConfig: (config) => describeConfig(ingestConfigSpec, config),
  createApp: ({ config, logger, registry }) => createIngestApp({ config, logger, registry }),
});
