/**
 * Settings of the rating service: the shared settings of docs/pipeline.md plus its own. Read once by
 * `main.ts` with `loadConfig`; nothing else reads the environment.
 */
import { setting, type ConfigOf } from '@cdrate/config';
import {
  consumerGroupSetting,
  kafkaSettings,
  relaySettings,
  runtimeSettings,
  topicSettings,
} from '@cdrate/service-runtime';

/** Every setting of the rating service, keyed by the name the code uses. */
export const ratingConfigSpec = {
  ...kafkaSettings(),
  ...topicSettings(),
  ...relaySettings(),
  consumerGroup: consumerGroupSetting('cdrate-rating', 'cdr.normalized'),
  ...runtimeSettings({ httpPort: 9482 }),
  rateTablesDir: setting.string(
    'RATE_TABLES_DIR',
    'tariff folder (five CSV files), relative to the working directory (the repository root)',
    { default: 'rate-tables/default' },
  ),
};

export type RatingConfig = ConfigOf<typeof ratingConfigSpec>;
