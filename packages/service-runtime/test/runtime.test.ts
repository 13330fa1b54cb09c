import { Registry } from 'prom-client';
import { pino } from 'pino';
import { createStageMetrics, runService, type ServiceApp } from '@cdrate/service-runtime';

function fakeApp(options: { stopMs?: number; failStart?: boolean } = {}) {
  let ready = false;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const calls: string[] = [];
  const app: ServiceApp = {
    start() {
      calls.push('start');
      if (options.failStart) return Promise.reject(new Error('broker down'));
      ready = true;
      return Promise.resolve();
    },
    async stop() {
      calls.push('stop');
      ready = false;
      await new Promise((resolve) => setTimeout(resolve, options.stopMs ?? 0));
      finish();
    },
    isReady: () => ready,
    done,
  };
  return { app, calls };
}

const silent = pino({ level: 'silent' });

async function get(port: number, path: string): Promise<{ status: number; body: string }> {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, body: await response.text() };
}

describe('runService', () => {
  it('reports readiness while running and serves metrics, then drains on shutdown', async () => {
    const { app, calls } = fakeApp();
    const registry = new Registry();
    const service = await runService({
      name: 'test',
      logger: silent,
      registry,
      app,
      httpPort: 0,
      shutdownGraceMs: 1000,
      handleSignals: false,
    });
    expect(service.state()).toBe('running');
    expect((await get(service.port, '/healthz')).status).toBe(200);
    expect(await get(service.port, '/readyz')).toEqual({
      status: 200,
      body: '{"ready":true,"state":"running"}',
    });
    expect((await get(service.port, '/metrics')).status).toBe(200);
    expect((await get(service.port, '/nope')).status).toBe(404);
    await service.shutdown('test');
    expect(service.state()).toBe('stopped');
    expect(calls).toEqual(['start', 'stop']);
    expect(await service.stopped).toEqual({ exitCode: 0 });
  });

  it('exits with code 1 when stop overruns the grace time', async () => {
    const { app } = fakeApp({ stopMs: 300 });
    const service = await runService({
      name: 'slow',
      logger: silent,
      registry: new Registry(),
      app,
      httpPort: 0,
      shutdownGraceMs: 50,
      handleSignals: false,
    });
    await service.shutdown('test');
    expect(await service.stopped).toEqual({ exitCode: 1 });
  });

  it('stops with code 1 when the app cannot start', async () => {
    const { app } = fakeApp({ failStart: true });
    const service = await runService({
      name: 'broken',
      logger: silent,
      registry: new Registry(),
      app,
      httpPort: 0,
      shutdownGraceMs: 100,
      handleSignals: false,
    });
    expect(service.state()).toBe('stopped');
    expect(await service.stopped).toEqual({ exitCode: 1 });
  });
});

describe('createStageMetrics', () => {
  it('registers the metrics every pipeline stage reports, under the names of docs/pipeline.md', async () => {
    const registry = new Registry();
    const metrics = createStageMetrics(registry);
    metrics.consumed.inc({ topic: 'cdr.raw' }, 3);
    metrics.rejected.inc({ stage: 'ingest', code: 'NO_RATE' });
    const text = await registry.metrics();
    for (const name of [
      'cdrate_consumed_total',
      'cdrate_produced_total',
      'cdrate_rejected_total',
      'cdrate_batch_size',
      'cdrate_batch_duration_seconds',
      'cdrate_consumer_lag',
    ]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toMatch(/^cdrate_consumed_total\{topic="cdr.raw"\} 3$/m);
    expect(text).toMatch(/^cdrate_rejected_total\{stage="ingest",code="NO_RATE"\} 1$/m);
  });
});
