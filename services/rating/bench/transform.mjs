// Offline rating transform benchmark (prints figures; not a test): the pipeline bench's CDRs through the ingest
// transform into `NormalizedCdrBatch` frames of ~1,000 (not timed), then `rateBatch` over all of them, `rounds`
// times. Prints wall and process CPU time per CDR and a SHA-1 of the output to compare builds.
// Usage, after `tsc -b services/rating services/ingest`: node services/rating/bench/transform.mjs [count] [rounds]
// Data: as services/ingest/bench/transform.mjs.
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { createNormaliser } from '../../../packages/numbering/dist/index.js';
import { createKeyPartitioner } from '@cdrate/kafka';
import { createNormalizedCdrBatchWriter, createRatedCallBatchWriter } from '@cdrate/schemas';
import { PartitionedOutput } from '@cdrate/service-runtime';
import { loadTariffDirectory } from '@cdrate/tariff-files';
import { DuplicateWindow } from '../../ingest/dist/dedup.js';
import { loadBenchData } from '../../ingest/bench/data.mjs';
import { ingestBatch } from '../../ingest/dist/transform.js';
import { rateBatch } from '../dist/transform.js';

const count = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
const { accounts, messages: raw } = loadBenchData(count);
const loaded = await loadTariffDirectory(new URL('../../../rate-tables/default', import.meta.url).pathname);
const tariff = loaded.tariff ?? loaded;
const normaliser = createNormaliser({});
const seen = new DuplicateWindow(1_000_000);
const partitionOf = createKeyPartitioner();
const normalizedOutput = new PartitionedOutput(createNormalizedCdrBatchWriter, partitionOf, 6);
const batches = [];
let records = 0;
for (let i = 0; i < raw.length; i += 1000) {
  const result = ingestBatch(raw.slice(i, i + 1000), {
    accounts,
    normaliser,
    seen,
    nowMs: 1764000000000,
    topic: 'cdr.raw',
    partition: 0,
    output: normalizedOutput,
  });
  seen.addAll(result.accepted);
  records += result.accepted.count;
  batches.push(
    normalizedOutput
      .takeMessages()
      .map(({ value }, j) => ({ key: null, value, headers: {}, offset: String(i + j), timestamp: '0' })),
  );
}
const ratedOutput = new PartitionedOutput(createRatedCallBatchWriter, partitionOf, 6);
for (let round = 0; round < rounds; round++) {
  const hash = round === 0 ? createHash('sha1') : undefined;
  let rated = 0;
  let deadLetters = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (const batch of batches) {
    const result = rateBatch(batch, {
      accounts,
      tariff,
      nowMs: 1764000000000,
      topic: 'cdr.normalized',
      partition: 0,
      output: ratedOutput,
    });
    const ratedMessages = ratedOutput.takeMessages();
    rated += [...result.callTypes.values()].reduce((sum, n) => sum + n, 0);
    deadLetters += result.deadLetters.length;
    if (hash !== undefined) {
      for (const message of ratedMessages) hash.update(String(message.partition)).update(message.value);
      for (const letter of result.deadLetters) hash.update(letter.value);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      benchmark: 'rating transform',
      round,
      records,
      rated,
      deadLetters,
      usPerCdr: +((seconds * 1e6) / records).toFixed(2),
      cpuUsPerCdr: +((cpu.user + cpu.system) / records).toFixed(2),
      ...(hash === undefined ? {} : { sha1: hash.digest('hex'), note: 'round 0 includes hashing' }),
      loadavg: loadavg().map((n) => +n.toFixed(2)),
    }),
  );
}
