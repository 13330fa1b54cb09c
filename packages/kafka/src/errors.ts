import { InfraError } from '@cdrate/errors';
import type { InfraErrorCode } from '@cdrate/errors';
import {
  KafkaJSBrokerNotFound,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSMetadataNotLoaded,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSTimeout,
} from './kafkajs.js';

/** Protocol error types that mean credentials or permissions are wrong: fix the configuration. */
const CONFIG_PROTOCOL_TYPES = new Set([
  'SASL_AUTHENTICATION_FAILED',
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'UNSUPPORTED_SASL_MECHANISM',
  'UNSUPPORTED_VERSION',
]);

/**
 * Translates anything a kafkajs call threw into an {@link InfraError}, keeping the original as `cause` and
 * the Kafka error type (or kafkajs error name) as `vendorCode`. This is the only place that knows kafkajs
 * error classes.
 *
 * | kafkajs error                                                                  | code                 | retryable |
 * | ------------------------------------------------------------------------------ | -------------------- | --------- |
 * | `InfraError` (already translated)                                               | unchanged            | unchanged |
 * | `KafkaJSNumberOfRetriesExceeded`, `KafkaJSConnectionError` (+ `…ClosedError`),   | `BROKER_UNAVAILABLE` | yes       |
 * | `KafkaJSRequestTimeoutError`, `KafkaJSBrokerNotFound`, `KafkaJSMetadataNotLoaded`, |                    |           |
 * | `KafkaJSGroupCoordinatorNotFound`, retriable `KafkaJSProtocolError`             |                      |           |
 * | `KafkaJSTimeout` (+ `KafkaJSLockTimeout`)                                        | `TIMEOUT`            | yes       |
 * | `KafkaJSSASLAuthenticationError`, `KafkaJSServerDoesNotSupportApiKey`, auth/version protocol errors | `CONFIG` | no |
 * | non-retriable `KafkaJSProtocolError` (`MESSAGE_TOO_LARGE`, `INVALID_RECORD`, …)   | `BAD_REQUEST`        | no        |
 * | any other retriable `KafkaJSError`                                              | `BROKER_UNAVAILABLE` | yes       |
 * | any other error                                                                 | `INTERNAL`           | no        |
 *
 * @param operation what was being attempted, for the message (e.g. `send to cdr.raw`).
 */
export function toInfraError(error: unknown, operation = 'kafka operation'): InfraError {
  if (error instanceof InfraError) return error;
  const { code, vendorCode } = classify(error);
  const detail = error instanceof Error ? error.message : String(error);
  return new InfraError(code, `${operation} failed: ${detail}`, { cause: error, vendorCode });
}

function classify(error: unknown): { code: InfraErrorCode; vendorCode: string } {
  if (!(error instanceof Error)) return { code: 'INTERNAL', vendorCode: typeof error };
  const name = error.name;
  // Order matters: KafkaJSNumberOfRetriesExceeded extends KafkaJSNonRetriableError, the timeout errors
  // and protocol errors extend KafkaJSError.
  if (error instanceof KafkaJSNumberOfRetriesExceeded) {
    const cause: unknown = error.cause;
    const innerType = cause instanceof KafkaJSProtocolError ? cause.type : undefined;
    return { code: 'BROKER_UNAVAILABLE', vendorCode: innerType ?? name };
  }
  if (
    error instanceof KafkaJSConnectionError ||
    error instanceof KafkaJSRequestTimeoutError ||
    error instanceof KafkaJSBrokerNotFound ||
    error instanceof KafkaJSMetadataNotLoaded ||
    error instanceof KafkaJSGroupCoordinatorNotFound
  ) {
    return { code: 'BROKER_UNAVAILABLE', vendorCode: name };
  }
  if (error instanceof KafkaJSTimeout) return { code: 'TIMEOUT', vendorCode: name };
  if (error instanceof KafkaJSSASLAuthenticationError || error instanceof KafkaJSServerDoesNotSupportApiKey) {
    return { code: 'CONFIG', vendorCode: name };
  }
  if (error instanceof KafkaJSProtocolError) {
    if (CONFIG_PROTOCOL_TYPES.has(error.type)) return { code: 'CONFIG', vendorCode: error.type };
    return { code: error.retriable ? 'BROKER_UNAVAILABLE' : 'BAD_REQUEST', vendorCode: error.type };
  }
  if (error instanceof KafkaJSError) {
    return { code: error.retriable ? 'BROKER_UNAVAILABLE' : 'INTERNAL', vendorCode: name };
  }
  return { code: 'INTERNAL', vendorCode: name };
}
