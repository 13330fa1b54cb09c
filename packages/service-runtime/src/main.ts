/**
 * The entry point every service's `main.ts` calls, so that all of them start, refuse and exit alike:
 *
 *   config (every bad key listed, exit 2) → logger → the configuration logged → metrics registry →
 *   the service's own wiring (`createApp`; a `StartupRefused` is printed, exit 2) → `runService` →
 *   exit with its code (0 after a clean stop, 1 otherwise; 1 on any unexpected error, with its stack).
 */
import { ConfigError } from '@cdrate/config';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import {
  createLogger,
  createMetricsRegistry,
  runService,
  type HttpEndpoints,
  type RunningService,
  type ServiceApp,
} from './index.js';

/** The settings `serviceMain` reads from every service's configuration. */
export interface ServiceMainConfig {
  readonly logLevel: string;
  readonly httpPort: number;
  readonly httpHost?: string;
  readonly shutdownGraceMs: number;
}

/**
 * Thrown by a service's wiring when its input makes starting pointless and a retry cannot help (a broken
 * tariff): the message is printed to stderr as is and the process exits with code 2, like a bad config.
 */
export class StartupRefused extends Error {
  override readonly name = 'StartupRefused';
}

export interface ServiceMainOptions<C extends ServiceMainConfig> {
  readonly name: string;
  /** Reads and validates the whole configuration once; throws `ConfigError` listing every problem. */
  readonly loadConfig: () => C;
  /** The configuration as logged at start (secrets masked). */
  readonly describeConfig: (config: C) => unknown;
  /** The service's wiring: adapters and app. May throw `StartupRefused`. */
  readonly createApp: (context: {
    readonly config: C;
    readonly logger: Logger;
    readonly registry: Registry;
  }) => Promise<ServiceApp & HttpEndpoints> | (ServiceApp & HttpEndpoints);
}

/** What `serviceMain` does to the process; tests pass their own. */
export interface ProcessEdge {
  exit(code: number): void;
  writeStderr(text: string): void;
  /** Installs SIGTERM/SIGINT handlers (see `runService`). */
  readonly handleSignals: boolean;
}

const realProcess: ProcessEdge = {
  exit: (code) => process.exit(code),
  writeStderr: (text) => void process.stderr.write(text),
  handleSignals: true,
};

/**
 * Runs a service until it stops and then ends the process with its exit code. Resolves with the
 * running service once it started (tests use it); the process exit is `edge.exit`'s business.
 */
export async function serviceMain<C extends ServiceMainConfig>(
  options: ServiceMainOptions<C>,
  edge: ProcessEdge = realProcess,
): Promise<RunningService | undefined> {
  const { name } = options;
  try {
    const config = options.loadConfig();
    const logger = createLogger(name, config.logLevel);
    logger.info({ config: options.describeConfig(config) }, `${name}: starting`);
    const registry = createMetricsRegistry(name);
    const app = await options.createApp({ config, logger, registry });
    const service = await runService({
      name,
      logger,
      registry,
      app,
      ...(app.handle === undefined ? {} : { handle: app.handle }),
      httpPort: config.httpPort,
      ...(config.httpHost === undefined ? {} : { httpHost: config.httpHost }),
      shutdownGraceMs: config.shutdownGraceMs,
      handleSignals: edge.handleSignals,
    });
    void service.stopped.then(({ exitCode }) => edge.exit(exitCode));
    return service;
  } catch (error) {
    if (error instanceof ConfigError || error instanceof StartupRefused) {
      edge.writeStderr(`${name}: ${error.message}\n`);
      edge.exit(2);
    } else {
      edge.writeStderr(
        `${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
      );
      edge.exit(1);
    }
    return undefined;
  }
}
