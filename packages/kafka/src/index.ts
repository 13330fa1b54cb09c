/**
 * `@cdrate/kafka`: the project's only door to Kafka. Topic admin, an idempotent producer and a
 * commit-after-handle batch consumer over kafkajs; every failure surfaces as `InfraError`.
 */
export { createKafka } from './client.js';
export type { KafkaClient } from './client.js';
export type { KafkaConfig } from './config.js';
export type { LogEntry, LogLevel, LogSink, KafkaLogger } from './log.js';
export { toInfraError } from './errors.js';
export { backoffDelay, DEFAULT_BACKOFF } from './backoff.js';
export type { BackoffPolicy } from './backoff.js';
export { partitionLag } from './admin.js';
export { createKeyPartitioner } from './kafkajs-patches.js';
export type {
  ConsumerLag,
  EnsureTopicsResult,
  KafkaAdmin,
  PartitionLag,
  PartitionOffsets,
  TopicSpec,
} from './admin.js';
export type { Compression, KafkaProducer, ProducerOptions, SentRecord } from './producer.js';
export type { ConsumedMessage, OutgoingMessage, TopicMessages } from './messages.js';
export type { ConsumedBatch, ConsumerErrorContext, ConsumerHandle, ConsumerOptions } from './consumer.js';
export { DEAD_LETTER_HEADERS, toDeadLetter } from './dead-letter.js';
export type { DeadLetterReason } from './dead-letter.js';
