import { logLevel } from '../src/kafkajs.js';
import { adjustKafkaJSLevel, createLog, fromKafkaJSLevel, kafkajsLogCreator } from '../src/log.js';
import type { KafkaLogger, LogEntry } from '../src/log.js';

describe('logging', () => {
  it('maps kafkajs levels to ours', () => {
    expect(fromKafkaJSLevel(logLevel.ERROR)).toBe('error');
    expect(fromKafkaJSLevel(logLevel.WARN)).toBe('warn');
    expect(fromKafkaJSLevel(logLevel.INFO)).toBe('info');
    expect(fromKafkaJSLevel(logLevel.DEBUG)).toBe('debug');
  });

  it('drops lines below the configured level', () => {
    const entries: LogEntry[] = [];
    const log = createLog((entry) => entries.push(entry), 'warn');
    log('info', 'chatty');
    log('warn', 'worth knowing', { topic: 't' });
    expect(entries).toEqual([
      { level: 'warn', message: 'worth knowing', source: 'cdrate.kafka', fields: { topic: 't' } },
    ]);
  });

  it('calls a pino-style logger with fields first and the message second', () => {
    const calls: [string, object, string][] = [];
    const logger: KafkaLogger = {
      error: (f, m) => calls.push(['error', f, m]),
      warn: (f, m) => calls.push(['warn', f, m]),
      info: (f, m) => calls.push(['info', f, m]),
      debug: (f, m) => calls.push(['debug', f, m]),
    };
    const entry = kafkajsLogCreator(logger, 'warn')(logLevel.WARN);
    entry({
      namespace: 'Consumer',
      level: logLevel.WARN,
      label: 'WARN',
      log: { timestamp: 'now', message: 'rebalancing', groupId: 'g' },
    });
    expect(calls).toEqual([['warn', { source: 'kafkajs.Consumer', groupId: 'g' }, 'rebalancing']]);
  });

  it('downgrades kafkajs error responses it will retry and the limited-retries warning', () => {
    expect(adjustKafkaJSLevel('Connection', 'Response InitProducerId(key: 22, version: 1)', 'error')).toBe(
      'warn',
    );
    expect(
      adjustKafkaJSLevel(
        'Producer',
        'Limiting retries for the idempotent producer may invalidate EoS guarantees',
        'warn',
      ),
    ).toBe('debug');
    expect(adjustKafkaJSLevel('Consumer', 'Crash: KafkaJSNumberOfRetriesExceeded', 'error')).toBe('error');
  });
});
