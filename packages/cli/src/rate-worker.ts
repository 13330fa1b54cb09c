/**
 * Worker thread of `cdr rate --jobs N`: loads the tariff and accounts itself, then rates chunks of
 * input lines for the coordinator (src/parallel.ts), reading them from the input file itself or
 * receiving them. The duplicate check is the coordinator's (it needs input order across workers), so
 * this worker reports the `cdr_id` and outcome of every record; it writes its rated calls to the output
 * file at the position the coordinator gives once the chunks before are settled, or sends them back.
 */
import { isAscii } from 'node:buffer';
import { readSync, writeSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { REJECT_CODES, type RejectCode } from '@cdrate/rating-core';
import { createNormaliser, SharedNumberTable } from '@cdrate/numbering';
import { loadTariffDirectory } from '@cdrate/tariff-files';
import { loadAccounts } from './io/accounts.js';
import { ratedCsvLine, ratedJsonLine, type RejectLine } from './io/formats.js';
import {
  KIND_RATED,
  KIND_REJECTED,
  KIND_UNDECODED_REJECT,
  packMeta,
  type ChunkMessage,
  type ChunkResult,
  type FromWorker,
  type RejectParts,
  type ToWorker,
  type WorkerInit,
  type WriteMessage,
} from './parallel.js';
import { LineProcessor, RatingRun, type RecordSink } from './pipeline.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (port === null) throw new Error('rate-worker must run as a worker thread');

const post = (message: FromWorker, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

/**
 * A reject line in three parts around its line number: `JSON.stringify(entry)` with the fields in the
 * order of {@link RejectLine} is `{…,"line":` + line + `,"record":…}`.
 */
function rejectParts(entry: RejectLine): RejectParts {
  const head = JSON.stringify({
    ...(entry.cdr_id === undefined ? {} : { cdr_id: entry.cdr_id }),
    error_code: entry.error_code,
    error_message: entry.error_message,
  });
  return [head.slice(0, -1) + ',"line":', entry.line, ',"record":' + JSON.stringify(entry.record) + '}\n'];
}

/** Reads `[start, end)` of `fd` into `buffer` (which is large enough). */
function readRange(fd: number, buffer: Buffer, start: number, end: number): void {
  for (let got = 0; got < end - start;) {
    const n = readSync(fd, buffer, got, end - start - got, start + got);
    if (n === 0) throw new Error('the input file became shorter while it was being rated');
    got += n;
  }
}

function writeAt(fd: number, buffer: Buffer, from: number, to: number, position: number): number {
  for (let at = from; at < to;) {
    const n = writeSync(fd, buffer, at, to - at, position + (at - from));
    at += n;
  }
  return position + (to - from);
}

const compiled = await loadTariffDirectory(init.rates);
const normaliser = createNormaliser({
  cacheSize: init.cacheSize,
  shared: new SharedNumberTable(init.numbers),
});
const accounts = await loadAccounts(init.accounts, normaliser);
if (compiled.kind !== 'compiled' || accounts.kind !== 'loaded') {
  // The coordinator validated both already; this only happens if the files changed meanwhile.
  post({ type: 'failed', message: 'rate tables or accounts became invalid while starting workers' });
} else {
  const run = new RatingRun(compiled.tariff, accounts.accounts, normaliser, 0);
  const serialise = init.format === 'csv' ? ratedCsvLine : ratedJsonLine;
  const codeIndex = new Map<RejectCode, number>(REJECT_CODES.map((code, i) => [code, i]));
  let processor: LineProcessor | undefined;
  /** Input bytes read from the file (reused). */
  let input = Buffer.allocUnsafeSlow(0);
  /** Output buffers free for reuse, and those waiting for their write position. */
  const free: Buffer[] = [];
  const kept = new Map<number, { readonly buffer: Buffer; readonly used: number }>();
  // Per-record results of the chunk being rated (reused; packed for sending).
  let kinds = new Uint8Array(0);
  let ends = new Int32Array(0);
  let idEnds = new Int32Array(0);
  let idHashes = new Int32Array(0);
  let ids = new Uint16Array(0);

  const rateChunk = (message: ChunkMessage): void => {
    processor ??= new LineProcessor(run, message.inputFormat, serialise, message.header);
    const before = { ...run.counts, rejectedByCode: new Map(run.counts.rejectedByCode) };
    let bytes: Buffer;
    if ('bytes' in message.input) {
      bytes = Buffer.from(message.input.bytes);
    } else {
      const { fd, start, end } = message.input;
      if (input.length < end - start) input = Buffer.allocUnsafeSlow(end - start + ((end - start) >> 3));
      readRange(fd, input, start, end);
      bytes = input.subarray(0, end - start);
    }
    const inputBytes = bytes.length;
    // ASCII decodes alike as Latin-1 and UTF-8; Latin-1 is a plain copy (~3× faster for 1 MiB).
    const text = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    if (bytes.includes(13)) {
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i] as string;
        if (line.endsWith('\r')) lines[i] = line.slice(0, -1);
      }
    }
    // At most one record per line.
    if (kinds.length < lines.length) {
      kinds = new Uint8Array(lines.length);
      ends = new Int32Array(lines.length);
      idEnds = new Int32Array(lines.length);
      idHashes = new Int32Array(lines.length);
    }
    if (ids.length < lines.length * 16) ids = new Uint16Array(lines.length * 16);
    let out = free.pop() ?? Buffer.allocUnsafeSlow(Math.max(1 << 16, inputBytes * 2));
    let used = 0;
    let idUsed = 0;
    let records = 0;
    const rejects: RejectParts[] = [];
    /** Appends `id`'s code units to `ids` and returns their hashString hash. */
    const addId = (id: string): number => {
      if (idUsed + id.length > ids.length) {
        const bigger = new Uint16Array(ids.length * 2 + id.length);
        bigger.set(ids.subarray(0, idUsed));
        ids = bigger;
      }
      let h = 0x811c9dc5;
      for (let k = 0; k < id.length; k++) {
        const c = id.charCodeAt(k);
        ids[idUsed + k] = c;
        h = Math.imul(h ^ c, 0x01000193);
      }
      idUsed += id.length;
      return h | 0;
    };
    const sink: RecordSink = {
      rated(line, cdrId) {
        if (used + line.length * 3 > out.length) {
          const bigger = Buffer.allocUnsafeSlow(out.length * 2 + line.length * 3);
          out.copy(bigger, 0, 0, used);
          out = bigger;
        }
        used += out.write(line, used);
        idHashes[records] = addId(cdrId);
        idEnds[records] = idUsed;
        kinds[records] = KIND_RATED;
        ends[records++] = used;
      },
      rejected(entry, cdrId, decoded, code) {
        if (decoded && cdrId !== undefined) {
          idHashes[records] = addId(cdrId);
          kinds[records] = KIND_REJECTED + (codeIndex.get(code) ?? 0);
        } else {
          kinds[records] = KIND_UNDECODED_REJECT;
        }
        idEnds[records] = idUsed;
        ends[records++] = rejects.length;
        rejects.push(rejectParts(entry));
      },
    };
    // Line numbers relative to the chunk; the coordinator adds the lines before it.
    processor.process(lines, 1, sink);
    const byCode: [RejectCode, number][] = [];
    for (const [code, count] of run.counts.rejectedByCode) {
      const delta = count - (before.rejectedByCode.get(code) ?? 0);
      if (delta > 0) byCode.push([code, delta]);
    }
    const meta = packMeta({ kinds, ends, idEnds, idHashes, ids }, records, idUsed);
    const transfer = [meta];
    let sent: Uint8Array | undefined;
    if (message.keepOutput) {
      kept.set(message.seq, { buffer: out, used });
    } else {
      // allocUnsafeSlow buffers own their ArrayBuffer: send it as it is.
      sent = new Uint8Array(out.buffer, out.byteOffset, used);
      transfer.push(out.buffer as ArrayBuffer);
    }
    const result: ChunkResult = {
      type: 'result',
      seq: message.seq,
      lines: lines.length,
      out: sent,
      outBytes: used,
      rejects,
      records,
      meta,
      idUnits: idUsed,
      read: run.counts.read - before.read,
      rated: run.counts.rated - before.rated,
      rejected: run.counts.rejected - before.rejected,
      byCode,
    };
    post(result, transfer);
  };

  const write = (message: WriteMessage): void => {
    const chunk = kept.get(message.seq);
    if (chunk === undefined) throw new Error(`no output kept for chunk ${message.seq}`);
    kept.delete(message.seq);
    const { fd, drops } = message;
    let position = message.position;
    let from = 0;
    for (let k = 0; k < drops.length; k += 2) {
      position = writeAt(fd, chunk.buffer, from, drops[k] as number, position);
      from = drops[k + 1] as number;
    }
    writeAt(fd, chunk.buffer, from, chunk.used, position);
    free.push(chunk.buffer);
    post({ type: 'written', seq: message.seq });
  };

  port.on('message', (message: ToWorker) => {
    try {
      if (message.type === 'chunk') rateChunk(message);
      else write(message);
    } catch (error) {
      post({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    }
  });
  post({ type: 'ready' });
}
