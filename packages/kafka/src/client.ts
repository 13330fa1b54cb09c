import { wrapAdmin } from './admin.js';
import type { KafkaAdmin } from './admin.js';
import { resolveKafkaConfig } from './config.js';
import type { KafkaConfig } from './config.js';
import { runConsumer } from './consumer.js';
import type { ConsumerHandle, ConsumerOptions } from './consumer.js';
import { toInfraError } from './errors.js';
import { Kafka } from './kafkajs.js';
import { createLog, kafkajsLogCreator, toKafkaJSLevel } from './log.js';
import { connectProducer } from './producer.js';
import type { KafkaProducer, ProducerOptions } from './producer.js';

/** Entry point to Kafka for one process. Creating it opens no connection. */
export interface KafkaClient {
  /** Connects an admin client. Throws `InfraError` when the brokers cannot be reached. */
  connectAdmin(): Promise<KafkaAdmin>;
  /** Connects an idempotent producer. Throws `InfraError` when the brokers cannot be reached. */
  connectProducer(options?: ProducerOptions): Promise<KafkaProducer>;
  /** Starts a consumer in a consumer group (see {@link ConsumerOptions}). */
  runConsumer(options: ConsumerOptions): Promise<ConsumerHandle>;
}

/**
 * Validates the configuration (throws `InfraError('CONFIG')` listing every problem) and returns a client.
 * kafkajs retries a failed request 5 times (200 ms doubling, at most 10 s between tries); every request
 * is bounded by `requestTimeoutMs`, every connection attempt by `connectionTimeoutMs`.
 */
export function createKafka(config: KafkaConfig): KafkaClient {
  const resolved = resolveKafkaConfig(config);
  const log = createLog(resolved.logger, resolved.logLevel);
  const kafka = new Kafka({
    brokers: [...resolved.brokers],
    clientId: resolved.clientId,
    connectionTimeout: resolved.connectionTimeoutMs,
    requestTimeout: resolved.requestTimeoutMs,
    enforceRequestTimeout: true,
    retry: { initialRetryTime: 200, maxRetryTime: 10_000, retries: 5 },
    logLevel: toKafkaJSLevel(resolved.logLevel),
    logCreator: kafkajsLogCreator(resolved.logger, resolved.logLevel),
  });
  return {
    async connectAdmin() {
      const admin = kafka.admin();
      try {
        await admin.connect();
      } catch (error) {
        throw toInfraError(error, 'connect admin');
      }
      return wrapAdmin(admin, log, resolved.requestTimeoutMs);
    },
    connectProducer: (options) => connectProducer(kafka, log, resolved.requestTimeoutMs, options),
    runConsumer: (options) => runConsumer(kafka, log, options),
  };
}
