/**
 * Settings of the aggregation service: the shared settings of docs/pipeline.md plus ClickHouse and
 * batching. Read once by `main.ts`; nothing else reads the environment.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, setting } from '@cdrate/config';
import type { ConfigOf } from '@cdrate/config';
import {
  clickhouseSettings,
  consumerGroupSetting,
  kafkaSettings,
  runtimeSettings,
  topicSettings,
} from '@cdrate/service-runtime';

/**
 * The first `schemas/clickhouse` found in `cwd` or one of its parents (the repository root when run from
 * anywhere inside the checkout), else `<cwd>/schemas/clickhouse`.
 */
export function defaultMigrationsDir(cwd: string): string {
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    const candidate = join(dir, 'schemas', 'clickhouse');
    if (existsSync(candidate)) return candidate;
    if (dirname(dir) === dir) return join(resolve(cwd), 'schemas', 'clickhouse');
  }
}

/** The settings spec; `cwd` and `instance` only feed defaults. */
export function aggregationConfigSpec(defaults: { readonly cwd: string; readonly instance: string }) {
  const topics = topicSettings();
  return {
    ...kafkaSettings(),
    topicRated: topics.topicRated,
    topicDlq: topics.topicDlq,
    consumerGroup: consumerGroupSetting('cdrate-aggregation', 'cdr.rated and cdr.dlq'),
    ...runtimeSettings({ httpPort: 9473, instance: defaults.instance }),
    ...clickhouseSettings({ database: 'database of rated_calls and rejected_cdrs' }),
    clickhouseMigrationsDir: setting.string(
      'CLICKHOUSE_MIGRATIONS_DIR',
      'directory of the NNNN_*.sql migrations applied at start',
      { default: defaultMigrationsDir(defaults.cwd) },
    ),
    batchMaxRows: setting.integer(
      'BATCH_MAX_ROWS',
      'rows per ClickHouse insert; a buffer this full is flushed at once',
      { min: 1, max: 1_000_000 },
      { default: 100_000 },
    ),
    batchMaxWaitMs: setting.integer(
      'BATCH_MAX_WAIT_MS',
      'longest time a row waits in the buffer before it is flushed',
      { min: 0, max: 60_000 },
      { default: 1000 },
    ),
  };
}

export type AggregationConfig = ConfigOf<ReturnType<typeof aggregationConfigSpec>>;

/**
 * Reads and validates every setting at once.
 * @throws ConfigError listing every missing or invalid key.
 */
export function loadAggregationConfig(
  env: Readonly<Record<string, string | undefined>>,
  cwd: string,
): AggregationConfig {
  return loadConfig(aggregationConfigSpec({ cwd, instance: `${hostname()}-${process.pid}` }), env);
}
