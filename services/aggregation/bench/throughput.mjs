// Landing throughput: produces N rated calls to a fresh topic (6 partitions), then starts the aggregation app
// on it and measures how long it takes until every row is in ClickHouse and committed.
// Usage: node services/aggregation/bench/throughput.mjs [count]   (after `tsc -b services/aggregation`)
// DLQ_EVERY_MS=50: also send one dead letter every 50 ms while landing (a steady trickle on cdr.dlq).
// BATCH_RECORDS=500: send the rated calls as batch frames of that many records (as rating does; default 1:
// one single frame per message). Prints the bench process's CPU time per landed row (the app runs in it)
// and, when it runs on this machine, the ClickHouse server's.
// RATE=35000: instead of producing everything first, start the app and produce that many rated calls per
// second while it lands them (a steady flow, as in the pipeline; sizes its fetches and inserts).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Registry } from 'prom-client';
import { createClickhouse } from '@cdrate/clickhouse';
import { createKafka } from '@cdrate/kafka';
import { encodeDlqRecord, encodeRatedCall, frameRatedCallBatch } from '@cdrate/schemas';
import { createLogger } from '@cdrate/service-runtime';
import { createAggregationApp, defaultMigrationsDir } from '@cdrate/aggregation-service';

const count = Number(process.argv[2] ?? 300_000);
const suffix = `${Date.now().toString(36)}`;
const settings = {
  topicRated: `bench_rated_${suffix}`,
  topicDlq: `bench_dlq_${suffix}`,
  topicPartitions: 6,
  consumerGroup: `bench_group_${suffix}`,
  clickhouseDatabase: `bench_${suffix}`,
  clickhouseMigrationsDir: defaultMigrationsDir(process.cwd()),
  batchMaxRows: Number(process.env.BATCH_MAX_ROWS ?? 100_000),
  batchMaxWaitMs: Number(process.env.BATCH_MAX_WAIT_MS ?? 1000),
};
const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 'bench', logLevel: 'error' });
const admin = await kafka.connectAdmin();
await admin.ensureTopics([{ topic: settings.topicRated, partitions: 6 }]);
const producer = await kafka.connectProducer();
const base = Date.UTC(2026, 0, 15, 10, 0, 0, 0);
let produced = 0;
const t0 = Date.now();
const batchRecords = Number(process.env.BATCH_RECORDS ?? 1);
const frames = [];
const sends = [];
while (produced < count) {
  const messages = [];
  // At most ~2 MB per send.
  for (let i = 0; i < (batchRecords === 1 ? 5000 : 20 * batchRecords) && produced < count; i++, produced++) {
    const start = base + produced * 37;
    frames.push({
      key: `acct-${produced % 500}`,
      value: encodeRatedCall({
        cdr_id: `cdr-${produced}`,
        account_id: `acct-${produced % 500}`,
        call_type: 'international',
        billable: true,
        billable_seconds: 120,
        billable_minutes: '2',
        rate: '0.0123',
        cost: '0.0246',
        currency: 'USD',
        source: '+14155550100',
        destination: '+442071838750',
        destination_country: 'GB',
        matched_prefix: '4420',
        start_time: start,
        end_time: start + 62_500,
        duration_ms: 62_500,
        reason: null,
        rated_at: start + 100_000,
        rating_version: start + 100_000,
      }),
    });
  }
  for (let i = 0; i < frames.length; i += batchRecords) {
    const group = frames.slice(i, i + batchRecords);
    messages.push(
      batchRecords === 1
        ? group[0]
        : // keys spread over every partition (the lag check waits for a commit on each)
          { key: `batch-${produced + i}`, value: frameRatedCallBatch(group.map((frame) => frame.value)) },
    );
  }
  frames.length = 0;
  sends.push(messages);
}
const rate = Number(process.env.RATE ?? 0);
if (rate === 0) {
  for (const messages of sends) await producer.send(settings.topicRated, messages);
  console.log(`produced ${count} in ${Date.now() - t0} ms`);
}

const verify = createClickhouse({ url: 'http://127.0.0.1:8123' });
const registry = new Registry();
const app = createAggregationApp({
  settings,
  kafka,
  registry,
  clickhouse: createClickhouse({ url: 'http://127.0.0.1:8123', database: settings.clickhouseDatabase }),
  logger: createLogger('bench', 'warn'),
});
const started = Date.now();
await app.start();
const consuming = Date.now();
const cpuAtStart = process.cpuUsage();
const serverPid = (() => {
  try {
    return Number(execFileSync('pgrep', ['-x', 'clickhouse-serv']).toString().trim().split('\n')[0]);
  } catch {
    return undefined;
  }
})();
const serverCpu = () => {
  try {
    const fields = readFileSync(`/proc/${serverPid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, USER_HZ = 100
  } catch {
    return NaN;
  }
};
const serverCpuAtStart = serverCpu();
if (rate > 0) {
  // One send every `its rows / rate` seconds, on a schedule that does not drift.
  for (const [i, messages] of sends.entries()) {
    const due = consuming + (1000 * i * (count / sends.length)) / rate;
    if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
    await producer.send(settings.topicRated, messages);
  }
  console.log(`produced ${count} at ${rate}/s in ${Date.now() - consuming} ms`);
}
let trickle;
if (process.env.DLQ_EVERY_MS) {
  let offset = 0;
  trickle = setInterval(() => {
    const record = {
      cdr_id: `dead-${offset}`,
      error_code: 'NO_RATE',
      error_message: 'bench',
      stage: 'rating',
      payload: '{}',
      payload_encoding: 'utf8',
      origin: { topic: 'cdr.normalized', partition: 0, offset: String(offset++) },
      failed_at: new Date().toISOString(),
    };
    producer.send(settings.topicDlq, [{ value: encodeDlqRecord(record) }]).catch(() => undefined);
  }, Number(process.env.DLQ_EVERY_MS));
}
for (;;) {
  const lag = await admin.consumerLag(settings.consumerGroup, [settings.topicRated]);
  if (lag.partitions.length > 0 && lag.partitions.every((p) => p.committedOffset !== null) && lag.total === 0)
    break;
  await new Promise((resolve) => setTimeout(resolve, 50));
}
const seconds = (Date.now() - consuming) / 1000;
const cpu = process.cpuUsage(cpuAtStart);
const serverSeconds = serverCpu() - serverCpuAtStart;
clearInterval(trickle);
await producer.disconnect();
const [{ n }] = await verify.query(
  `SELECT toString(count()) AS n FROM ${settings.clickhouseDatabase}.rated_calls`,
);
console.log(
  `landed ${n} rows in ${seconds.toFixed(2)} s after start (start took ${consuming - started} ms): ${Math.round(Number(n) / seconds)} rows/s`,
);
const inserts = (await registry.getSingleMetric('cdrate_insert_duration_seconds').get()).values.find((v) =>
  v.metricName?.endsWith('_count'),
);
console.log(`inserts: ${inserts?.value}`);
console.log(
  `CPU of this process while landing: ${((cpu.user + cpu.system) / Number(n)).toFixed(2)} µs per row (load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')})`,
);
console.log(`ClickHouse server CPU meanwhile: ${((serverSeconds * 1e6) / Number(n)).toFixed(2)} µs per row`);
await app.stop();
await verify.command(`DROP DATABASE IF EXISTS ${settings.clickhouseDatabase}`);
await verify.close();
await admin.deleteTopics([settings.topicRated, settings.topicDlq]);
await admin.disconnect();
