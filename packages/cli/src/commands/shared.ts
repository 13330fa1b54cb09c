/**
 * What the commands that talk to Kafka or ClickHouse (`accounts load`, `publish`, `dlq replay`,
 * `export rated`) share: connection options with their environment defaults, usage-error handling,
 * the progress line and the summary helpers.
 */
import type { Writable } from 'node:stream';
import { InfraError } from '@cdrate/errors';
import type { LogEntry } from '@cdrate/kafka';
import { EXIT_OK, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js';

/** Kafka or ClickHouse failed (unreachable, refused a request): the run stopped part way. */
export const EXIT_FAILURE = 1;

/** Environment variables the commands read for their defaults (`process.env` in the binary). */
export type CommandEnv = Readonly<Record<string, string | undefined>>;

/** Default bootstrap server of the local stack. */
export const DEFAULT_BROKERS = '127.0.0.1:9092';
/** Default ClickHouse HTTP endpoint of the local stack. */
export const DEFAULT_CLICKHOUSE_URL = 'http://127.0.0.1:8123';
/** Default ClickHouse database of `rated_calls` and `rejected_cdrs`. */
export const DEFAULT_DATABASE = 'cdr';
/** Partitions of a topic a command creates, as the services do (`TOPIC_PARTITIONS`). */
export const DEFAULT_PARTITIONS = 6;

/** `parseArgs` option of the Kafka connection. */
export const KAFKA_OPTIONS = {
  brokers: { type: 'string' },
} as const;

/** `parseArgs` options of the ClickHouse connection. */
export const CLICKHOUSE_OPTIONS = {
  'clickhouse-url': { type: 'string' },
  database: { type: 'string' },
  user: { type: 'string' },
  password: { type: 'string' },
} as const;

/** Help text of {@link KAFKA_OPTIONS}. */
export const KAFKA_HELP = `  --brokers <list>      Kafka bootstrap servers, comma-separated (default: $KAFKA_BROKERS, else
                        ${DEFAULT_BROKERS}).`;

/** Help text of {@link CLICKHOUSE_OPTIONS}. */
export const CLICKHOUSE_HELP = `  --clickhouse-url <url>  ClickHouse HTTP endpoint (default: $CLICKHOUSE_URL, else
                          ${DEFAULT_CLICKHOUSE_URL}).
  --database <name>       Database of rated_calls (default: $CLICKHOUSE_DATABASE, else ${DEFAULT_DATABASE}).
  --user <name>           ClickHouse user (default: $CLICKHOUSE_USER, else the server's default user).
  --password <secret>     ClickHouse password (default: $CLICKHOUSE_PASSWORD, else none). Prefer the
                          variable: a command line is visible to other users of the machine.`;

/** A bare value read from an option or, when absent or empty, from an environment variable. */
function fromEnv(value: string | undefined, env: CommandEnv, name: string): string | undefined {
  if (value !== undefined) return value;
  const fromVariable = env[name];
  return fromVariable === undefined || fromVariable === '' ? undefined : fromVariable;
}

const HOST_PORT = /^[A-Za-z0-9._-]+:[0-9]{1,5}$|^\[[0-9A-Fa-f:.]+\]:[0-9]{1,5}$/;

/**
 * The bootstrap servers from `--brokers`, else `$KAFKA_BROKERS`, else {@link DEFAULT_BROKERS}.
 * @throws UsageError naming the first entry that is not `host:port`.
 */
export function brokersOption(value: string | undefined, env: CommandEnv): string[] {
  const text = fromEnv(value, env, 'KAFKA_BROKERS') ?? DEFAULT_BROKERS;
  const brokers = text.split(',').map((b) => b.trim());
  for (const broker of brokers) {
    const port = Number(broker.slice(broker.lastIndexOf(':') + 1));
    if (!HOST_PORT.test(broker) || port < 1 || port > 65535)
      throw new UsageError(`--brokers: "${broker}" is not host:port`);
  }
  return brokers;
}

/**
 * A topic name from the option, else the service variable `envName` (e.g. `TOPIC_RAW`, as the services
 * read it), else `fallback`. @throws UsageError when it is not a valid Kafka topic name.
 */
export function topicOption(
  value: string | undefined,
  env: CommandEnv,
  envName: string,
  fallback: string,
  option = '--topic',
): string {
  const topic = fromEnv(value, env, envName) ?? fallback;
  if (!/^[A-Za-z0-9._-]{1,249}$/.test(topic) || topic === '.' || topic === '..')
    throw new UsageError(`${option}: "${topic}" is not a valid topic name ([A-Za-z0-9._-], 1-249 chars)`);
  return topic;
}

/** Where and as whom to reach ClickHouse. */
export interface ClickhouseConnection {
  readonly url: string;
  readonly database: string;
  readonly username?: string;
  readonly password?: string;
}

/**
 * The ClickHouse connection from the options, else `CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE`,
 * `CLICKHOUSE_USER`, `CLICKHOUSE_PASSWORD`, else the local stack's defaults.
 * @throws UsageError for a URL that is not http(s) or a database name that is not an identifier.
 */
export function clickhouseOption(
  values: {
    readonly 'clickhouse-url'?: string | undefined;
    readonly database?: string | undefined;
    readonly user?: string | undefined;
    readonly password?: string | undefined;
  },
  env: CommandEnv,
): ClickhouseConnection {
  const url = fromEnv(values['clickhouse-url'], env, 'CLICKHOUSE_URL') ?? DEFAULT_CLICKHOUSE_URL;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`--clickhouse-url: "${url}" is not a URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new UsageError(`--clickhouse-url: "${url}" is not an http:// or https:// URL`);
  const database = fromEnv(values.database, env, 'CLICKHOUSE_DATABASE') ?? DEFAULT_DATABASE;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
    throw new UsageError(`--database: "${database}" is not a database name ([A-Za-z_][A-Za-z0-9_]*)`);
  const username = fromEnv(values.user, env, 'CLICKHOUSE_USER');
  const password = fromEnv(values.password, env, 'CLICKHOUSE_PASSWORD');
  return {
    url,
    database,
    ...(username === undefined ? {} : { username }),
    ...(password === undefined ? {} : { password }),
  };
}

/** A positive integer option. @throws UsageError otherwise. */
export function positiveIntegerOption(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]{0,14}$/.test(value))
    throw new UsageError(`--${name} must be a positive integer, got "${value}"`);
  return Number(value);
}

/**
 * Runs an argument parser (`parseArgs` in strict mode), turning its errors into {@link UsageError}.
 */
export function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/**
 * Builds a {@link Command}: `parse` turns the arguments into options (or `'help'`; a
 * {@link UsageError} prints the message and exit code 2), `execute` runs them. An {@link InfraError}
 * escaping `execute` is printed as one line and ends with {@link EXIT_FAILURE}.
 */
export function defineCommand<T>(spec: {
  readonly name: readonly string[];
  readonly summary: string;
  readonly help: string;
  readonly parse: (args: readonly string[]) => T | 'help';
  readonly execute: (options: T, io: CliIo) => Promise<number>;
}): Command {
  const label = `cdr ${spec.name.join(' ')}`;
  return {
    name: spec.name,
    summary: spec.summary,
    help: spec.help,
    async run(args, io) {
      let options: T | 'help';
      try {
        options = spec.parse(args);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        io.stderr.write(`${label}: ${error.message}\nRun \`${label} --help\` for usage.\n`);
        return EXIT_USAGE;
      }
      if (options === 'help') {
        io.stdout.write(spec.help);
        return EXIT_OK;
      }
      try {
        return await spec.execute(options, io);
      } catch (error) {
        if (error instanceof InfraError) {
          io.stderr.write(`${lineStart(io)}${label}: ${describeInfraError(error)}\n`);
          return EXIT_FAILURE;
        }
        throw error;
      }
    },
  };
}

/** One line for an infrastructure failure: code, message and the vendor code when there is one. */
export function describeInfraError(error: InfraError): string {
  const vendor = error.vendorCode === undefined ? '' : ` [${String(error.vendorCode)}]`;
  return `${error.code}${vendor}: ${error.message}`;
}

/**
 * A Kafka log sink for a command: errors only, one readable line each on standard error (kafkajs's own
 * retries stay quiet; a failure that matters reaches the command as an `InfraError`).
 */
export function kafkaLogSink(io: CliIo, label: string): (entry: LogEntry) => void {
  return (entry) => {
    if (entry.level === 'error') io.stderr.write(`${lineStart(io)}${label}: kafka: ${entry.message}\n`);
  };
}

/** Erases a progress line before a message on a terminal; nothing when standard error is not one. */
export function lineStart(io: CliIo): string {
  return io.stderr.isTTY === true ? '\r\x1b[K' : '';
}

/** Thousands with commas, as in the other summaries. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}

/**
 * The progress line on standard error: only when it is a terminal, at most once a second, overwritten
 * in place; {@link Progress.clear} removes it before the summary.
 */
export class Progress {
  private last = performance.now();
  private shown = false;
  private readonly enabled: boolean;

  constructor(private readonly stderr: Writable & { readonly isTTY?: boolean }) {
    this.enabled = stderr.isTTY === true;
  }

  /** Shows `text()` when a second has passed since the last update. */
  tick(text: () => string): void {
    if (!this.enabled) return;
    const now = performance.now();
    if (now - this.last < 1000) return;
    this.last = now;
    this.shown = true;
    this.stderr.write(`\r\x1b[K${text()}`);
  }

  /** Erases the progress line, if one was shown. */
  clear(): void {
    if (this.shown) this.stderr.write('\r\x1b[K');
    this.shown = false;
  }
}

/** Resolves after `ms` (an unref'd timer). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
