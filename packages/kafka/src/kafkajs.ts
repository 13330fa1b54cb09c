// kafkajs is CommonJS and spreads its error classes into `module.exports`, so Node's ESM loader cannot see
// them as named exports: import the module object once here and take the values from it.
import './kafkajs-patches.js';
import kafkajs from 'kafkajs';

export const {
  Kafka,
  Partitioners,
  CompressionTypes,
  logLevel,
  KafkaJSError,
  KafkaJSProtocolError,
  KafkaJSConnectionError,
  KafkaJSRequestTimeoutError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSNonRetriableError,
  KafkaJSTimeout,
  KafkaJSBrokerNotFound,
  KafkaJSMetadataNotLoaded,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
} = kafkajs;
