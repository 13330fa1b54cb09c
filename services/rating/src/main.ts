/**
 * Wiring only: the tariff and the app; `serviceMain` does config, logging, metrics, HTTP and exit. A
 * broken tariff is refused with every `file:line: reason` and exit code 2, like a bad configuration.
 */
import { describeConfig, loadConfig } from '@cdrate/config';
import { serviceMain, StartupRefused } from '@cdrate/service-runtime';
import { createRatingApp } from './app.js';
import { ratingConfigSpec } from './config.js';
import { loadTariff } from './tariff.js';

await serviceMain({
  name: 'rating',
  loadConfig: () => loadConfig(ratingConfigSpec, process.env),
  describeConfig: (config) => describeConfig(ratingConfigSpec, config),
  createApp: async ({ config, logger, registry }) => {
    const loaded = await loadTariff(config.rateTablesDir);
    if (!loaded.ok) {
      throw new StartupRefused(
        `invalid tariff in ${loaded.path} (RATE_TABLES_DIR):\n${loaded.problems.map((p) => `  ${p}`).join('\n')}`,
      );
    }
    return createRatingApp({ config, logger, registry, tariff: loaded.tariff });
  },
});
