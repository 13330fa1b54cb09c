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
import { pathToFileURL } from 'node:url';

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

describe('deploy/local/kafka-cluster-id.mjs', () => {
  /** Runs `newKafkaClusterId` in a child Node (the module is ESM) and returns what the script prints. */
  function runWithModule(script: string): string {
    const moduleUrl = pathToFileURL(path.join(repoRoot, 'deploy', 'local', 'kafka-cluster-id.mjs')).href;
    return execFileSync(
      process.execPath,
      ['--input-type=module', '-e', `import { newKafkaClusterId } from '${moduleUrl}';\n${script}`],
      { encoding: 'utf8' },
    );
  }

  it('skips ids starting with "-" (the storage tool reads them as an option) and the two reserved ids', () => {
    // Scripted bytes, in order: 0xF8 = 111110xx, whose first base64url digit is 62 = '-'; all zero
    // (reserved); 0…01 (reserved, the metadata topic's id); then 0x00 0x01 0x02 …, whose id is
    // "AAECAwQFBgcICQoLDA0ODw" (base64 of 00 01 02 … 0f, worked out by hand: 000000 000000 000100 000010 …).
    const printed = runWithModule(`
      const scripted = [
        Buffer.from([0xf8, ...Array(15).fill(7)]),
        Buffer.alloc(16),
        Buffer.from([...Array(15).fill(0), 1]),
        Buffer.from(Array.from({ length: 16 }, (_, i) => i)),
      ];
      let calls = 0;
      const id = newKafkaClusterId(() => scripted[calls++]);
      console.log(JSON.stringify({ id, calls }));`);
    expect(JSON.parse(printed)).toEqual({ id: 'AAECAwQFBgcICQoLDA0ODw', calls: 4 });
  });

  it('gives 22-character ids of 16 bytes that never start with "-" (20,000 drawn)', () => {
    const ids: string[] = JSON.parse(
      runWithModule('console.log(JSON.stringify(Array.from({ length: 20000 }, () => newKafkaClusterId())));'),
    );
    expect(ids).toHaveLength(20_000);
    expect(ids.filter((id) => !/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/.test(id))).toEqual([]);
    expect(ids.filter((id) => Buffer.from(id, 'base64url').length !== 16)).toEqual([]);
    expect(new Set(ids).size).toBe(20_000);
  });
});
