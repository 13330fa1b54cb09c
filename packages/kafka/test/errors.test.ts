import { InfraError } from '@cdrate/errors';
import { toInfraError } from '@cdrate/kafka';
import {
  KafkaJSBrokerNotFound,
  KafkaJSConnectionError,
  KafkaJSError,
  KafkaJSGroupCoordinatorNotFound,
  KafkaJSMetadataNotLoaded,
  KafkaJSNonRetriableError,
  KafkaJSNumberOfRetriesExceeded,
  KafkaJSProtocolError,
  KafkaJSRequestTimeoutError,
  KafkaJSSASLAuthenticationError,
  KafkaJSServerDoesNotSupportApiKey,
  KafkaJSTimeout,
} from '../src/kafkajs.js';

/**
 * kafkajs's typings declare these constructors without parameters, but the implementation reads
 * `message` from its first argument; build them as the library itself does.
 */
function make(errorClass: unknown, message: string): Error {
  return new (errorClass as new (message: string) => Error)(message);
}

/** A protocol error as kafkajs builds it from a broker error code (`createErrorFromCode`). */
function protocolError(
  type: string,
  code: number,
  retriable: boolean,
): InstanceType<typeof KafkaJSProtocolError> {
  return new KafkaJSProtocolError(Object.assign(new Error(`broker said ${type}`), { type, code, retriable }));
}

describe('toInfraError', () => {
  const cases: [string, () => Error, string, boolean, string][] = [
    [
      'KafkaJSConnectionError',
      () => new KafkaJSConnectionError('Connection error: ECONNREFUSED'),
      'BROKER_UNAVAILABLE',
      true,
      'KafkaJSConnectionError',
    ],
    [
      'KafkaJSRequestTimeoutError',
      () => new KafkaJSRequestTimeoutError('Request Produce timed out'),
      'BROKER_UNAVAILABLE',
      true,
      'KafkaJSRequestTimeoutError',
    ],
    [
      'KafkaJSNumberOfRetriesExceeded',
      () =>
        new KafkaJSNumberOfRetriesExceeded(new KafkaJSConnectionError('refused'), {
          retryCount: 5,
          retryTime: 900,
        }),
      'BROKER_UNAVAILABLE',
      true,
      'KafkaJSNumberOfRetriesExceeded',
    ],
    [
      'KafkaJSBrokerNotFound',
      () => make(KafkaJSBrokerNotFound, 'KafkaJSBrokerNotFound thrown'),
      'BROKER_UNAVAILABLE',
      true,
      'KafkaJSBrokerNotFound',
    ],
    [
      'KafkaJSMetadataNotLoaded',
      () => make(KafkaJSMetadataNotLoaded, 'KafkaJSMetadataNotLoaded thrown'),
      'BROKER_UNAVAILABLE',
      true,
      'KafkaJSMetadataNotLoaded',
    ],
    [
      'KafkaJSGroupCoordinatorNotFound',
      () => make(KafkaJSGroupCoordinatorNotFound, 'KafkaJSGroupCoordinatorNotFound thrown'),
      'BROKER_UNAVAILABLE',
      true,
      'KafkaJSGroupCoordinatorNotFound',
    ],
    [
      'KafkaJSTimeout',
      () => make(KafkaJSTimeout, 'KafkaJSTimeout thrown'),
      'TIMEOUT',
      true,
      'KafkaJSTimeout',
    ],
    [
      'KafkaJSSASLAuthenticationError',
      () => make(KafkaJSSASLAuthenticationError, 'KafkaJSSASLAuthenticationError thrown'),
      'CONFIG',
      false,
      'KafkaJSSASLAuthenticationError',
    ],
    [
      'KafkaJSServerDoesNotSupportApiKey',
      () => new KafkaJSServerDoesNotSupportApiKey('no api'),
      'CONFIG',
      false,
      'KafkaJSServerDoesNotSupportApiKey',
    ],
    [
      'MESSAGE_TOO_LARGE',
      () => protocolError('MESSAGE_TOO_LARGE', 10, false),
      'BAD_REQUEST',
      false,
      'MESSAGE_TOO_LARGE',
    ],
    [
      'INVALID_RECORD',
      () => protocolError('INVALID_RECORD', 87, false),
      'BAD_REQUEST',
      false,
      'INVALID_RECORD',
    ],
    [
      'RECORD_LIST_TOO_LARGE',
      () => protocolError('RECORD_LIST_TOO_LARGE', 18, false),
      'BAD_REQUEST',
      false,
      'RECORD_LIST_TOO_LARGE',
    ],
    [
      'NOT_LEADER_FOR_PARTITION',
      () => protocolError('NOT_LEADER_FOR_PARTITION', 6, true),
      'BROKER_UNAVAILABLE',
      true,
      'NOT_LEADER_FOR_PARTITION',
    ],
    [
      'COORDINATOR_LOAD_IN_PROGRESS',
      () => protocolError('GROUP_LOAD_IN_PROGRESS', 14, true),
      'BROKER_UNAVAILABLE',
      true,
      'GROUP_LOAD_IN_PROGRESS',
    ],
    [
      'TOPIC_AUTHORIZATION_FAILED',
      () => protocolError('TOPIC_AUTHORIZATION_FAILED', 29, false),
      'CONFIG',
      false,
      'TOPIC_AUTHORIZATION_FAILED',
    ],
    [
      'retriable KafkaJSError',
      () => new KafkaJSError('something transient'),
      'BROKER_UNAVAILABLE',
      true,
      'KafkaJSError',
    ],
    [
      'KafkaJSNonRetriableError',
      () => new KafkaJSNonRetriableError('invalid argument'),
      'INTERNAL',
      false,
      'KafkaJSNonRetriableError',
    ],
    ['a plain Error', () => new TypeError('undefined is not a function'), 'INTERNAL', false, 'TypeError'],
  ];

  it.each(cases)(
    'maps %s to its code and retryability, keeping the cause',
    (_name, make, code, retryable, vendorCode) => {
      const original = make();
      const mapped = toInfraError(original, 'send to cdr.raw');
      expect(mapped).toBeInstanceOf(InfraError);
      expect(mapped.code).toBe(code);
      expect(mapped.retryable).toBe(retryable);
      expect(mapped.vendorCode).toBe(vendorCode);
      expect(mapped.cause).toBe(original);
      expect(mapped.message).toContain('send to cdr.raw failed');
    },
  );

  it('passes an InfraError through unchanged', () => {
    const original = new InfraError('SINK_UNAVAILABLE', 'clickhouse down');
    expect(toInfraError(original)).toBe(original);
  });

  it('names the retried protocol error type when retries ran out on one', () => {
    const inner = protocolError('NOT_ENOUGH_REPLICAS', 19, true);
    const mapped = toInfraError(
      new KafkaJSNumberOfRetriesExceeded(inner, { retryCount: 5, retryTime: 1000 }),
    );
    expect(mapped.code).toBe('BROKER_UNAVAILABLE');
    expect(mapped.vendorCode).toBe('NOT_ENOUGH_REPLICAS');
  });

  it('turns a thrown non-Error into an INTERNAL error', () => {
    const mapped = toInfraError('boom');
    expect(mapped.code).toBe('INTERNAL');
    expect(mapped.message).toContain('boom');
  });
});
