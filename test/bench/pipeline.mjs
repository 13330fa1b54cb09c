// Pipeline throughput benchmark (prints figures; not a test): everything co-located on this machine —
// Kafka, ClickHouse and the three services — 1M CDRs from publish to queryable in ClickHouse.
//
//   node test/bench/pipeline.mjs [--count N] [--rate N] [--warmup N] [--ingest-instances N]
//                                [--rating-instances N] [--keep]
//
// --rate N paces the publisher at N CDRs/s (`cdr publish --rate`), as switches send calls as they end;
// without it the publisher sends as fast as Kafka takes them and the pipeline drains a backlog.
// --warmup N first sends N other CDRs (the file's last N lines under new cdr_ids) and waits until they
// landed, so that the services run JIT-compiled code, as a long-running pipeline does, before the clock
// starts; they are not counted. Default 0: the services start cold.
//
// Runs a private pipeline (own topics, consumer groups, ClickHouse database, ports and state folder) so it
// never disturbs a running one. Reports:
// - sustained throughput: CDRs accounted for (rated + dead-lettered, before deduplication) per second,
//   between the first publish and the moment the last CDR became queryable, and the steady-state rate
//   between 10 % and 90 % landed;
// - latency from publish to queryable, p50 and p99: both the published count (sum of the raw topic's
//   high watermarks) and the landed count (rows in rated_calls + rejected_cdrs) are sampled every 200 ms (one ClickHouse query per sample: the probe should not cost the server much);
//   the n-th CDR is taken as published when the published count first reached n and queryable when the
//   landed count first reached n (partitions interleave, so this is an estimate with 200 ms resolution);
// - publishSeconds (first to last publish); the published and landed rates over the second half of the
//   publishing; with --rate, keptUpWithPublishRate: whether CDRs became queryable as fast as they were
//   published then, i.e. whether the pipeline sustains that rate (docs/performance.md, "What sustained
//   means"), and publisherKeptPace: whether the publisher did send at the rate asked for;
// - CPU share of each process (Kafka, ClickHouse, each service, the publisher), from /proc/<pid>/stat;
// - machine.probeLinesPerSecond: JSON.parse + JSON.stringify of 200,000 lines of the bench file in memory,
//   timed just before publishing (the work of `cdr rate`'s baseline). This machine's speed for such work
//   moves by up to 2× within an hour (docs/performance.md), so compare runs with similar probes.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClickhouse, sql } from '../../packages/clickhouse/dist/index.js';
import { createKafka } from '../../packages/kafka/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const count = Number(arg('count', '1000000'));
const publishRate = arg('rate', undefined);
const warmup = Number(arg('warmup', '0'));
const ingestInstances = Number(arg('ingest-instances', '1'));
const ratingInstances = Number(arg('rating-instances', '1'));
const keep = process.argv.includes('--keep');
const benchDir = join(root, '.local', 'bench', 'pipeline');
const dataDir = join(benchDir, `data-${count}`);
const stateDir = join(benchDir, 'state');
const stackState = process.env.CDRATE_STATE_DIR || join(root, '.local');
const id = `bench_${Date.now().toString(36)}`;
const topics = {
  raw: `${id}.raw`,
  normalized: `${id}.normalized`,
  rated: `${id}.rated`,
  dlq: `${id}.dlq`,
  accounts: `${id}.accounts`,
};
const brokers = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
const env = {
  ...process.env,
  CDRATE_STATE_DIR: stateDir,
  PIPELINE_BASE_PORT: '19471',
  PIPELINE_GROUP_PREFIX: id,
  INGEST_INSTANCES: String(ingestInstances),
  RATING_INSTANCES: String(ratingInstances),
  KAFKA_BROKERS: brokers,
  CLICKHOUSE_DATABASE: id,
  TOPIC_RAW: topics.raw,
  TOPIC_NORMALIZED: topics.normalized,
  TOPIC_RATED: topics.rated,
  TOPIC_DLQ: topics.dlq,
  TOPIC_ACCOUNTS: topics.accounts,
  LOG_LEVEL: 'warn',
};
const log = (message) => process.stderr.write(`bench: ${message}\n`);
const cdr = (args, options = {}) =>
  execFileSync(process.execPath, [join(root, 'packages', 'cli', 'dist', 'main.js'), ...args], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
    ...options,
  });

function cpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}
const pidOf = (dir, name) => {
  try {
    return Number(readFileSync(join(dir, 'run', `${name}.pid`), 'utf8').trim());
  } catch {
    return undefined;
  }
};
const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

execFileSync(process.execPath, [join(root, 'deploy', 'local', 'stack.mjs'), 'up'], { stdio: 'inherit' });
if (!existsSync(join(dataDir, 'cdrs.jsonl'))) {
  log(`generating ${count} CDRs into ${dataDir}`);
  cdr([
    'generate',
    '--out-dir',
    dataDir,
    '--count',
    String(count),
    '--bad-rate',
    '0.001',
    '--duplicate-rate',
    '0.001',
    '--seed',
    '7',
  ]);
}
const pipelineScript = (command) =>
  execFileSync(process.execPath, [join(root, 'deploy', 'local', 'pipeline.mjs'), command], {
    env,
    stdio: 'inherit',
  });
// Services left by an earlier run that failed or was interrupted would otherwise keep their ports (and the
// earlier run's topics): stop them before the state folder and its pid files are removed.
if (existsSync(stateDir)) pipelineScript('down');
rmSync(stateDir, { recursive: true, force: true });
mkdirSync(stateDir, { recursive: true });

cdr([
  'accounts',
  'load',
  '--file',
  join(dataDir, 'accounts.jsonl'),
  '--topic',
  topics.accounts,
  '--brokers',
  brokers,
]);
try {
  pipelineScript('up');
} catch (error) {
  pipelineScript('down');
  throw error;
}

const kafka = createKafka({ brokers: brokers.split(','), clientId: `${id}-bench` });
const admin = await kafka.connectAdmin();
const clickhouse = createClickhouse({ url: process.env.CLICKHOUSE_URL || 'http://127.0.0.1:8123' });
const ratedTable = sql.identifier(`${id}.rated_calls`);
const rejectedTable = sql.identifier(`${id}.rejected_cdrs`);

const processes = {
  kafka: pidOf(stackState, 'kafka'),
  clickhouse: pidOf(stackState, 'clickhouse'),
  aggregation: pidOf(stateDir, 'aggregation'),
};
for (const [service, instances] of [
  ['ingest', ingestInstances],
  ['rating', ratingInstances],
]) {
  for (let i = 1; i <= instances; i += 1) {
    const name = instances === 1 ? service : `${service}-${i}`;
    processes[name] = pidOf(stateDir, name);
  }
}

async function publishedCount() {
  const offsets = await admin.fetchTopicOffsets(topics.raw);
  return offsets.reduce((sum, p) => sum + Number(p.high), 0);
}
/**
 * Rows landed in both tables, in one query: each query costs ClickHouse 18.16 ~4 ms of CPU here (measured:
 * 300 `count()` queries, 1.2 s), so the probe itself would otherwise take ~0.08 of a core at 10 samples/s.
 */
async function landedCount() {
  const [row] = await clickhouse.query(
    sql`SELECT toString((SELECT count() FROM ${ratedTable}) + (SELECT count() FROM ${rejectedTable})) AS n`,
  );
  return Number(row.n);
}

/** JSON.parse + JSON.stringify of the bench file's first 200,000 lines, per second (the best of three). */
function machineProbe() {
  const lines = readFileSync(join(dataDir, 'cdrs.jsonl'), 'utf8').split('\n', 200_000);
  let best = 0;
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    let bytes = 0;
    for (const line of lines) {
      try {
        bytes += JSON.stringify(JSON.parse(line)).length;
      } catch {
        // The file's bad lines (0.1 %) are timed too, as `cdr rate` meets them.
      }
    }
    const perSecond = lines.length / ((performance.now() - started) / 1000);
    if (bytes > 0 && perSecond > best) best = perSecond;
  }
  return Math.round(best);
}

/** The last `n` JSON lines of the bench file as new CDRs: `warmup-` before each cdr_id. */
function warmupFile(n) {
  const file = join(benchDir, `warmup-${n}-of-${count}.jsonl`);
  if (!existsSync(file)) {
    const lines = readFileSync(join(dataDir, 'cdrs.jsonl'), 'utf8').split('\n').filter(Boolean).slice(-n);
    const renamed = [];
    for (const line of lines) {
      try {
        const record = JSON.parse(line);
        if (typeof record.cdr_id === 'string')
          renamed.push(JSON.stringify({ ...record, cdr_id: `warmup-${record.cdr_id}` }));
      } catch {
        // a deliberately bad line: not needed to warm up
      }
    }
    writeFileSync(file, `${renamed.join('\n')}\n`);
  }
  return file;
}

// Counts before the measured run (the warm-up's), subtracted from every sample.
let publishedBefore = 0;
let landedBefore = 0;
if (warmup > 0) {
  log(`warming up with ${warmup} CDRs`);
  cdr(['publish', '--file', warmupFile(warmup), '--topic', topics.raw, '--brokers', brokers]);
  let last = -1;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const now = await landedCount();
    if (now >= warmup * 0.99 && now === last) break;
    last = now;
  }
  publishedBefore = await publishedCount();
  landedBefore = await landedCount();
  log(`warm: ${landedBefore} of the warm-up landed`);
}

const probeLinesPerSecond = machineProbe();
log(`machine probe: ${probeLinesPerSecond} lines/s parsed and stringified`);
log(`publishing ${count} CDRs to ${topics.raw}`);
const cpuBefore = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)]));
const t0 = performance.now();
const publisher = spawn(
  process.execPath,
  [
    join(root, 'packages', 'cli', 'dist', 'main.js'),
    'publish',
    '--file',
    join(dataDir, 'cdrs.jsonl'),
    '--topic',
    topics.raw,
    '--brokers',
    brokers,
    ...(publishRate === undefined ? [] : ['--rate', publishRate]),
  ],
  { env, stdio: ['ignore', 'ignore', 'inherit'] },
);
let publisherCpu = 0;
const publisherDone = new Promise((resolve) => publisher.once('exit', resolve));
/** Sampling interval of the published and landed counts (latency resolution). */
const SAMPLE_MS = 200;
const samples = []; // [seconds since t0, published, landed]
let landed = 0;
const deadline = t0 + 30 * 60_000;
// Settled: at least 99.5 % landed (the rest are resends dropped by ingest) and nothing new for 3 s.
const quietSamples = Math.ceil(3000 / SAMPLE_MS);
const settled = () =>
  landed >= count * 0.995 && samples.length > quietSamples && samples.at(-quietSamples - 1)[2] === landed;
while (!settled()) {
  const cpu = cpuSeconds(publisher.pid);
  if (cpu !== undefined) publisherCpu = cpu;
  const [published, nowLanded] = await Promise.all([
    publishedCount().then((n) => n - publishedBefore),
    landedCount().then(
      (n) => n - landedBefore,
      () => landed,
    ),
  ]);
  landed = nowLanded;
  samples.push([(performance.now() - t0) / 1000, published, landed]);
  if (samples.length % 25 === 0)
    log(`${samples.at(-1)[0].toFixed(1)} s: published ${published}, landed ${landed}`);
  if (performance.now() > deadline) throw new Error('benchmark did not settle within 30 minutes');
  await new Promise((resolve) => setTimeout(resolve, SAMPLE_MS));
}
await publisherDone;
const wall = samples.find((s) => s[2] >= landed)[0]; // when the last CDR became queryable
const cpuAfter = Object.fromEntries(Object.entries(processes).map(([name, pid]) => [name, cpuSeconds(pid)]));

const firstAt = (column, n) => samples.find((s) => s[column] >= n)?.[0];
const latencies = [];
for (
  let n = Math.max(1, Math.floor(landed / 1000));
  n <= landed;
  n += Math.max(1, Math.floor(landed / 1000))
) {
  const published = firstAt(1, n);
  const queryable = firstAt(2, n);
  if (published !== undefined && queryable !== undefined) latencies.push(queryable - published);
}
latencies.sort((a, b) => a - b);
// Whether a paced pipeline kept up: over the second half of the publishing, CDRs became queryable at least as
// fast as they were published. Rates are least-squares slopes of the sampled counts over that window: the
// landed count moves in steps (aggregation inserts every BATCH_MAX_WAIT_MS, 1 s, or sooner), which a
// difference of two samples would turn into ±1 s of input.
const slope = (column, from, to) => {
  const window = samples.filter((s) => s[0] >= from && s[0] <= to);
  if (window.length < 2) return undefined;
  const meanT = window.reduce((sum, s) => sum + s[0], 0) / window.length;
  const meanN = window.reduce((sum, s) => sum + s[column], 0) / window.length;
  let num = 0;
  let den = 0;
  for (const s of window) {
    num += (s[0] - meanT) * (s[column] - meanN);
    den += (s[0] - meanT) ** 2;
  }
  return den === 0 ? undefined : num / den;
};
const publishedAllAt = firstAt(1, count);
const publishedHalfAt = firstAt(1, count / 2);
const secondHalf =
  publishedAllAt === undefined || publishedHalfAt === undefined
    ? undefined
    : {
        publishedPerSecond: Math.round(slope(1, publishedHalfAt, publishedAllAt) ?? NaN),
        landedPerSecond: Math.round(slope(2, publishedHalfAt, publishedAllAt) ?? NaN),
      };
/** Tolerance of the comparison: the slopes' own noise between runs that clearly kept up (docs/performance.md). */
const KEPT_UP_TOLERANCE = 0.02;
const keptUp =
  publishRate === undefined || secondHalf === undefined
    ? null
    : secondHalf.landedPerSecond >= (1 - KEPT_UP_TOLERANCE) * secondHalf.publishedPerSecond;
/** Whether the publisher itself sent at the rate asked for (else "kept up" is about a lower rate). */
const publisherKeptPace =
  publishRate === undefined || secondHalf === undefined
    ? null
    : secondHalf.publishedPerSecond >= (1 - KEPT_UP_TOLERANCE) * Number(publishRate);
const at10 = firstAt(2, landed * 0.1);
const at90 = firstAt(2, landed * 0.9);
const cpuShare = {};
for (const name of Object.keys(processes)) {
  const used =
    cpuAfter[name] !== undefined && cpuBefore[name] !== undefined
      ? cpuAfter[name] - cpuBefore[name]
      : undefined;
  cpuShare[name] = used === undefined ? null : +(used / wall).toFixed(2);
}
cpuShare.publisher = +(publisherCpu / wall).toFixed(2);

const result = {
  benchmark: 'pipeline publish → queryable',
  cdrs: count,
  landedRows: landed,
  publishRate: publishRate === undefined ? 'as fast as Kafka takes them' : Number(publishRate),
  warmupCdrs: warmup,
  ingestInstances,
  ratingInstances,
  seconds: +wall.toFixed(1),
  publishSeconds: publishedAllAt === undefined ? null : +publishedAllAt.toFixed(1),
  cdrsPerSecond: Math.round(landed / wall),
  steadyCdrsPerSecond: Math.round((landed * 0.8) / (at90 - at10)),
  latencySeconds: { p50: +percentile(latencies, 50).toFixed(2), p99: +percentile(latencies, 99).toFixed(2) },
  secondHalfOfPublishing: secondHalf ?? null,
  keptUpWithPublishRate: keptUp,
  publisherKeptPace,
  cpuCoresUsed: cpuShare,
  machine: {
    cpus: cpus().length,
    model: cpus()[0]?.model,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadavg: loadavg().map((l) => +l.toFixed(2)),
    probeLinesPerSecond,
  },
};
console.log(JSON.stringify(result, null, 2));
log(
  `${landed} CDRs landed in ${wall.toFixed(1)} s from the first publish: ${result.cdrsPerSecond} CDRs/s; ` +
    `latency from publish to queryable p50 ${result.latencySeconds.p50} s, p99 ${result.latencySeconds.p99} s`,
);
if (keptUp !== null)
  log(
    `${keptUp ? 'kept up with' : 'fell behind'} the publisher: over the second half of the publishing ` +
      `${secondHalf.landedPerSecond} CDRs/s became queryable while ${secondHalf.publishedPerSecond} were published` +
      (publisherKeptPace
        ? ` (asked: ${publishRate})`
        : `, short of the ${publishRate} asked: not a test of that rate`),
  );

await admin.disconnect();
if (!keep) {
  pipelineScript('down');
  await clickhouse.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(id)}`);
  const cleanup = await kafka.connectAdmin();
  await cleanup.deleteTopics(Object.values(topics));
  await cleanup.disconnect();
}
await clickhouse.close();
