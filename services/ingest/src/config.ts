/**
 * Settings of the ingest service: the shared settings of docs/pipeline.md plus its own. Read once by
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
import { DEFAULT_CACHE_SIZE } from '@cdrate/numbering';

/** Default of `DEDUP_WINDOW`: `cdr_id`s remembered for duplicate detection. */
export const DEFAULT_DEDUP_WINDOW = 1_000_000;

/** Every setting of the ingest service, keyed by the name the code uses. */
export const ingestConfigSpec = {
  ...kafkaSettings(),
  ...topicSettings(),
  ...relaySettings(),
  consumerGroup: consumerGroupSetting('cdrate-ingest', 'cdr.raw'),
  ...runtimeSettings({ httpPort: 9471 }),
  dedupWindow: setting.integer(
    'DEDUP_WINDOW',
    'cdr_ids remembered to drop resent CDRs (at least this many, at most twice as many)',
    { min: 1, max: 100_000_000 },
    { default: DEFAULT_DEDUP_WINDOW },
  ),
  numberCacheSize: setting.integer(
    'NUMBER_CACHE_SIZE',
    'entries per generation of the number normaliser cache',
    { min: 16, max: 50_000_000 },
    { default: DEFAULT_CACHE_SIZE },
  ),
};

export type IngestConfig = ConfigOf<typeof ingestConfigSpec>;
