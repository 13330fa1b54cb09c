import { InfraError } from '@cdrate/errors';
import { createKafka } from '@cdrate/kafka';
import { resolveKafkaConfig } from '../src/config.js';
import { resolveConsumerOptions } from '../src/consumer.js';

function configError(run: () => unknown): InfraError {
  try {
    run();
  } catch (error) {
    if (error instanceof InfraError) return error;
    throw error;
  }
  throw new Error('expected a CONFIG error');
}

describe('Kafka configuration', () => {
  it('applies defaults: WARN logging, 3 s connect timeout, 30 s request timeout', () => {
    const config = resolveKafkaConfig({ brokers: ['127.0.0.1:9092'], clientId: 'cdrate-rating' });
    expect(config).toMatchObject({ logLevel: 'warn', connectionTimeoutMs: 3000, requestTimeoutMs: 30_000 });
  });

  it('reports every bad key at once, naming each', () => {
    const error = configError(() =>
      createKafka({
        brokers: ['localhost', 'kafka:9092', 'http://x:1'],
        clientId: ' ',
        connectionTimeoutMs: 0,
        requestTimeoutMs: 1.5,
        logLevel: 'loud' as 'warn',
      }),
    );
    expect(error.code).toBe('CONFIG');
    expect(error.message).toContain('brokers: "localhost" is not host:port');
    expect(error.message).toContain('brokers: "http://x:1" is not host:port');
    expect(error.message).not.toContain('"kafka:9092"');
    expect(error.message).toContain('clientId');
    expect(error.message).toContain('connectionTimeoutMs');
    expect(error.message).toContain('requestTimeoutMs');
    expect(error.message).toContain('logLevel: "loud"');
  });

  it('requires at least one broker', () => {
    expect(configError(() => createKafka({ brokers: [], clientId: 'x' })).message).toContain(
      'brokers: at least one',
    );
  });
});

describe('consumer options', () => {
  const handleBatch = (): Promise<void> => Promise.resolve();

  it('defaults to 1000 messages per batch, 30 s session, a heartbeat a third of it capped at 3 s, 10 s stop', () => {
    const options = resolveConsumerOptions({ groupId: 'g', topics: ['t'], fromBeginning: true, handleBatch });
    expect(options).toMatchObject({
      maxBatchSize: 1000,
      sessionTimeoutMs: 30_000,
      heartbeatIntervalMs: 3000,
      stopTimeoutMs: 10_000,
      maxBytesPerPartition: 1024 * 1024,
      backoff: { initialMs: 200, maxMs: 10_000 },
      partitionsConsumedConcurrently: 1,
    });
    const short = resolveConsumerOptions({
      groupId: 'g',
      topics: ['t'],
      fromBeginning: true,
      handleBatch,
      sessionTimeoutMs: 6000,
    });
    expect(short.heartbeatIntervalMs).toBe(2000);
  });

  it('reports every bad option at once', () => {
    const error = configError(() =>
      resolveConsumerOptions({
        groupId: '',
        topics: ['ok', 'not ok'],
        fromBeginning: 'yes' as unknown as boolean,
        handleBatch,
        maxBatchSize: 0,
        backoff: { initialMs: 500, maxMs: 100 },
        partitionsConsumedConcurrently: 0,
      }),
    );
    expect(error.code).toBe('CONFIG');
    for (const key of [
      'groupId',
      'topics[1]',
      'fromBeginning',
      'maxBatchSize',
      'backoff.maxMs',
      'partitionsConsumedConcurrently',
    ]) {
      expect(error.message).toContain(key);
    }
  });
});
