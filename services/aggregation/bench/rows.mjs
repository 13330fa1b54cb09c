// Rows from cdr.rated message values, in process (prints figures; not a test): the general path
// (decodeRatedCalls with avsc, then writeRatedCallTsvRow per call) against the direct path
// (writeRatedRowsDirect: Avro bytes straight to TabSeparated bytes), on the same batch frames of 500
// varied calls, rows taken out per batch as the service does. Old and new alternate, 5 rounds each.
// Usage: node services/aggregation/bench/rows.mjs [calls]   (after `tsc -b services/aggregation`)
import { loadavg } from 'node:os';
import { decodeRatedCalls, encodeRatedCall, frameRatedCallBatch } from '@cdrate/schemas';
import { RowChunkWriter } from '../dist/chunks.js';
import { writeRatedRowsDirect } from '../dist/rated-avro-tsv.js';
import { ratedCallTsvRowMaxBytes, writeRatedCallTsvRow } from '../dist/rated-tsv.js';

const count = Number(process.argv[2] ?? 500_000);
const perFrame = 500;
let state = 1;
const next = () => {
  state = (state + 0x6d2b79f5) | 0;
  let t = Math.imul(state ^ (state >>> 15), 1 | state);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (values) => values[Math.floor(next() * values.length)];
const digits = (n) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
const callTypes = [
  'domestic',
  'internal',
  'domestic_metered',
  'international',
  'inbound_toll_free',
  'inbound',
];
const frames = [];
let batch = [];
for (let i = 0; i < count; i++) {
  const start = Date.UTC(2026, 0, 1) + Math.floor(next() * 90 * 86_400_000);
  const duration = Math.floor(next() * 600_000);
  const international = next() < 0.2;
  const billable = next() < 0.88;
  const ratedAt = Date.UTC(2026, 3, 1) + i;
  batch.push(
    encodeRatedCall({
      cdr_id: `cdr-${digits(8)}`,
      account_id: `acct-${digits(5)}`,
      call_type: pick(callTypes),
      billable,
      billable_seconds: billable ? 60 * Math.ceil(duration / 60_000) : 0,
      billable_minutes: billable ? String(Math.ceil(duration / 60_000)) : '0',
      rate: international ? pick(['0.0125', '0.031', '0.2']) : '0',
      cost: international ? pick(['0.075', '0.124', '1.2', '0.0375']) : '0',
      currency: pick(['USD', 'BRL', 'GBP', 'CAD']),
      source: `+1${digits(10)}`,
      destination: international ? `+44${digits(10)}` : `+1${digits(10)}`,
      destination_country: next() < 0.1 ? null : international ? 'GB' : 'US',
      matched_prefix: international ? '44' : null,
      start_time: start,
      end_time: start + duration,
      duration_ms: duration,
      reason: billable ? null : 'no_answer',
      rated_at: ratedAt,
      rating_version: ratedAt,
    }),
  );
  if (batch.length === perFrame) {
    frames.push(frameRatedCallBatch(batch));
    batch = [];
  }
}
if (batch.length > 0) frames.push(frameRatedCallBatch(batch));

const writer = new RowChunkWriter();
function general() {
  let bytes = 0;
  for (let m = 0; m < frames.length; m++) {
    const decoded = decodeRatedCalls(frames[m]);
    const items = decoded.value.items;
    for (let i = 0; i < items.length; i++) {
      const call = items[i].value;
      const out = writer.reserve(ratedCallTsvRowMaxBytes(call));
      writer.endRow(writeRatedCallTsvRow(out, writer.length, call), m, i);
    }
    bytes += writer.take().bytes.length;
  }
  return bytes;
}
function direct() {
  let bytes = 0;
  for (let m = 0; m < frames.length; m++) {
    if (!writeRatedRowsDirect(writer, frames[m], m)) throw new Error('a bench frame was declined');
    bytes += writer.take().bytes.length;
  }
  return bytes;
}
const results = { general: [], direct: [] };
for (let round = 0; round < 5; round++) {
  for (const [name, run] of [
    ['general', general],
    ['direct', direct],
  ]) {
    const started = process.cpuUsage();
    const bytes = run();
    const used = process.cpuUsage(started);
    results[name].push(((used.user + used.system) * 1000) / count);
    if (round === 0) results[`${name}Bytes`] = bytes;
  }
}
if (results.generalBytes !== results.directBytes)
  throw new Error('the two paths wrote different byte counts');
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
for (const name of ['general', 'direct']) {
  console.log(
    JSON.stringify({
      benchmark: `rated rows, ${name} path`,
      calls: count,
      medianNsPerCall: Math.round(median(results[name])),
      runsNsPerCall: results[name].map(Math.round),
    }),
  );
}
console.log(
  JSON.stringify({ machine: { node: process.version, loadAverage: loadavg().map((x) => +x.toFixed(2)) } }),
);
