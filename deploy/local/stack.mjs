#!/usr/bin/env node
// The local stack: a real Apache Kafka broker (single-node KRaft, from Maven Central jars, Java 17) and a
// real ClickHouse server (Debian's clickhouse-server), started as plain processes with no Docker.
//
//   node deploy/local/stack.mjs up|down|status|reset
//
// Contract:
// - `up` installs what is missing (clickhouse-server via apt, with sudo when not root; Kafka jars via Maven,
//   cached outside the repo), starts what is not running, and returns only when both servers answer real
//   requests (ClickHouse `/ping`, a Kafka Metadata request listing a broker). Running it twice is one stack.
// - `down` stops exactly the processes `up` started (by the pids it recorded) and waits until the ports are
//   closed. `reset` is `down` plus deleting the servers' data. `status` reports without changing anything.
// - State (config, data, logs, pids) lives under CDRATE_STATE_DIR (default `<repo>/.local`, git-ignored).
// - Ports: KAFKA_PORT (9092), KAFKA_CONTROLLER_PORT (9093), CLICKHOUSE_HTTP_PORT (8123),
//   CLICKHOUSE_TCP_PORT (9000). Host is always 127.0.0.1.
// Uses only Node's standard library, so it runs before `pnpm install`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cacheDir } from './cache-dir.mjs';
import { newKafkaClusterId } from './kafka-cluster-id.mjs';
import { createProcessTable, portOpen as portOpenAt } from './processes.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');

function intEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    fail(`${name}=${raw} is not a TCP port (an integer 1..65535)`);
  }
  return value;
}

function fail(message) {
  process.stderr.write(`stack: ${message}\n`);
  process.exit(1);
}

const config = {
  host: '127.0.0.1',
  kafkaPort: intEnv('KAFKA_PORT', 9092),
  kafkaControllerPort: intEnv('KAFKA_CONTROLLER_PORT', 9093),
  clickhouseHttpPort: intEnv('CLICKHOUSE_HTTP_PORT', 8123),
  clickhouseTcpPort: intEnv('CLICKHOUSE_TCP_PORT', 9000),
  kafkaVersion: process.env.KAFKA_VERSION || '4.1.1',
  stateDir: path.resolve(process.env.CDRATE_STATE_DIR || path.join(repoRoot, '.local')),
  cacheDir: cacheDir(),
  kafkaHeap: process.env.KAFKA_HEAP || '512m',
  /** Extra JVM flags for the broker (and its storage tool), after the defaults so that they can override them. */
  kafkaJvmOpts: (process.env.KAFKA_JVM_OPTS || '').split(/\s+/).filter(Boolean),
  readyTimeoutMs: Number(process.env.STACK_READY_TIMEOUT_SEC || 90) * 1000,
};

const dirs = {
  log: path.join(config.stateDir, 'log'),
  run: path.join(config.stateDir, 'run'),
  kafka: path.join(config.stateDir, 'kafka'),
  clickhouse: path.join(config.stateDir, 'clickhouse'),
};
const kafkaLib = path.join(config.cacheDir, `kafka-${config.kafkaVersion}`, 'lib');

const log = (message) => process.stdout.write(`stack: ${message}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------------------------------------- processes

const processes = createProcessTable({
  runDir: dirs.run,
  // A recycled pid could belong to another program: the command line must name our server.
  commandMarker: (name) => (name === 'kafka' ? 'kafka.Kafka' : 'clickhouse'),
  log,
});
const { runningPid } = processes;

function startDetached(name, command, args, logFile) {
  try {
    return processes.startDetached(name, command, args, { logFile, cwd: config.stateDir });
  } catch (error) {
    fail(error.message);
  }
}

async function stopProcess(name, timeoutMs = 20_000) {
  return (await processes.stopAll([name], timeoutMs)).length > 0;
}

// ------------------------------------------------------------------------------------------------ network

function portOpen(port) {
  return portOpenAt(config.host, port);
}

async function waitPortsClosed(ports, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const open = [];
    for (const port of ports) if (await portOpen(port)) open.push(port);
    if (open.length === 0) return;
    if (Date.now() > deadline) fail(`ports still open after stopping: ${open.join(', ')}`);
    await sleep(200);
  }
}

async function clickhouseReady() {
  try {
    const response = await fetch(`http://${config.host}:${config.clickhouseHttpPort}/ping`, {
      signal: AbortSignal.timeout(1000),
    });
    return response.ok && (await response.text()).startsWith('Ok.');
  } catch {
    return false;
  }
}

/**
 * Sends a Kafka Metadata request (v4, all topics) and resolves to the number of brokers in the answer,
 * or 0 when the broker cannot answer yet. Hand-written so this script needs no npm packages.
 */
function kafkaBrokerCount(timeoutMs = 2000) {
  return new Promise((resolve) => {
    const clientId = Buffer.from('cdrate-stack');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length + 4 + 1);
    let o = 0;
    o = body.writeInt16BE(3, o); // api key: Metadata
    o = body.writeInt16BE(4, o); // api version 4
    o = body.writeInt32BE(1, o); // correlation id
    o = body.writeInt16BE(clientId.length, o);
    o += clientId.copy(body, o);
    o = body.writeInt32BE(-1, o); // topics: null = all
    body.writeInt8(0, o); // allow_auto_topic_creation = false
    const frame = Buffer.alloc(4 + body.length);
    frame.writeInt32BE(body.length, 0);
    body.copy(frame, 4);

    const socket = net.connect({ host: config.host, port: config.kafkaPort });
    let received = Buffer.alloc(0);
    const done = (count) => {
      socket.destroy();
      resolve(count);
    };
    socket.setTimeout(timeoutMs, () => done(0));
    socket.once('error', () => done(0));
    socket.once('connect', () => socket.write(frame));
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (received.length < 4 || received.length < 4 + received.readInt32BE(0)) return;
      // size, correlation id, throttle_time_ms, brokers array length
      if (received.length < 16 || received.readInt32BE(4) !== 1) return done(0);
      done(Math.max(0, received.readInt32BE(12)));
    });
  });
}

async function waitFor(name, check, pidName, logFile) {
  const started = Date.now();
  while (Date.now() - started < config.readyTimeoutMs) {
    if (await check()) return Date.now() - started;
    if (pidName && runningPid(pidName) === undefined) {
      fail(`${name} exited during start-up; see ${logFile}\n${tail(logFile)}`);
    }
    await sleep(250);
  }
  fail(`${name} not ready after ${config.readyTimeoutMs / 1000} s; see ${logFile}\n${tail(logFile)}`);
}

function tail(file, lines = 20) {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

// ------------------------------------------------------------------------------------------------ install

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: 'inherit', ...options });
  if (result.error) fail(`${command} could not run: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} failed with exit code ${result.status}`);
}

function which(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

function clickhouseBinary() {
  for (const candidate of ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server']) {
    if (fs.existsSync(candidate)) return candidate;
  }
  return which('clickhouse-server');
}

function ensureClickhouseInstalled() {
  if (clickhouseBinary()) return;
  log('clickhouse-server is missing; installing it with apt-get (Debian package clickhouse-server)');
  const asRoot = process.getuid?.() === 0;
  const prefix = asRoot ? [] : ['sudo', '-n'];
  if (!asRoot && !which('sudo'))
    fail('clickhouse-server is missing and sudo is not available; install it as root');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const [cmd, ...rest] = [...prefix, 'apt-get'];
  run(cmd, [...rest, 'update', '-qq'], { env });
  run(cmd, [...rest, 'install', '-y', '-qq', 'clickhouse-server', 'clickhouse-client'], { env });
  if (!clickhouseBinary()) fail('apt-get finished but clickhouse-server is still not on this machine');
}

function ensureKafkaJars() {
  const marker = path.join(kafkaLib, '.complete');
  if (fs.existsSync(marker)) return;
  if (!which('java'))
    fail('java is not on PATH; Kafka needs Java 17 (apt-get install openjdk-17-jre-headless)');
  if (!which('mvn')) {
    log('Maven is missing; installing it with apt-get (Debian package maven)');
    const prefix = process.getuid?.() === 0 ? [] : ['sudo', '-n'];
    const [cmd, ...rest] = [...prefix, 'apt-get'];
    run(cmd, [...rest, 'install', '-y', '-qq', 'maven'], {
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  }
  log(`fetching Apache Kafka ${config.kafkaVersion} jars from Maven Central into ${kafkaLib} (once, ~55 MB)`);
  fs.rmSync(kafkaLib, { recursive: true, force: true });
  fs.mkdirSync(kafkaLib, { recursive: true });
  run('mvn', [
    '-q',
    '-B',
    '-f',
    path.join(here, 'kafka', 'pom.xml'),
    `-Dkafka.version=${config.kafkaVersion}`,
    'dependency:copy-dependencies',
    `-DoutputDirectory=${kafkaLib}`,
  ]);
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
}

// ------------------------------------------------------------------------------------------------- config

function writeClickhouseConfig() {
  const file = path.join(dirs.clickhouse, 'config.xml');
  const data = path.join(dirs.clickhouse, 'data') + '/';
  fs.mkdirSync(data, { recursive: true });
  fs.mkdirSync(dirs.log, { recursive: true });
  // Single-file config (see shared ClickHouse notes): every element below is required on 18.16.
  // `analyst` is a read-only user for SQL clients (password `analyst`, local stack only).
  const xml = `<yandex>
  <logger><level>warning</level><log>${dirs.log}/clickhouse.log</log><errorlog>${dirs.log}/clickhouse.err.log</errorlog></logger>
  <path>${data}</path>
  <tmp_path>${data}tmp/</tmp_path>
  <http_port>${config.clickhouseHttpPort}</http_port>
  <tcp_port>${config.clickhouseTcpPort}</tcp_port>
  <listen_host>${config.host}</listen_host>
  <mark_cache_size>268435456</mark_cache_size>
  <timezone>UTC</timezone>
  <profiles>
    <default/>
    <readonly><readonly>1</readonly></readonly>
  </profiles>
  <users>
    <default><password></password><networks><ip>::/0</ip></networks><profile>default</profile><quota>default</quota></default>
    <analyst><password>analyst</password><networks><ip>::/0</ip></networks><profile>readonly</profile><quota>default</quota></analyst>
  </users>
  <quotas><default/></quotas>
</yandex>
`;
  fs.writeFileSync(file, xml);
  return file;
}

function writeKafkaConfig() {
  const dataDir = path.join(dirs.kafka, 'data');
  fs.mkdirSync(dataDir, { recursive: true });
  const properties = `# Written by deploy/local/stack.mjs; single-node KRaft for local development and tests.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=${config.host}:${config.kafkaControllerPort}
listeners=PLAINTEXT://${config.host}:${config.kafkaPort},CONTROLLER://${config.host}:${config.kafkaControllerPort}
advertised.listeners=PLAINTEXT://${config.host}:${config.kafkaPort}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=${dataDir}
num.partitions=6
offsets.topic.replication.factor=1
offsets.topic.num.partitions=6
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
log.retention.hours=168
message.max.bytes=2097152
`;
  const file = path.join(dirs.kafka, 'server.properties');
  fs.writeFileSync(file, properties);
  const log4j = path.join(dirs.kafka, 'log4j2.properties');
  fs.writeFileSync(
    log4j,
    `status = warn
appender.file.type = File
appender.file.name = file
appender.file.fileName = ${dirs.log}/kafka.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = ${process.env.KAFKA_LOG_LEVEL || 'INFO'}
rootLogger.appenderRef.file.ref = file
logger.kafka.name = kafka
logger.kafka.level = ${process.env.KAFKA_LOG_LEVEL || 'INFO'}
logger.state.name = state.change.logger
logger.state.level = WARN
`,
  );
  return { file, dataDir, log4j };
}

function kafkaJava(mainClass, args, log4j) {
  return [
    `-Xmx${config.kafkaHeap}`,
    `-Xms${config.kafkaHeap}`,
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-XX:+ExitOnOutOfMemoryError',
    ...config.kafkaJvmOpts,
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    path.join(kafkaLib, '*'),
    mainClass,
    ...args,
  ];
}

// -------------------------------------------------------------------------------------------------- steps

async function startClickhouse() {
  if (runningPid('clickhouse') !== undefined && (await clickhouseReady())) {
    log(
      `clickhouse already running (pid ${runningPid('clickhouse')}) on http://${config.host}:${config.clickhouseHttpPort}`,
    );
    return;
  }
  if (runningPid('clickhouse') === undefined) {
    for (const port of [config.clickhouseHttpPort, config.clickhouseTcpPort]) {
      if (await portOpen(port))
        fail(
          `port ${port} is taken by a process this stack did not start; stop it or set CLICKHOUSE_HTTP_PORT/CLICKHOUSE_TCP_PORT`,
        );
    }
    const binary = clickhouseBinary();
    const configFile = writeClickhouseConfig();
    const logFile = path.join(dirs.log, 'clickhouse.stdout.log');
    const pid = startDetached('clickhouse', binary, [`--config-file=${configFile}`], logFile);
    log(`clickhouse starting (pid ${pid})`);
  }
  const ms = await waitFor(
    'clickhouse',
    clickhouseReady,
    'clickhouse',
    path.join(dirs.log, 'clickhouse.err.log'),
  );
  log(
    `clickhouse ready in ${(ms / 1000).toFixed(1)} s: http://${config.host}:${config.clickhouseHttpPort} native ${config.host}:${config.clickhouseTcpPort}`,
  );
}

async function startKafka() {
  if (runningPid('kafka') !== undefined && (await kafkaBrokerCount()) > 0) {
    log(`kafka already running (pid ${runningPid('kafka')}) on ${config.host}:${config.kafkaPort}`);
    return;
  }
  if (runningPid('kafka') === undefined) {
    for (const port of [config.kafkaPort, config.kafkaControllerPort]) {
      if (await portOpen(port))
        fail(
          `port ${port} is taken by a process this stack did not start; stop it or set KAFKA_PORT/KAFKA_CONTROLLER_PORT`,
        );
    }
    const { file, dataDir, log4j } = writeKafkaConfig();
    if (!fs.existsSync(path.join(dataDir, 'meta.properties'))) {
      const clusterId = newKafkaClusterId();
      log(`formatting Kafka storage (cluster id ${clusterId})`);
      const result = spawnSync(
        'java',
        kafkaJava('kafka.tools.StorageTool', ['format', '--standalone', '-t', clusterId, '-c', file], log4j),
        { encoding: 'utf8' },
      );
      if (result.status !== 0) fail(`Kafka storage format failed:\n${result.stdout}\n${result.stderr}`);
    }
    const logFile = path.join(dirs.log, 'kafka.stdout.log');
    const pid = startDetached('kafka', 'java', kafkaJava('kafka.Kafka', [file], log4j), logFile);
    log(`kafka ${config.kafkaVersion} starting (pid ${pid})`);
  }
  const ms = await waitFor(
    'kafka',
    async () => (await kafkaBrokerCount()) > 0,
    'kafka',
    path.join(dirs.log, 'kafka.log'),
  );
  log(`kafka ready in ${(ms / 1000).toFixed(1)} s: ${config.host}:${config.kafkaPort}`);
}

async function up() {
  const started = Date.now();
  fs.mkdirSync(dirs.log, { recursive: true });
  ensureClickhouseInstalled();
  ensureKafkaJars();
  const installedAt = Date.now();
  await Promise.all([startClickhouse(), startKafka()]);
  log(
    `stack up in ${((Date.now() - installedAt) / 1000).toFixed(1)} s` +
      (installedAt - started > 1000
        ? ` (+${((installedAt - started) / 1000).toFixed(1)} s installing)`
        : '') +
      `; logs in ${dirs.log}`,
  );
}

async function down() {
  const stoppedKafka = await stopProcess('kafka');
  const stoppedClickhouse = await stopProcess('clickhouse');
  await waitPortsClosed([
    config.kafkaPort,
    config.kafkaControllerPort,
    config.clickhouseHttpPort,
    config.clickhouseTcpPort,
  ]);
  log(
    stoppedKafka || stoppedClickhouse
      ? `stopped${stoppedKafka ? ' kafka' : ''}${stoppedClickhouse ? ' clickhouse' : ''}; ports closed`
      : 'nothing was running',
  );
}

async function status() {
  const rows = [
    ['kafka', runningPid('kafka'), `${config.host}:${config.kafkaPort}`, (await kafkaBrokerCount()) > 0],
    [
      'clickhouse',
      runningPid('clickhouse'),
      `http://${config.host}:${config.clickhouseHttpPort}`,
      await clickhouseReady(),
    ],
  ];
  for (const [name, pid, address, ready] of rows) {
    process.stdout.write(
      `${name.padEnd(11)} ${pid ? `pid ${pid}`.padEnd(11) : 'stopped'.padEnd(11)} ${address.padEnd(24)} ${ready ? 'ready' : 'not answering'}\n`,
    );
  }
  process.stdout.write(`state: ${config.stateDir}\nlogs:  ${dirs.log}\n`);
  return rows.every(([, , , ready]) => ready);
}

async function reset() {
  await down();
  for (const dir of [dirs.kafka, dirs.clickhouse]) fs.rmSync(dir, { recursive: true, force: true });
  log(`deleted Kafka and ClickHouse data under ${config.stateDir}`);
}

const usage = `usage: node deploy/local/stack.mjs <up|down|status|reset>

  up      install what is missing, start Kafka ${config.kafkaVersion} and ClickHouse, wait until both answer
  down    stop the processes 'up' started and wait until their ports are closed
  status  show what runs (exit 0 when both answer, 1 otherwise)
  reset   down, then delete Kafka and ClickHouse data

environment: KAFKA_PORT KAFKA_CONTROLLER_PORT CLICKHOUSE_HTTP_PORT CLICKHOUSE_TCP_PORT KAFKA_VERSION
             KAFKA_HEAP KAFKA_JVM_OPTS CDRATE_STATE_DIR CDRATE_CACHE_DIR STACK_READY_TIMEOUT_SEC KAFKA_LOG_LEVEL
`;

const command = process.argv[2];
switch (command) {
  case 'up':
    await up();
    break;
  case 'down':
    await down();
    break;
  case 'status':
    process.exitCode = (await status()) ? 0 : 1;
    break;
  case 'reset':
    await reset();
    break;
  case '-h':
  case '--help':
  case 'help':
    process.stdout.write(usage);
    break;
  default:
    process.stderr.write(usage);
    process.exitCode = 2;
}
