/**
 * The shape every long-running cdrate service shares (ingest, rating, aggregation, billing API):
 *
 *   config → logger → metrics → adapters → app → `runService` (HTTP + signals)
 *
 * `main.ts` of a service only wires these together. The app owns its work loop; this package owns the
 * lifecycle (`starting → running → draining → stopped`), the health endpoints that report it, and the
 * graceful shutdown on SIGTERM/SIGINT bounded by a grace time.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pino, type Logger } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type { Logger } from 'pino';
export {
  clickhouseSettings,
  consumerGroupSetting,
  kafkaSettings,
  runtimeSettings,
  relaySettings,
  topicSettings,
} from './settings.js';
export {
  createRelayApp,
  createRelayMetrics,
  DLQ_MAX_MESSAGE_BYTES,
  PartitionedOutput,
  RELAY_MAX_BATCH_MESSAGES,
  RELAY_MESSAGE_TARGET_BYTES,
  RELAY_SAMPLE_MS,
  relayPartitionsConcurrently,
  relayTopics,
} from './relay.js';
export type {
  AccountLookup,
  RelayApp,
  RelayAppOptions,
  RelayBatchResult,
  RelayContext,
  RelayMetrics,
  RelayOutput,
  RelayReject,
  RelaySettings,
} from './relay.js';

export { serviceClickhouse, serviceKafka } from './adapters.js';
export type { ServiceClickhouseSettings, ServiceKafkaSettings } from './adapters.js';
export { serviceMain, StartupRefused } from './main.js';
export type { ProcessEdge, ServiceMainConfig, ServiceMainOptions } from './main.js';

export type LifecycleState = 'starting' | 'running' | 'draining' | 'stopped';

/** What a service's app exposes to the runtime. */
export interface ServiceApp {
  /** Connects and starts the work loop; resolves once the service is doing its job. */
  start(): Promise<void>;
  /**
   * Stops fetching, finishes the batch in flight, commits, flushes, disconnects. Must be idempotent.
   * The runtime calls it once on SIGTERM/SIGINT and gives it `shutdownGraceMs`.
   */
  stop(): Promise<void>;
  /** True while the app can do its work (its brokers and sinks reachable); drives `/readyz`. */
  isReady(): boolean;
  /** Resolves when the app stopped by itself, rejects when it failed fatally (e.g. a consumer crashed). */
  readonly done: Promise<void>;
}

/** A pino JSON logger with the service name on every line. Level from config, never from env here. */
export function createLogger(service: string, level: string): Logger {
  return pino({ name: service, level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** A metrics registry with Node's default process metrics and `service` as a default label. */
export function createMetricsRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The metrics every pipeline stage (ingest, rating, aggregation) reports, under the names and labels of
 * docs/pipeline.md. Each service adds its own beside them.
 */
export interface StageMetrics {
  /** Messages consumed, by input topic. */
  readonly consumed: Counter<'topic'>;
  /** Messages produced (outputs and dead letters), by topic. */
  readonly produced: Counter<'topic'>;
  /** Records a stage refused, by stage and reject code. */
  readonly rejected: Counter<'stage' | 'code'>;
  /** Messages per consumed batch (one partition's part of a fetch). */
  readonly batchSize: Histogram<'stage'>;
  /** Time from receiving a batch until its output is acknowledged (produced, or inserted). */
  readonly batchDuration: Histogram<'stage'>;
  /** Messages of the input topics not yet committed by the consumer group (sampled). */
  readonly consumerLag: Gauge<'topic'>;
}

/** Registers the {@link StageMetrics} on `registry`. */
export function createStageMetrics(registry: Registry): StageMetrics {
  const registers = [registry];
  return {
    consumed: new Counter({
      name: 'cdrate_consumed_total',
      help: 'Messages consumed',
      labelNames: ['topic'],
      registers,
    }),
    produced: new Counter({
      name: 'cdrate_produced_total',
      help: 'Messages produced (outputs and dead letters)',
      labelNames: ['topic'],
      registers,
    }),
    rejected: new Counter({
      name: 'cdrate_rejected_total',
      help: 'Records refused by a stage: dead-lettered, or skipped when they are unreadable dead letters',
      labelNames: ['stage', 'code'],
      registers,
    }),
    batchSize: new Histogram({
      name: 'cdrate_batch_size',
      help: 'Messages per consumed batch',
      labelNames: ['stage'],
      buckets: [1, 10, 50, 100, 250, 500, 1000, 5000, 10_000, 50_000],
      registers,
    }),
    batchDuration: new Histogram({
      name: 'cdrate_batch_duration_seconds',
      help: 'Time from receiving a consumed batch until its output is acknowledged',
      labelNames: ['stage'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    consumerLag: new Gauge({
      name: 'cdrate_consumer_lag',
      help: 'Messages of the input topic not yet committed by the consumer group, sampled every 5 s',
      labelNames: ['topic'],
      registers,
    }),
  };
}

export interface HttpEndpoints {
  /** Extra routes (the billing API); return false when the path is not handled. */
  readonly handle?: (request: IncomingMessage, response: ServerResponse) => boolean;
}

export interface RunServiceOptions extends HttpEndpoints {
  readonly name: string;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly app: ServiceApp;
  /** Port of `/healthz`, `/readyz`, `/metrics` (and extra routes). 0 picks a free port. */
  readonly httpPort: number;
  readonly httpHost?: string;
  /** How long `stop()` may take after SIGTERM before the process exits anyway. */
  readonly shutdownGraceMs: number;
  /** Installs SIGTERM/SIGINT handlers (default true; tests turn it off). */
  readonly handleSignals?: boolean;
}

export interface RunningService {
  state(): LifecycleState;
  /** The bound HTTP port (useful with `httpPort: 0`). */
  readonly port: number;
  /** Drains and stops the app and the HTTP server; resolves when stopped. Idempotent. */
  shutdown(reason: string): Promise<void>;
  /** Resolves when the service has stopped; `exitCode` says whether it ended cleanly (0) or not (1). */
  readonly stopped: Promise<{ exitCode: number }>;
}

/**
 * Starts the HTTP endpoints, then the app, and wires signals to a graceful shutdown.
 * `/healthz` is 200 unless the service is stopped (the process is alive and not wedged);
 * `/readyz` is 200 only while `running` and `app.isReady()`; `/metrics` is Prometheus text.
 */
export async function runService(options: RunServiceOptions): Promise<RunningService> {
  const { logger, app, registry } = options;
  let state: LifecycleState = 'starting';
  let resolveStopped!: (value: { exitCode: number }) => void;
  const stopped = new Promise<{ exitCode: number }>((resolve) => (resolveStopped = resolve));
  let exitCode = 0;

  const server = createServer((request, response) => {
    void serveHttp(request, response);
  });
  async function serveHttp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0];
    try {
      if (path === '/healthz') {
        const healthy = state !== 'stopped';
        sendJson(response, healthy ? 200 : 503, { status: healthy ? 'ok' : 'stopped', state });
      } else if (path === '/readyz') {
        const ready = state === 'running' && app.isReady();
        sendJson(response, ready ? 200 : 503, { ready, state });
      } else if (path === '/metrics') {
        const body = await registry.metrics();
        response.writeHead(200, { 'content-type': registry.contentType });
        response.end(body);
      } else if (!options.handle?.(request, response)) {
        sendJson(response, 404, { error: 'not_found', message: `no route for ${path ?? ''}` });
      }
    } catch (error) {
      logger.error({ err: error, path }, 'http handler failed');
      if (!response.headersSent) sendJson(response, 500, { error: 'internal', message: 'internal error' });
      else response.destroy();
    }
  }
  const port = await listen(server, options.httpPort, options.httpHost ?? '127.0.0.1');
  logger.info(
    { port },
    `${options.name}: health and metrics on http://${options.httpHost ?? '127.0.0.1'}:${port}`,
  );

  let shutdownPromise: Promise<void> | undefined;
  function shutdown(reason: string): Promise<void> {
    shutdownPromise ??= (async () => {
      if (state === 'stopped') return;
      state = 'draining';
      logger.info({ reason }, `${options.name}: draining`);
      const grace = new Promise<'timeout'>((resolve) =>
        setTimeout(() => resolve('timeout'), options.shutdownGraceMs).unref(),
      );
      try {
        const outcome = await Promise.race([app.stop().then(() => 'stopped' as const), grace]);
        if (outcome === 'timeout') {
          exitCode = 1;
          logger.error(
            { graceMs: options.shutdownGraceMs },
            `${options.name}: did not stop within the grace time`,
          );
        }
      } catch (error) {
        exitCode = 1;
        logger.error({ err: error }, `${options.name}: stop failed`);
      }
      state = 'stopped';
      await new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      logger.info({ exitCode }, `${options.name}: stopped`);
      resolveStopped({ exitCode });
    })();
    return shutdownPromise;
  }

  if (options.handleSignals ?? true) {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        void shutdown(signal);
      });
    }
  }

  app.done.then(
    () => void shutdown('app finished'),
    (error: unknown) => {
      exitCode = 1;
      logger.fatal({ err: error }, `${options.name}: failed`);
      void shutdown('app failed');
    },
  );

  try {
    await app.start();
  } catch (error) {
    exitCode = 1;
    logger.fatal({ err: error }, `${options.name}: could not start`);
    await shutdown('start failed');
    return { state: () => state, port, shutdown, stopped };
  }
  if (state === 'starting') state = 'running';
  logger.info(`${options.name}: running`);
  return { state: () => state, port, shutdown, stopped };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
