import { ConfigError, loadConfig } from '@cdrate/config';
import { ingestConfigSpec } from '../src/config.js';

describe('ingest configuration', () => {
  it('has the defaults of docs/pipeline.md', () => {
    expect(loadConfig(ingestConfigSpec, {})).toMatchObject({
      kafkaBrokers: ['127.0.0.1:9092'],
      topicRaw: 'cdr.raw',
      topicNormalized: 'cdr.normalized',
      topicDlq: 'cdr.dlq',
      topicAccounts: 'accounts',
      topicPartitions: 6,
      consumers: 2,
      consumerGroup: 'cdrate-ingest',
      httpPort: 9471,
      logLevel: 'info',
      shutdownGraceMs: 10_000,
      dedupWindow: 1_000_000,
    });
  });

  it('reports every bad key at once', () => {
    let error: unknown;
    try {
      loadConfig(ingestConfigSpec, { DEDUP_WINDOW: '0', KAFKA_BROKERS: ',', SHUTDOWN_GRACE_MS: 'soon' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.env)).toEqual([
      'KAFKA_BROKERS',
      'SHUTDOWN_GRACE_MS',
      'DEDUP_WINDOW',
    ]);
  });
});
