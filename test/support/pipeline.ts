/**
 * Runs the pipeline's services as black boxes for end-to-end tests: each instance is a real child process
 * (`node services/<service>/dist/main.js`, so `pnpm build` must have run) configured only through its
 * environment, on its own topics, consumer groups, ClickHouse database and health port, so tests never
 * share state. Instances can be killed with SIGKILL and started again to test crash recovery.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { sql } from '@cdrate/clickhouse';
import { createKafka } from '@cdrate/kafka';
import { testClickhouse } from './reconcile.js';
import { testClickhouseUrl, testKafkaBrokers, uniqueName } from './stack.js';

export const repoRoot = path.resolve(__dirname, '..', '..');

export type ServiceName = 'ingest' | 'rating' | 'aggregation';

/** Names of everything one pipeline under test owns. */
export interface PipelineNames {
  readonly prefix: string;
  readonly topics: { raw: string; normalized: string; rated: string; dlq: string; accounts: string };
  readonly database: string;
}

export function pipelineNames(label: string): PipelineNames {
  const prefix = uniqueName(label);
  return {
    prefix,
    topics: {
      raw: `${prefix}.raw`,
      normalized: `${prefix}.normalized`,
      rated: `${prefix}.rated`,
      dlq: `${prefix}.dlq`,
      accounts: `${prefix}.accounts`,
    },
    database: prefix,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One running service instance. */
export class ServiceInstance {
  private child: ChildProcess | undefined;
  private exited: Promise<number | null> = Promise.resolve(null);
  readonly logFile: string;

  constructor(
    readonly name: string,
    readonly service: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
    logDir: string,
  ) {
    this.logFile = path.join(logDir, `${name}.log`);
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the process and waits until `/readyz` answers 200. */
  async start(timeoutMs = 60_000): Promise<void> {
    const main = path.join(repoRoot, 'services', this.service, 'dist', 'main.js');
    const out = fs.openSync(this.logFile, 'a');
    const child = spawn(process.execPath, [main], {
      cwd: repoRoot,
      stdio: ['ignore', out, out],
      env: { ...process.env, ...this.env, HTTP_PORT: String(this.port), INSTANCE_ID: this.name },
    });
    fs.closeSync(out);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child.exitCode !== null)
        throw new Error(`${this.name} exited with ${child.exitCode}:\n${this.tail()}`);
      if (await this.isReady()) return;
      if (Date.now() > deadline)
        throw new Error(`${this.name} not ready after ${timeoutMs} ms:\n${this.tail()}`);
      await sleep(200);
    }
  }

  async isReady(): Promise<boolean> {
    try {
      const response = await fetch(`http://127.0.0.1:${this.port}/readyz`, {
        signal: AbortSignal.timeout(1000),
      });
      return response.ok;
    } catch {
      return false;
    }
  }

  /** Prometheus text of the instance's `/metrics`. */
  async metrics(): Promise<string> {
    const response = await fetch(`http://127.0.0.1:${this.port}/metrics`, {
      signal: AbortSignal.timeout(2000),
    });
    return response.text();
  }

  /** SIGKILL: no drain, no commit, no flush — a crash. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM and wait; resolves to the exit code. */
  async stop(): Promise<number | null> {
    if (this.child === undefined || this.child.exitCode !== null) return this.child?.exitCode ?? null;
    this.child.kill('SIGTERM');
    return this.exited;
  }

  tail(lines = 30): string {
    try {
      return fs.readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export interface TestPipelineOptions {
  readonly ratingInstances?: number;
  readonly rateTablesDir?: string;
  readonly extraEnv?: Record<string, string>;
}

/** A whole pipeline (ingest, N × rating, aggregation) on its own topics and database. */
export class TestPipeline {
  readonly names: PipelineNames;
  readonly instances: ServiceInstance[] = [];
  readonly logDir: string;

  private constructor(names: PipelineNames, logDir: string) {
    this.names = names;
    this.logDir = logDir;
  }

  static async create(label: string, options: TestPipelineOptions = {}): Promise<TestPipeline> {
    const names = pipelineNames(label);
    const logDir = path.join(repoRoot, '.local', 'test-logs', names.prefix);
    fs.mkdirSync(logDir, { recursive: true });
    const pipeline = new TestPipeline(names, logDir);
    const env: Record<string, string> = {
      KAFKA_BROKERS: testKafkaBrokers().join(','),
      CLICKHOUSE_URL: testClickhouseUrl(),
      CLICKHOUSE_DATABASE: names.database,
      TOPIC_RAW: names.topics.raw,
      TOPIC_NORMALIZED: names.topics.normalized,
      TOPIC_RATED: names.topics.rated,
      TOPIC_DLQ: names.topics.dlq,
      TOPIC_ACCOUNTS: names.topics.accounts,
      RATE_TABLES_DIR: options.rateTablesDir ?? path.join(repoRoot, 'rate-tables', 'default'),
      LOG_LEVEL: 'info',
      ...options.extraEnv,
    };
    const plan: Array<[string, ServiceName]> = [['ingest', 'ingest']];
    const ratingInstances = options.ratingInstances ?? 1;
    for (let i = 1; i <= ratingInstances; i += 1) plan.push([`rating-${i}`, 'rating']);
    plan.push(['aggregation', 'aggregation']);
    for (const [name, service] of plan) {
      const group = `${names.prefix}-${service}`;
      pipeline.instances.push(
        new ServiceInstance(name, service, await freePort(), { ...env, CONSUMER_GROUP: group }, logDir),
      );
    }
    return pipeline;
  }

  instance(name: string): ServiceInstance {
    const found = this.instances.find((i) => i.name === name);
    if (found === undefined) throw new Error(`no instance ${name}`);
    return found;
  }

  async start(): Promise<void> {
    for (const instance of this.instances) await instance.start();
  }

  async stop(): Promise<void> {
    for (const instance of [...this.instances].reverse()) await instance.stop();
  }

  /**
   * Stops the instances, then drops the pipeline's database and deletes its topics, so that test runs do
   * not pile up on a developer's local stack. `KEEP_TEST_DATA=1` keeps both (and says where they are).
   */
  async dispose(): Promise<void> {
    await this.stop();
    if (process.env['KEEP_TEST_DATA'] === '1') {
      process.stderr.write(`kept database ${this.names.database} and topics ${this.names.prefix}.*\n`);
      return;
    }
    const clickhouse = testClickhouse();
    try {
      await clickhouse.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(this.names.database)}`);
    } finally {
      await clickhouse.close();
    }
    const admin = await createKafka({
      brokers: testKafkaBrokers(),
      clientId: `${this.names.prefix}-cleanup`,
    }).connectAdmin();
    try {
      await admin.deleteTopics(Object.values(this.names.topics));
    } finally {
      await admin.disconnect();
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it returns a value other than `undefined`, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const cause = last instanceof Error ? `: ${last.message}` : '';
      throw new Error(`timed out waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}
