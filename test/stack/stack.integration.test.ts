/**
 * The local stack script itself, exercised as a user would: a second, private stack on other ports and in
 * its own state folder (so the shared test stack keeps running), checked with clients this project did not
 * write (kcat from Debian, plain HTTP for ClickHouse).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

const repoRoot = path.resolve(__dirname, '..', '..');
const stackScript = path.join(repoRoot, 'deploy', 'local', 'stack.mjs');
const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrate-stack-test-'));
const ports = {
  KAFKA_PORT: 29092,
  KAFKA_CONTROLLER_PORT: 29093,
  CLICKHOUSE_HTTP_PORT: 28123,
  CLICKHOUSE_TCP_PORT: 29000,
};
const env = {
  ...process.env,
  CDRATE_STATE_DIR: stateDir,
  ...Object.fromEntries(Object.entries(ports).map(([key, value]) => [key, String(value)])),
};

function stack(command: string): string {
  return execFileSync(process.execPath, [stackScript, command], { env, encoding: 'utf8', timeout: 180_000 });
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function pidOf(name: string): number {
  return Number(fs.readFileSync(path.join(stateDir, 'run', `${name}.pid`), 'utf8').trim());
}

afterAll(() => {
  spawnSync(process.execPath, [stackScript, 'down'], { env, timeout: 60_000 });
  fs.rmSync(stateDir, { recursive: true, force: true });
});

describe('deploy/local/stack.mjs', () => {
  it('starts both servers, and a second up keeps the same processes', () => {
    const first = stack('up');
    expect(first).toMatch(/kafka ready in/);
    expect(first).toMatch(/clickhouse ready in/);
    const pids = { kafka: pidOf('kafka'), clickhouse: pidOf('clickhouse') };
    const second = stack('up');
    expect(second).toMatch(/kafka already running/);
    expect(second).toMatch(/clickhouse already running/);
    expect({ kafka: pidOf('kafka'), clickhouse: pidOf('clickhouse') }).toEqual(pids);
  }, 200_000);

  it('serves kcat (librdkafka) on the Kafka port: a message produced is consumed back', () => {
    const broker = `127.0.0.1:${ports.KAFKA_PORT}`;
    const message = `hello from kcat ${Date.now()}`;
    execFileSync('kcat', ['-b', broker, '-P', '-t', 'kcat-check', '-k', 'k1'], {
      input: `${message}\n`,
      timeout: 30_000,
    });
    const consumed = execFileSync(
      'kcat',
      ['-b', broker, '-C', '-t', 'kcat-check', '-o', 'beginning', '-e', '-q'],
      {
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(consumed.trim().split('\n')).toContain(message);
  }, 60_000);

  it('answers SQL over ClickHouse HTTP', async () => {
    const response = await fetch(`http://127.0.0.1:${ports.CLICKHOUSE_HTTP_PORT}/?query=SELECT%201`);
    expect(await response.text()).toBe('1\n');
  });

  it('reports status, then down stops exactly its processes and closes every port', async () => {
    expect(stack('status')).toMatch(/kafka\s+pid \d+\s+127\.0\.0\.1:29092\s+ready/);
    const pids = [pidOf('kafka'), pidOf('clickhouse')];
    expect(stack('down')).toMatch(/stopped kafka clickhouse; ports closed/);
    for (const port of Object.values(ports)) expect(await portOpen(port)).toBe(false);
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();
    expect(stack('down')).toMatch(/nothing was running/);
  }, 60_000);

  it('removes a stale pid file left by a crash instead of trusting it', () => {
    fs.mkdirSync(path.join(stateDir, 'run'), { recursive: true });
    fs.writeFileSync(path.join(stateDir, 'run', 'kafka.pid'), '999999\n');
    const result = spawnSync(process.execPath, [stackScript, 'status'], { env, encoding: 'utf8' });
    expect(result.stdout).toMatch(/removed stale pid file for kafka/);
    expect(result.status).toBe(1);
    expect(fs.existsSync(path.join(stateDir, 'run', 'kafka.pid'))).toBe(false);
  });
});
