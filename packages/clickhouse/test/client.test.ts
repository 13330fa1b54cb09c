import { InfraError } from '@cdrate/errors';
import { createClickhouse } from '@cdrate/clickhouse';

describe('createClickhouse', () => {
  it('reports every invalid option at once as a CONFIG error, without connecting', () => {
    let error: unknown;
    try {
      createClickhouse({
        url: 'ftp://example.com',
        requestTimeoutMs: -1,
        maxExecutionTimeSeconds: 1.5,
        database: 'cdr; DROP',
        queryIdPrefix: 'has space',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InfraError);
    expect(error).toMatchObject({ code: 'CONFIG', retryable: false });
    const message = (error as InfraError).message;
    for (const key of ['url', 'requestTimeoutMs', 'maxExecutionTimeSeconds', 'database', 'queryIdPrefix']) {
      expect(message).toContain(`${key}:`);
    }
    expect(() => createClickhouse({ url: 'not a url' })).toThrow(/url: not a URL/);
  });

  it('accepts a minimal configuration lazily', async () => {
    const client = createClickhouse({ url: 'http://127.0.0.1:1' });
    await client.close();
  });
});
