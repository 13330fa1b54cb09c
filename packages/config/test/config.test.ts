import { ConfigError, describeConfig, loadConfig, setting } from '@cdrate/config';

const spec = {
  brokers: setting.list('KAFKA_BROKERS', 'Kafka bootstrap servers', { default: ['127.0.0.1:9092'] }),
  port: setting.port('HTTP_PORT', 'health and metrics port', { default: 9464 }),
  batchSize: setting.integer('BATCH_SIZE', 'rows per insert', { min: 1, max: 1_000_000 }),
  level: setting.oneOf('LOG_LEVEL', 'log level', ['debug', 'info', 'warn'] as const, { default: 'info' }),
  token: setting.string('API_TOKEN', 'bearer token', { secret: true }),
  url: setting.url('CLICKHOUSE_URL', 'ClickHouse HTTP URL', { default: 'http://127.0.0.1:8123' }),
};

describe('loadConfig', () => {
  it('applies defaults and parses every kind of setting', () => {
    const config = loadConfig(spec, { BATCH_SIZE: '5000', API_TOKEN: 's3cret', KAFKA_BROKERS: 'a:1, b:2 ,' });
    expect(config).toEqual({
      brokers: ['a:1', 'b:2'],
      port: 9464,
      batchSize: 5000,
      level: 'info',
      token: 's3cret',
      url: 'http://127.0.0.1:8123',
    });
  });

  it('reports every missing or invalid key at once, never echoing a secret', () => {
    let caught: unknown;
    try {
      loadConfig(spec, {
        HTTP_PORT: '70000',
        LOG_LEVEL: 'loud',
        BATCH_SIZE: '1.5',
        CLICKHOUSE_URL: 'ftp://x',
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const problems = (caught as ConfigError).problems.map((p) => p.env).sort();
    expect(problems).toEqual(['API_TOKEN', 'BATCH_SIZE', 'CLICKHOUSE_URL', 'HTTP_PORT', 'LOG_LEVEL']);
    expect((caught as ConfigError).message).toContain(
      'HTTP_PORT: "70000" is not valid; expected an integer from 1 to 65535',
    );
    expect((caught as ConfigError).message).toContain(
      'LOG_LEVEL: "loud" is not valid; expected one of debug, info, warn',
    );
  });

  it('redacts an invalid secret in the error', () => {
    const secretPort = { p: setting.port('SECRET_PORT', 'a secret number', { secret: true }) };
    expect(() => loadConfig(secretPort, { SECRET_PORT: 'hunter2' })).toThrow('<redacted> is not valid');
  });

  it('describes the loaded configuration with secrets redacted', () => {
    const config = loadConfig(spec, { BATCH_SIZE: '10', API_TOKEN: 's3cret' });
    expect(describeConfig(spec, config)).toMatchObject({ API_TOKEN: '<redacted>', BATCH_SIZE: 10 });
  });
});
