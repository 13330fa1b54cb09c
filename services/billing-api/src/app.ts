/**
 * The billing API app: serves `GET /accounts/{id}/usage?month=YYYY-MM` (the month's invoice usage lines,
 * JSON) and `GET /accounts/{id}/billed-calls.csv?invoice_month=YYYY-MM` (the invoice's billed call details,
 * streamed CSV) through `runService`'s `handle`, from ClickHouse `rated_calls` and the plans on the
 * `accounts` topic (an account directory kept up to date while running).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import {
  accountDirectoryGroupId,
  startAccountDirectory,
  type AccountDirectory,
} from '@cdrate/account-directory';
import {
  CurrencyMismatchError,
  exportBilledCalls,
  fetchUsage,
  formatMonth,
  planOf,
  type BillingPlan,
} from '@cdrate/billing';
import type { ClickhouseClient } from '@cdrate/clickhouse';
import { InfraError } from '@cdrate/errors';
import type { KafkaClient } from '@cdrate/kafka';
import type { Logger, ServiceApp } from '@cdrate/service-runtime';
import type { Registry } from 'prom-client';
import type { BillingApiConfig } from './config.js';
import { isApiPath, parseBillingRequest, tokenMatcher, type BillingRequest } from './http.js';
import { createBillingApiMetrics, type RouteLabel } from './metrics.js';

/** How often ClickHouse reachability (part of `/readyz`) is checked. */
const PING_INTERVAL_MS = 5000;

export type BillingApiSettings = Pick<
  BillingApiConfig,
  | 'apiToken'
  | 'topicAccounts'
  | 'topicPartitions'
  | 'accountsLoadTimeoutMs'
  | 'instanceId'
  | 'clickhouseDatabase'
>;

export interface BillingApiAppOptions {
  readonly settings: BillingApiSettings;
  readonly kafka: KafkaClient;
  /** A client whose database is `settings.clickhouseDatabase`. The app closes it on stop. */
  readonly clickhouse: ClickhouseClient;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Session timeout of the account directory's consumer (tests use the broker minimum). */
  readonly sessionTimeoutMs?: number;
}

/** The app plus the HTTP handler to give `runService` as `handle`. */
export interface BillingApiApp extends ServiceApp {
  /** Takes requests under `/accounts/`; returns false for any other path (the runtime answers 404). */
  handle(this: void, request: IncomingMessage, response: ServerResponse): boolean;
  /** The account directory once started (tests, diagnostics). */
  directory(): AccountDirectory | undefined;
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(text)),
    'cache-control': 'no-store',
    ...headers,
  });
  response.end(text);
}

/**
 * Creates the app; nothing connects before `start()`. `start` creates the accounts topic when missing, reads
 * it to its end (then follows it) and checks ClickHouse; `stop` refuses new requests (503), waits for those in flight (bounded
 * by the runtime's grace time), stops the directory and closes ClickHouse.
 */
export function createBillingApiApp(options: BillingApiAppOptions): BillingApiApp {
  const { settings, kafka, clickhouse, logger } = options;
  const metrics = createBillingApiMetrics(options.registry);
  const authorized = tokenMatcher(settings.apiToken);
  let directory: AccountDirectory | undefined;
  let clickhouseOk = false;
  let pingTimer: NodeJS.Timeout | undefined;
  let stopping: Promise<void> | undefined;
  let inFlight = 0;
  let idle: (() => void) | undefined;

  let settle!: { resolve: () => void; reject: (error: Error) => void };
  const done = new Promise<void>((resolve, reject) => (settle = { resolve, reject }));

  async function pingClickhouse(): Promise<void> {
    const result = await clickhouse.ping();
    if (result.ok !== clickhouseOk) {
      if (result.ok) logger.info('ClickHouse reachable');
      else logger.warn({ err: result.error }, 'ClickHouse unreachable');
    }
    clickhouseOk = result.ok;
  }

  function unavailable(response: ServerResponse, message: string): void {
    sendJson(response, 503, { error: 'unavailable', message }, { 'retry-after': '5' });
  }

  function planFor(response: ServerResponse, accountId: string): BillingPlan | undefined {
    const account = directory?.get(accountId);
    if (account === undefined) {
      sendJson(response, 404, {
        error: 'unknown_account',
        message: `account ${JSON.stringify(accountId)} is not on the accounts topic`,
      });
      return undefined;
    }
    try {
      return planOf(account);
    } catch (error) {
      sendJson(response, 500, { error: 'internal', message: `account plan: ${(error as Error).message}` });
      return undefined;
    }
  }

  /** Answers a failure of ClickHouse or the data, unless the response already started (then it is cut). */
  function fail(response: ServerResponse, error: unknown, context: Record<string, unknown>): void {
    if (error instanceof CurrencyMismatchError) {
      sendJson(response, 409, { error: 'currency_mismatch', message: error.message });
      return;
    }
    const retryable = error instanceof InfraError && error.retryable;
    logger.warn({ ...context, err: error }, 'billing request failed');
    if (response.headersSent) {
      response.destroy();
    } else if (retryable) {
      unavailable(response, 'ClickHouse is unavailable; retry later');
    } else {
      sendJson(response, 500, { error: 'internal', message: 'the request failed; see the service log' });
    }
  }

  async function serveUsage(
    request: Extract<BillingRequest, { route: 'usage' }>,
    response: ServerResponse,
  ): Promise<void> {
    const plan = planFor(response, request.accountId);
    if (plan === undefined) return;
    try {
      const report = await fetchUsage(clickhouse, {
        database: settings.clickhouseDatabase,
        accountId: request.accountId,
        month: request.month,
        plan,
      });
      sendJson(response, 200, report);
    } catch (error) {
      fail(response, error, { route: 'usage', account: request.accountId });
    }
  }

  async function serveBilledCalls(
    request: Extract<BillingRequest, { route: 'billed_calls' }>,
    response: ServerResponse,
  ): Promise<number | undefined> {
    if (planFor(response, request.accountId) === undefined) return undefined;
    const abort = new AbortController();
    const onClose = (): void => {
      if (!response.writableFinished) abort.abort();
    };
    response.once('close', onClose);
    try {
      const { rows } = await exportBilledCalls(
        clickhouse,
        { database: settings.clickhouseDatabase, accountId: request.accountId, month: request.usageMonth },
        response,
        {
          signal: abort.signal,
          onFirstData: () =>
            response.writeHead(200, {
              'content-type': 'text/csv; charset=utf-8',
              'content-disposition': `attachment; filename="bcd-${request.accountId}-${formatMonth(request.invoiceMonth)}.csv"`,
              'cache-control': 'no-store',
            }),
        },
      );
      metrics.exportedRows.inc(rows);
      return rows;
    } catch (error) {
      if (abort.signal.aborted) {
        logger.info({ account: request.accountId }, 'client went away during an export');
        return undefined;
      }
      fail(response, error, { route: 'billed_calls', account: request.accountId });
      return undefined;
    } finally {
      response.off('close', onClose);
    }
  }

  async function serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const started = performance.now();
    /** What the request log line and metrics say, filled in as the request is understood. */
    const seen: { route: RouteLabel; account?: string; rows?: number } = { route: 'unmatched' };
    inFlight++;
    response.once('close', () => {
      const status = String(response.statusCode);
      const seconds = (performance.now() - started) / 1000;
      metrics.requests.inc({ route: seen.route, status });
      metrics.duration.observe({ route: seen.route }, seconds);
      logger.info(
        {
          method: request.method,
          route: seen.route,
          account: seen.account,
          status: response.statusCode,
          complete: response.writableFinished,
          rows: seen.rows,
          durationMs: Math.round(seconds * 1000),
        },
        'request',
      );
      inFlight--;
      if (inFlight === 0) idle?.();
    });

    const parsed = parseBillingRequest(
      request.method,
      request.url ?? '/',
      request.headers.authorization,
      authorized,
    );
    if (!parsed.ok) {
      seen.route = parsed.problem.route;
      const headers: Record<string, string> =
        parsed.problem.status === 401
          ? { 'www-authenticate': 'Bearer' }
          : parsed.problem.status === 405
            ? { allow: 'GET' }
            : {};
      sendJson(
        response,
        parsed.problem.status,
        { error: parsed.problem.error, message: parsed.problem.message },
        headers,
      );
      return;
    }
    const billing = parsed.request;
    seen.route = billing.route;
    seen.account = billing.accountId;
    if (stopping !== undefined) return unavailable(response, 'the service is shutting down');
    if (directory?.isLoaded() !== true)
      return unavailable(response, 'the accounts topic is still being read');
    if (billing.route === 'usage') await serveUsage(billing, response);
    else {
      const rows = await serveBilledCalls(billing, response);
      if (rows !== undefined) seen.rows = rows;
    }
  }

  return {
    done,
    directory: () => directory,

    handle(request, response) {
      if (!isApiPath((request.url ?? '/').split('?')[0] ?? '/')) return false;
      serve(request, response).catch((error: unknown) => {
        logger.error({ err: error }, 'billing request handler failed');
        if (!response.headersSent) sendJson(response, 500, { error: 'internal', message: 'internal error' });
        else response.destroy();
      });
      return true;
    },

    async start() {
      // Created (compacted) when missing, as the pipeline services do, so the API can start first.
      const admin = await kafka.connectAdmin();
      try {
        await admin.ensureTopics([
          {
            topic: settings.topicAccounts,
            partitions: settings.topicPartitions,
            configs: { 'cleanup.policy': 'compact' },
          },
        ]);
      } finally {
        await admin.disconnect();
      }
      directory = await startAccountDirectory({
        kafka,
        topic: settings.topicAccounts,
        groupId: accountDirectoryGroupId('cdrate-billing-api', settings.instanceId),
        logger: logger.child({ component: 'accounts' }),
        ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
      });
      directory.done.catch((error: unknown) => {
        if (stopping !== undefined) return;
        logger.error({ err: error }, 'account directory failed');
        settle.reject(error instanceof Error ? error : new InfraError('INTERNAL', String(error)));
      });
      await directory.waitUntilLoaded(settings.accountsLoadTimeoutMs);
      logger.info({ accounts: directory.size }, 'accounts loaded');
      await pingClickhouse();
      pingTimer = setInterval(() => void pingClickhouse(), PING_INTERVAL_MS);
      pingTimer.unref();
    },

    stop() {
      stopping ??= (async () => {
        if (pingTimer !== undefined) clearInterval(pingTimer);
        if (inFlight > 0) await new Promise<void>((resolve) => (idle = resolve));
        const errors: unknown[] = [];
        for (const step of [() => directory?.stop(), () => clickhouse.close()]) {
          try {
            await step();
          } catch (error) {
            errors.push(error);
          }
        }
        if (errors.length > 0) {
          const error =
            errors[0] instanceof Error ? errors[0] : new InfraError('INTERNAL', String(errors[0]));
          settle.reject(error);
          throw error;
        }
        settle.resolve();
      })();
      return stopping;
    },

    isReady: () => stopping === undefined && directory?.isLoaded() === true && clickhouseOk,
  };
}
