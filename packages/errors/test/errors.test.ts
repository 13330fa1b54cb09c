import { InfraError, isRetryable } from '@cdrate/errors';

describe('InfraError', () => {
  it('marks unavailable sinks and brokers as retryable and bad requests as not', () => {
    expect(new InfraError('SINK_UNAVAILABLE', 'down').retryable).toBe(true);
    expect(new InfraError('BROKER_UNAVAILABLE', 'down').retryable).toBe(true);
    expect(new InfraError('TIMEOUT', 'slow').retryable).toBe(true);
    expect(new InfraError('BAD_REQUEST', 'syntax').retryable).toBe(false);
    expect(new InfraError('CONFIG', 'bad key').retryable).toBe(false);
  });

  it('keeps the vendor error as cause and its code', () => {
    const vendor = new Error('Code: 60. Table x does not exist');
    const error = new InfraError('BAD_REQUEST', 'no table', { cause: vendor, vendorCode: 60 });
    expect(error.cause).toBe(vendor);
    expect(error.vendorCode).toBe(60);
  });

  it('treats foreign errors as not retryable', () => {
    expect(isRetryable(new Error('x'))).toBe(false);
    expect(isRetryable(new InfraError('SINK_UNAVAILABLE', 'x'))).toBe(true);
  });
});
