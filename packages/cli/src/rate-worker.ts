/**
 * Worker thread of `cdr rate --jobs N`: loads the tariff and accounts itself, then rates chunks of
 * input lines sent by the coordinator (src/parallel.ts) and sends back the encoded output. The
 * duplicate check is the coordinator's (it needs input order across workers), so this worker reports
 * the `cdr_id` and outcome of every decoded record.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { REJECT_CODES, type RejectCode } from '@cdrate/rating-core';
import { createNormaliser } from '@cdrate/numbering';
import { loadTariffDirectory } from '@cdrate/tariff-files';
import { loadAccounts } from './io/accounts.js';
import { ratedCsvLine, ratedJsonLine } from './io/formats.js';
import { LineProcessor, RatingRun, type RecordSink } from './pipeline.js';
import type { ChunkMessage, ChunkResult, WorkerInit } from './parallel.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('rate-worker must run as a worker thread');

const compiled = await loadTariffDirectory(init.rates);
const normaliser = createNormaliser({ cacheSize: init.cacheSize });
const accounts = await loadAccounts(init.accounts, normaliser);
if (compiled.kind !== 'compiled' || accounts.kind !== 'loaded') {
  // The coordinator validated both already; this only happens if the files changed meanwhile.
  port.postMessage({
    type: 'failed',
    message: 'rate tables or accounts became invalid while starting workers',
  });
} else {
  const run = new RatingRun(compiled.tariff, accounts.accounts, normaliser, 0);
  const serialise = init.format === 'csv' ? ratedCsvLine : ratedJsonLine;
  const codeIndex = new Map<RejectCode, number>(REJECT_CODES.map((code, i) => [code, i]));
  let processor: LineProcessor | undefined;

  port.on('message', (message: ChunkMessage) => {
    processor ??= new LineProcessor(run, message.inputFormat, serialise, message.header);
    const before = { ...run.counts, rejectedByCode: new Map(run.counts.rejectedByCode) };
    const text = Buffer.from(message.buffer).toString('utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i] as string;
      if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
    }
    let out = Buffer.allocUnsafe(Math.max(1 << 16, message.buffer.byteLength * 2));
    let used = 0;
    let rejects = '';
    const ids: string[] = [];
    const kinds: number[] = [];
    const ends: number[] = [];
    const sink: RecordSink = {
      rated(line, cdrId) {
        if (used + line.length * 3 > out.length) {
          const bigger = Buffer.allocUnsafe(out.length * 2 + line.length * 3);
          out.copy(bigger, 0, 0, used);
          out = bigger;
        }
        used += out.write(line, used);
        ids.push(cdrId);
        kinds.push(1);
        ends.push(used);
      },
      rejected(line, cdrId, decoded, code) {
        rejects += line;
        if (decoded && cdrId !== undefined) {
          ids.push(cdrId);
          kinds.push(2 + (codeIndex.get(code) ?? 0));
          ends.push(rejects.length);
        }
      },
    };
    processor.process(lines, message.firstLine, sink);
    const byCode: [RejectCode, number][] = [];
    for (const [code, count] of run.counts.rejectedByCode) {
      const delta = count - (before.rejectedByCode.get(code) ?? 0);
      if (delta > 0) byCode.push([code, delta]);
    }
    const outBuffer = new ArrayBuffer(used);
    const output = new Uint8Array(outBuffer);
    output.set(out.subarray(0, used));
    const kindsArray = Uint8Array.from(kinds);
    const endsArray = Int32Array.from(ends);
    const joined = ids.join('\n');
    const result: ChunkResult = {
      seq: message.seq,
      out: output,
      rejects,
      ids: ids.some((id) => id.includes('\n')) ? ids : joined,
      kinds: kindsArray,
      ends: endsArray,
      read: run.counts.read - before.read,
      rated: run.counts.rated - before.rated,
      rejected: run.counts.rejected - before.rejected,
      byCode,
    };
    port.postMessage(result, [outBuffer, kindsArray.buffer, endsArray.buffer]);
  });
  port.postMessage({ type: 'ready' });
}
