// Offline ingest transform benchmark (prints figures; not a test): the pipeline bench's raw JSON CDRs through
// `ingestBatch` in batches of 1,000, with the duplicate window, no Kafka. Prints wall and process CPU time
// per CDR and a SHA-1 of the output (the relay's batch messages over 6 partitions, and dead letters) to
// compare builds.
// Usage, after `tsc -b services/ingest`: node services/ingest/bench/transform.mjs [count] [rounds]
// Data: `.local/bench/pipeline/data-1000000/`, written by the pipeline bench (`node test/bench/pipeline.mjs`)
// or by `pnpm cdr generate --out-dir .local/bench/pipeline/data-1000000 --count 1000000 --bad-rate 0.001
// --duplicate-rate 0.001 --seed 7`. Each round starts with a new duplicate window and normaliser cache.
import { createHash } from 'node:crypto';
import { loadavg } from 'node:os';
import { createKeyPartitioner } from '@cdrate/kafka';
import { createNormaliser } from '@cdrate/numbering';
import { createNormalizedCdrBatchWriter } from '@cdrate/schemas';
import { PartitionedOutput } from '@cdrate/service-runtime';
import { DuplicateWindow } from '../dist/dedup.js';
import { loadBenchData } from './data.mjs';
import { ingestBatch } from '../dist/transform.js';

const count = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 1);
const { accounts, messages } = loadBenchData(count);
for (let round = 0; round < rounds; round++) {
  const normaliser = createNormaliser({});
  const seen = new DuplicateWindow(1_000_000);
  const output = new PartitionedOutput(createNormalizedCdrBatchWriter, createKeyPartitioner(), 6);
  const hash = createHash('sha1');
  let normalized = 0;
  let deadLetters = 0;
  let hashMs = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < messages.length; i += 1000) {
    const result = ingestBatch(messages.slice(i, i + 1000), {
      accounts,
      normaliser,
      seen,
      nowMs: 1764000000000,
      topic: 'cdr.raw',
      partition: 0,
      output,
    });
    const batchMessages = output.takeMessages();
    seen.addAll(result.accepted);
    normalized += result.accepted.count;
    deadLetters += result.deadLetters.length;
    const h0 = performance.now();
    for (const message of batchMessages) hash.update(String(message.partition)).update(message.value);
    for (const letter of result.deadLetters) hash.update(letter.value);
    hashMs += performance.now() - h0;
  }
  const seconds = (performance.now() - t0 - hashMs) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    JSON.stringify({
      benchmark: 'ingest transform',
      round,
      cdrs: messages.length,
      normalized,
      deadLetters,
      usPerCdr: +((seconds * 1e6) / messages.length).toFixed(2),
      cpuUsPerCdrWithHashing: +((cpu.user + cpu.system) / messages.length).toFixed(2),
      sha1: hash.digest('hex'),
      loadavg: loadavg().map((n) => +n.toFixed(2)),
    }),
  );
}
