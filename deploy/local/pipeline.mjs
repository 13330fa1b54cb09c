#!/usr/bin/env node
// The streaming pipeline on this machine: the ingest, rating and aggregation services as background
// processes against the local stack (deploy/local/stack.mjs).
//
//   node deploy/local/pipeline.mjs up|down|status
//
// Contract:
// - `up` builds the services when their sources are newer than their build, starts every instance that is
//   not running (INGEST_INSTANCES ingest and RATING_INSTANCES rating instances, default 1 each), and returns
//   once each answers `/readyz`.
//   Running it twice is one pipeline. Logs: <state>/log/<instance>.log; pids: <state>/run/<instance>.pid.
// - `down` sends SIGTERM to exactly the instances `up` started and waits for them to exit (each drains:
//   finishes its batch, commits, flushes); SIGKILL after 15 s.
// - Every service reads its configuration from the environment; this script passes through the caller's
//   environment (KAFKA_BROKERS, CLICKHOUSE_URL, TOPIC_*, RATE_TABLES_DIR, …) and sets HTTP_PORT per instance
//   (from PIPELINE_BASE_PORT, default 9471) and, when PIPELINE_GROUP_PREFIX is set, CONSUMER_GROUP per
//   service as <prefix>-<service>.
// Uses only Node's standard library.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createProcessTable, isAlive, portOpen } from './processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const stateDir = path.resolve(process.env.CDRATE_STATE_DIR || path.join(repoRoot, '.local'));
const logDir = path.join(stateDir, 'log');
const runDir = path.join(stateDir, 'run');
const log = (message) => process.stdout.write(`pipeline: ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function fail(message) {
  process.stderr.write(`pipeline: ${message}\n`);
  process.exit(1);
}

function count(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 16)
    fail(`${name}=${raw} is not an integer from 1 to 16`);
  return value;
}

/** `n` instances of `service`: named `service` alone, else `service-1` … `service-n`; ports by number. */
function replicas(service, n, portOf) {
  return Array.from({ length: n }, (_, k) => ({
    name: n === 1 ? service : `${service}-${k + 1}`,
    service,
    port: portOf(k + 1),
  }));
}

/** Every instance this script manages: name, service folder, health port. */
function instances() {
  const ingestInstances = count('INGEST_INSTANCES', 1);
  const basePort = Number(process.env.PIPELINE_BASE_PORT || 9471);
  return [
    ...replicas('ingest', ingestInstances, (i) => (ingestInstances === 1 ? basePort : basePort + i * 10)),
    ...replicas('rating', count('RATING_INSTANCES', 1), (i) => basePort + i * 10 + 1),
    { name: 'aggregation', service: 'aggregation', port: basePort + 2 },
  ];
}

const processes = createProcessTable({ runDir, commandMarker: () => 'services/', log });
const { runningPid } = processes;

async function ready(port) {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

function build() {
  log('building (tsc -b) …');
  const result = spawnSync('pnpm', ['run', '--silent', 'build'], { cwd: repoRoot, stdio: 'inherit' });
  if (result.status !== 0) fail('build failed');
}

async function up() {
  fs.mkdirSync(logDir, { recursive: true });
  fs.mkdirSync(runDir, { recursive: true });
  build();
  const started = [];
  for (const instance of instances()) {
    const runningAs = runningPid(instance.name);
    if (runningAs !== undefined) {
      log(`${instance.name} already running (pid ${runningAs}), health on http://127.0.0.1:${instance.port}`);
      continue;
    }
    // Readiness is asked on the instance's port: a process this script did not start (or whose pid file
    // was lost) answering there would pass for the new instance, which could not even listen.
    if (await portOpen('127.0.0.1', instance.port)) {
      fail(
        `port ${instance.port} of ${instance.name} is taken by a process this script did not start; stop it or set PIPELINE_BASE_PORT`,
      );
    }
    const main = path.join(repoRoot, 'services', instance.service, 'dist', 'main.js');
    if (!fs.existsSync(main)) fail(`${main} is missing after the build`);
    const logFile = path.join(logDir, `${instance.name}.log`);
    // PIPELINE_NODE_ARGS: extra Node options for every service, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`
    // (Node refuses profiling flags in NODE_OPTIONS) or `--max-old-space-size=…`.
    const nodeArgs = (process.env.PIPELINE_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const pid = processes.startDetached(instance.name, process.execPath, [...nodeArgs, main], {
      logFile,
      cwd: repoRoot,
      env: {
        ...process.env,
        HTTP_PORT: String(instance.port),
        INSTANCE_ID: instance.name,
        // Separate pipelines on one broker (e.g. the benchmark) need their own consumer groups.
        ...(process.env.PIPELINE_GROUP_PREFIX
          ? { CONSUMER_GROUP: `${process.env.PIPELINE_GROUP_PREFIX}-${instance.service}` }
          : {}),
      },
    });
    started.push({ ...instance, pid, logFile });
  }
  const deadline = Date.now() + Number(process.env.PIPELINE_READY_TIMEOUT_SEC || 60) * 1000;
  for (const instance of started) {
    while (!(await ready(instance.port))) {
      if (!isAlive(instance.pid)) fail(`${instance.name} exited during start-up; see ${instance.logFile}`);
      if (Date.now() > deadline) fail(`${instance.name} not ready in time; see ${instance.logFile}`);
      await sleep(200);
    }
    log(
      `${instance.name} ready (pid ${instance.pid}), health and metrics on http://127.0.0.1:${instance.port}`,
    );
  }
  log(`logs in ${logDir}`);
}

async function down() {
  // Also stops instances left from an `up` with more rating instances than now configured.
  const configured = instances()
    .reverse()
    .map((instance) => instance.name);
  const leftOver = processes
    .recordedNames()
    .filter((name) => /^(ingest(-\d+)?|rating(-\d+)?|aggregation)$/.test(name) && !configured.includes(name));
  const stopped = await processes.stopAll([...configured, ...leftOver], 15_000);
  for (const name of stopped) log(`${name} stopped`);
  if (stopped.length === 0) log('nothing was running');
}

async function status() {
  let allReady = true;
  for (const instance of instances()) {
    const pid = runningPid(instance.name);
    const isReady = pid !== undefined && (await ready(instance.port));
    allReady &&= isReady;
    process.stdout.write(
      `${instance.name.padEnd(12)} ${(pid ? `pid ${pid}` : 'stopped').padEnd(11)} http://127.0.0.1:${instance.port}  ${isReady ? 'ready' : 'not ready'}\n`,
    );
  }
  process.stdout.write(`logs: ${logDir}\n`);
  return allReady;
}

const usage = `usage: node deploy/local/pipeline.mjs <up|down|status>

  up      build, start ingest, rating (RATING_INSTANCES, default 1) and aggregation, wait until ready
  down    SIGTERM every instance 'up' started and wait until they exit
  status  show instances (exit 0 when all are ready)
`;

switch (process.argv[2]) {
  case 'up':
    await up();
    break;
  case 'down':
    await down();
    break;
  case 'status':
    process.exitCode = (await status()) ? 0 : 1;
    break;
  case '-h':
  case '--help':
    process.stdout.write(usage);
    break;
  default:
    process.stderr.write(usage);
    process.exitCode = 2;
}
