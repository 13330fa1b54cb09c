/**
 * Ingest service entry point: only wiring. config → logger → metrics → app → runService. A bad
 * configuration lists every bad key on stderr and exits with code 2.
 */
import { ConfigError, describeConfig, loadConfig } from '@cdrate/config';
import { createLogger, createMetricsRegistry, runService } from '@cdrate/service-runtime';
import { createIngestApp } from './app.js';
import { ingestConfigSpec, type IngestConfig } from './config.js';

const SERVICE = 'ingest';

function readConfig(): IngestConfig {
  try {
    return loadConfig(ingestConfigSpec, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${SERVICE}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const config = readConfig();
const logger = createLogger(SERVICE, config.logLevel);
logger.info({ config: describeConfig(ingestConfigSpec, config) }, `${SERVICE}: starting`);
const registry = createMetricsRegistry(SERVICE);
const app = createIngestApp({ config, logger, registry });
const service = await runService({
  name: SERVICE,
  logger,
  registry,
  app,
  httpPort: config.httpPort,
  shutdownGraceMs: config.shutdownGraceMs,
});
const { exitCode } = await service.stopped;
process.exit(exitCode);
