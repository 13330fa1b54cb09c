import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigError } from '@cdrate/config';
import { serviceMain, StartupRefused, type ProcessEdge, type ServiceApp } from '@cdrate/service-runtime';

interface RecordedEdge extends ProcessEdge {
  readonly exits: number[];
  readonly stderr: string[];
  /** Resolves with the first exit code. */
  readonly exited: Promise<number>;
}

function recordingEdge(): RecordedEdge {
  const exits: number[] = [];
  const stderr: string[] = [];
  let resolveExit!: (code: number) => void;
  const exited = new Promise<number>((resolve) => (resolveExit = resolve));
  return {
    exits,
    stderr,
    exited,
    handleSignals: false,
    exit: (code) => {
      exits.push(code);
      resolveExit(code);
    },
    writeStderr: (text) => void stderr.push(text),
  };
}

const config = { logLevel: 'silent', httpPort: 0, shutdownGraceMs: 2000 };

function fakeApp(): ServiceApp & { fail(error: Error): void } {
  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));
  done.catch(() => undefined);
  return {
    start: () => Promise.resolve(),
    stop: () => {
      settle.resolve();
      return Promise.resolve();
    },
    isReady: () => true,
    done,
    fail: (error) => settle.reject(error),
  };
}

describe('serviceMain', () => {
  it('prints every configuration problem and exits 2 without wiring anything', async () => {
    const edge = recordingEdge();
    const createApp = jest.fn();
    const service = await serviceMain(
      {
        name: 'svc',
        loadConfig: () => {
          throw new ConfigError([
            { env: 'KAFKA_BROKERS', message: 'required' },
            { env: 'HTTP_PORT', message: 'must be an integer' },
          ]);
        },
        describeConfig: () => ({}),
        createApp,
      },
      edge,
    );
    expect(service).toBeUndefined();
    expect(createApp).not.toHaveBeenCalled();
    expect(edge.exits).toEqual([2]);
    expect(edge.stderr.join('')).toBe(
      'svc: invalid configuration:\n  KAFKA_BROKERS: required\n  HTTP_PORT: must be an integer\n',
    );
  });

  it('exits 2 with the message of a StartupRefused from the wiring', async () => {
    const edge = recordingEdge();
    await serviceMain(
      {
        name: 'rating',
        loadConfig: () => config,
        describeConfig: () => ({}),
        createApp: () =>
          Promise.reject(new StartupRefused('invalid tariff in t (RATE_TABLES_DIR):\n  x.csv:3: bad')),
      },
      edge,
    );
    expect(edge.exits).toEqual([2]);
    expect(edge.stderr).toEqual(['rating: invalid tariff in t (RATE_TABLES_DIR):\n  x.csv:3: bad\n']);
  });

  it('exits 1 with the stack of any other error from the wiring', async () => {
    const edge = recordingEdge();
    await serviceMain(
      {
        name: 'svc',
        loadConfig: () => config,
        describeConfig: () => ({}),
        createApp: () => {
          throw new TypeError('wiring bug');
        },
      },
      edge,
    );
    expect(edge.exits).toEqual([1]);
    expect(edge.stderr[0]).toMatch(/^svc: TypeError: wiring bug\n\s+at /);
  });

  it('runs the app with health endpoints and exits 0 after a clean stop', async () => {
    const edge = recordingEdge();
    const app = fakeApp();
    const service = await serviceMain(
      { name: 'svc', loadConfig: () => config, describeConfig: () => ({}), createApp: () => app },
      edge,
    );
    if (service === undefined) throw new Error('service did not start');
    const health = await fetch(`http://127.0.0.1:${service.port}/readyz`);
    expect(health.status).toBe(200);
    expect(edge.exits).toEqual([]);
    await service.shutdown('test');
    expect(await edge.exited).toBe(0);
    expect(edge.stderr).toEqual([]);
  });

  it('exits 1 when the app fails while running', async () => {
    const edge = recordingEdge();
    const app = fakeApp();
    await serviceMain(
      { name: 'svc', loadConfig: () => config, describeConfig: () => ({}), createApp: () => app },
      edge,
    );
    app.fail(new Error('consumer crashed'));
    expect(await edge.exited).toBe(1);
  });

  it('serves the extra routes of an app that has a handle', async () => {
    const edge = recordingEdge();
    const app = Object.assign(fakeApp(), {
      handle: (request: IncomingMessage, response: ServerResponse) => {
        if (request.url !== '/v1/ping') return false;
        response.end('pong');
        return true;
      },
    });
    const service = await serviceMain(
      { name: 'svc', loadConfig: () => config, describeConfig: () => ({}), createApp: () => app },
      edge,
    );
    if (service === undefined) throw new Error('service did not start');
    expect(await (await fetch(`http://127.0.0.1:${service.port}/v1/ping`)).text()).toBe('pong');
    await service.shutdown('test');
    expect(await edge.exited).toBe(0);
  });
});
