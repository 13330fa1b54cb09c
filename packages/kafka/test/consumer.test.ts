import { InfraError } from '@cdrate/errors';
import { asHandlerError, withTimeout } from '../src/consumer.js';

describe('asHandlerError', () => {
  it('keeps an InfraError from the handler as it is, so its retryability decides', () => {
    const sinkDown = new InfraError('SINK_UNAVAILABLE', 'clickhouse down');
    expect(asHandlerError(sinkDown)).toBe(sinkDown);
  });

  it('treats anything else a handler throws as a non-retryable bug, keeping it as cause', () => {
    const bug = new TypeError("Cannot read properties of undefined (reading 'accountId')");
    const error = asHandlerError(bug);
    expect(error).toMatchObject({ code: 'INTERNAL', retryable: false, cause: bug });
    expect(error.message).toContain('accountId');
    expect(asHandlerError({ weird: true }).message).toContain('weird');
  });
});

describe('withTimeout', () => {
  it('resolves with the value when the promise settles in time', async () => {
    await expect(withTimeout(Promise.resolve(7), 1000, 'fast')).resolves.toBe(7);
  });

  it('rejects with a retryable TIMEOUT naming the operation when it does not', async () => {
    const never = new Promise<never>(() => undefined);
    await expect(withTimeout(never, 20, 'stop consumer of group g')).rejects.toMatchObject({
      code: 'TIMEOUT',
      retryable: true,
      message: 'stop consumer of group g timed out after 20 ms',
    });
  });
});
