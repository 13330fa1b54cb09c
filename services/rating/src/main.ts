/**
 * Rating service entry point: only wiring. config → logger → tariff → metrics → app → runService. A bad
 * configuration lists every bad key on stderr, a broken tariff every `file:line: reason`; both exit with
 * code 2.
 */
import { ConfigError, describeConfig, loadConfig } from '@cdrate/config';
import { createLogger, createMetricsRegistry, runService } from '@cdrate/service-runtime';
import type { Tariff } from '@cdrate/rating-core';
import { createRatingApp } from './app.js';
import { ratingConfigSpec, type RatingConfig } from './config.js';
import { loadTariff } from './tariff.js';

const SERVICE = 'rating';

function readConfig(): RatingConfig {
  try {
    return loadConfig(ratingConfigSpec, process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${SERVICE}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}

async function readTariff(dir: string): Promise<Tariff> {
  const loaded = await loadTariff(dir);
  if (loaded.ok) return loaded.tariff;
  process.stderr.write(
    `${SERVICE}: invalid tariff in ${loaded.path} (RATE_TABLES_DIR):\n${loaded.problems.map((p) => `  ${p}\n`).join('')}`,
  );
  process.exit(2);
}

const config = readConfig();
const logger = createLogger(SERVICE, config.logLevel);
logger.info({ config: describeConfig(ratingConfigSpec, config) }, `${SERVICE}: starting`);
const tariff = await readTariff(config.rateTablesDir);
const registry = createMetricsRegistry(SERVICE);
const app = createRatingApp({ config, logger, registry, tariff });
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
