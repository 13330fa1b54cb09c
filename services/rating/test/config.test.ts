import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '@cdrate/config';
import { ratingConfigSpec } from '../src/config.js';
import { loadTariff } from '../src/tariff.js';

describe('rating configuration', () => {
  it('has the defaults of docs/pipeline.md', () => {
    const config = loadConfig(ratingConfigSpec, {});
    expect(config).toMatchObject({
      kafkaBrokers: ['127.0.0.1:9092'],
      topicNormalized: 'cdr.normalized',
      topicRated: 'cdr.rated',
      topicDlq: 'cdr.dlq',
      topicAccounts: 'accounts',
      topicPartitions: 6,
      consumers: 2,
      consumerGroup: 'cdrate-rating',
      httpPort: 9482,
      logLevel: 'info',
      shutdownGraceMs: 10_000,
      rateTablesDir: 'rate-tables/default',
    });
  });

  it('reports every bad key at once', () => {
    let error: unknown;
    try {
      loadConfig(ratingConfigSpec, { HTTP_PORT: 'x', TOPIC_PARTITIONS: '0', LOG_LEVEL: 'loud' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.env)).toEqual([
      'TOPIC_PARTITIONS',
      'HTTP_PORT',
      'LOG_LEVEL',
    ]);
  });
});

describe('loadTariff', () => {
  it('compiles the default tariff of the repository', async () => {
    const loaded = await loadTariff(join(__dirname, '../../../rate-tables/default'));
    expect(loaded.ok).toBe(true);
  });

  it('refuses a broken tariff with file:line reasons', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tariff-'));
    cpSync(join(__dirname, '../../../rate-tables/default'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'international.csv'),
      'origin_country,prefix,rate_per_minute,description,effective_from\n*,44,-1,UK,2024-01-01\n',
    );
    const loaded = await loadTariff(dir);
    expect(loaded.ok).toBe(false);
    expect(!loaded.ok && loaded.problems).toEqual(
      expect.arrayContaining([expect.stringMatching(/^international\.csv:2: /)]),
    );
  });
});
