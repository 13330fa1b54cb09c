// Offline rating transform benchmark (prints figures; not a test): the pipeline bench's CDRs through the ingest
// transform into `NormalizedCdrBatch` frames of ~1,000 (not timed), then `rateBatch` over all of them, `rounds`
// times. Prints wall and process CPU time per CDR and a SHA-1 of the output to compare builds.
// Usage, after `tsc -b services/rating services/ingest`: node services/rating/bench/transform.mjs [count] [rounds]
// Data: as services/ingest/bench/transform.mjs.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { toCoreAccount } from '@cdrate/account-directory';
import { createNormaliser } from '../../../packages/numbering/dist/index.js';
import { createKeyPartitioner } from '@cdrate/kafka';
import { createNormalizedCdrBatchWriter, createRatedCallBatchWriter } from '@cdrate/schemas';
import { PartitionedOutput } from '@cdrate/service-runtime';
import { loadTariffDirectory } from '@cdrate/tariff-files';
import { DuplicateWindow } from '../../ingest/dist/dedup.js';
import { ingestBatch } from '../../ingest/dist/transform.js';
import { rateBatch } from '../dist/transform.js';

const count = Number(process.argv[2] ?? 1_000_000);
const rounds = Number(process.argv[3] ?? 3);
const dir = new URL('../../../.local/bench/pipeline/data-1000000/', import.meta.url);
if (!existsSync(new URL('cdrs.jsonl', dir))) {
  console.error(`no ${new URL('cdrs.jsonl', dir).pathname}: see services/ingest/bench/transform.mjs`);
  process.exit(2);
}
const accounts = new Map();
for (const line of readFileSync(new URL('accounts.jsonl', dir), 'utf8').split('\n')) {
  if (!line) continue;
  const result = toCoreAccount(JSON.parse(line));
  if (result.ok) accounts.set(result.account.accountId, result.account);
}
const loaded = await loadTariffDirectory(new URL('../../../rate-tables/default', import.meta.url).pathname);
const tariff = loaded.tariff ?? loaded;
const lines = readFileSync(new URL('cdrs.jsonl', dir), 'utf8').split('\n').slice(0, count);
const contentType = Buffer.from('application/json');
const normaliser = createNormaliser({});
const seen = new DuplicateWindow(1_000_000);
const partitionOf = createKeyPartitioner();
const normalizedOutput = new PartitionedOutput(createNormalizedCdrBatchWriter, partitionOf, 6);
const batches = [];
let records = 0;
for (let i = 0; i < lines.length; i += 1000) {
  const messages = lines.slice(i, i + 1000).map((line, j) => ({
    key: null,
    value: Buffer.from(line),
    headers: { 'content-type': contentType },
    offset: String(i + j),
    timestamp: '0',
  }));
  const result = ingestBatch(messages, {
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
