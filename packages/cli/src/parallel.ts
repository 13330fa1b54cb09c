/**
 * `cdr rate --jobs N` (N ≥ 2): the coordinator. The main thread reads the input as bytes, cuts it into
 * ~1 MiB chunks at line ends and hands them round-robin to N worker threads (src/rate-worker.ts), each
 * with its own tariff, accounts and number cache. Results are written in input order. Duplicates are
 * decided here, in input order, exactly as the single-threaded run does: the first occurrence of a
 * `cdr_id` that rates is kept, and any later record with that id is dropped and counted.
 */
import { once } from 'node:events';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { parseCsvLine, REJECT_CODES, type RejectCode } from '@cdrate/rating-core';
import { UsageError } from './command.js';
import { DedupWindow } from '@cdrate/rating-core';
import type { OutputFormat } from './io/formats.js';
import type { BatchedWriter } from './io/output.js';
import type { InputFormat, RunCounts } from './pipeline.js';

/** `workerData` of a rate worker. */
export interface WorkerInit {
  readonly rates: string;
  readonly accounts: string;
  readonly cacheSize: number;
  readonly format: OutputFormat;
}

/** A chunk of complete input lines. */
export interface ChunkMessage {
  readonly seq: number;
  /** Line number of the chunk's first line. */
  readonly firstLine: number;
  readonly buffer: ArrayBuffer;
  readonly inputFormat: 'jsonl' | 'csv';
  readonly header: readonly string[] | undefined;
}

/** What a worker returns for a chunk. */
export interface ChunkResult {
  readonly seq: number;
  /** Rated-call lines, UTF-8. */
  readonly out: Uint8Array;
  /** Rejects-file lines. */
  readonly rejects: string;
  /** `cdr_id` of every decoded record in order (joined by `\n` unless an id contains one). */
  readonly ids: string | readonly string[];
  /** Per id: 1 = rated, 2 + k = rejected with `REJECT_CODES[k]`. */
  readonly kinds: Uint8Array;
  /** Per id: end offset of its line in `out` (bytes) or in `rejects` (UTF-16 units). */
  readonly ends: Int32Array;
  readonly read: number;
  readonly rated: number;
  readonly rejected: number;
  readonly byCode: readonly (readonly [RejectCode, number])[];
}

export interface ParallelRun {
  readonly jobs: number;
  readonly workerScript: URL;
  readonly init: WorkerInit;
  readonly inputFormat: InputFormat;
  readonly inputName: string;
  readonly dedupWindow: number;
}

const CHUNK = 1 << 20;

/** Starts the workers; resolves when all have loaded their tables. */
export async function startWorkers(run: ParallelRun): Promise<Worker[]> {
  const workers: Worker[] = [];
  for (let i = 0; i < run.jobs; i++) workers.push(new Worker(run.workerScript, { workerData: run.init }));
  await Promise.all(
    workers.map(async (worker) => {
      const [message] = (await once(worker, 'message')) as [{ type: string; message?: string }];
      if (message.type !== 'ready') throw new Error(message.message ?? 'worker failed to start');
    }),
  );
  return workers;
}

/**
 * Rates `input` with `workers` (started by {@link startWorkers}); writes to `output` and `rejects`;
 * updates `counts`. `onProgress` is called after each chunk.
 */
export async function rateWithWorkers(
  run: ParallelRun,
  workers: readonly Worker[],
  input: Readable,
  output: BatchedWriter,
  rejects: BatchedWriter,
  counts: RunCounts,
  onProgress: () => void,
): Promise<void> {
  const seen = new DedupWindow(run.dedupWindow);
  const results = new Map<number, ChunkResult>();
  let nextToWrite = 0;
  let sent = 0;
  const state: { failure: Error | undefined } = { failure: undefined };
  let wake: (() => void) | undefined;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  for (const worker of workers) {
    worker.on('message', (result: ChunkResult) => {
      results.set(result.seq, result);
      signal();
    });
    worker.on('error', (error: Error) => {
      state.failure = error;
      signal();
    });
  }

  const writeReady = async (): Promise<void> => {
    for (let result = results.get(nextToWrite); result !== undefined; result = results.get(nextToWrite)) {
      results.delete(nextToWrite);
      nextToWrite++;
      apply(result, seen, output, rejects, counts);
      onProgress();
      await Promise.all([output.drain(), rejects.drain()]);
    }
  };
  const throwIfFailed = (): void => {
    if (state.failure !== undefined) throw state.failure;
  };
  const waitForResult = async (): Promise<void> => {
    throwIfFailed();
    await new Promise<void>((resolve) => (wake = resolve));
    throwIfFailed();
    await writeReady();
  };

  let format: 'jsonl' | 'csv' | undefined = run.inputFormat === 'auto' ? undefined : run.inputFormat;
  let header: readonly string[] | undefined;
  let lineNo = 1;
  let carry: Buffer | undefined;

  const dispatch = async (bytes: Buffer): Promise<void> => {
    let body = bytes;
    let firstLine = lineNo;
    lineNo += countNewlines(bytes);
    if (format === undefined || (format === 'csv' && header === undefined)) {
      // Decide the format and read the CSV header from the first non-blank line.
      let start = 0;
      for (;;) {
        const end = body.indexOf(10, start);
        const lineText = body.toString('utf8', start, end < 0 ? body.length : end).replace(/\r$/, '');
        if (lineText.trim() === '') {
          if (end < 0) return;
          start = end + 1;
          firstLine++;
          continue;
        }
        format ??= lineText.trimStart().startsWith('{') ? 'jsonl' : 'csv';
        if (format === 'csv') {
          const fields = parseCsvLine(lineText);
          if (!Array.isArray(fields))
            throw new UsageError(`${run.inputName}:${firstLine}: bad CSV header: ${fields.error}`);
          header = fields.map((f) => f.trim());
          start = end < 0 ? body.length : end + 1;
          firstLine++;
        }
        body = body.subarray(start);
        break;
      }
    }
    if (body.length === 0) return;
    while (sent - nextToWrite >= workers.length * 2) await waitForResult();
    const copy = new Uint8Array(body.length);
    copy.set(body);
    const message: ChunkMessage = {
      seq: sent,
      firstLine,
      buffer: copy.buffer,
      inputFormat: format,
      header,
    };
    (workers[sent % workers.length] as Worker).postMessage(message, [copy.buffer]);
    sent++;
  };

  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const data = carry === undefined ? bytes : Buffer.concat([carry, bytes]);
    const last = data.lastIndexOf(10);
    if (last < 0) {
      carry = data;
      continue;
    }
    carry = last + 1 < data.length ? Buffer.from(data.subarray(last + 1)) : undefined;
    const complete = data.subarray(0, last + 1);
    for (let start = 0; start < complete.length;) {
      let end = Math.min(start + CHUNK, complete.length);
      if (end < complete.length) end = complete.indexOf(10, end - 1) + 1;
      await dispatch(complete.subarray(start, end));
      start = end;
    }
  }
  if (carry !== undefined && carry.length > 0) await dispatch(Buffer.concat([carry, Buffer.from('\n')]));
  while (nextToWrite < sent) await waitForResult();
}

function countNewlines(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(10); i >= 0; i = bytes.indexOf(10, i + 1)) n++;
  return n;
}

/** Applies one chunk's results in input order: duplicate check, counts, writes. */
function apply(
  result: ChunkResult,
  seen: DedupWindow,
  output: BatchedWriter,
  rejects: BatchedWriter,
  counts: RunCounts,
): void {
  counts.read += result.read;
  counts.rated += result.rated;
  counts.rejected += result.rejected;
  for (const [code, n] of result.byCode)
    counts.rejectedByCode.set(code, (counts.rejectedByCode.get(code) ?? 0) + n);
  const ids = typeof result.ids === 'string' ? (result.ids === '' ? [] : result.ids.split('\n')) : result.ids;
  let dropOut: number[] | undefined;
  let dropRejects: number[] | undefined;
  let outStart = 0;
  let rejectStart = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i] as string;
    const kind = result.kinds[i] as number;
    const end = result.ends[i] as number;
    if (seen.has(id)) {
      counts.duplicates++;
      if (kind === 1) {
        counts.rated--;
        (dropOut ??= []).push(outStart, end);
      } else {
        counts.rejected--;
        const code = REJECT_CODES[kind - 2] as RejectCode;
        counts.rejectedByCode.set(code, (counts.rejectedByCode.get(code) ?? 1) - 1);
        if (counts.rejectedByCode.get(code) === 0) counts.rejectedByCode.delete(code);
        (dropRejects ??= []).push(rejectStart, end);
      }
    } else if (kind === 1) {
      seen.add(id);
    }
    if (kind === 1) outStart = end;
    else rejectStart = end;
  }
  const out = Buffer.from(result.out.buffer, result.out.byteOffset, result.out.byteLength);
  if (dropOut === undefined) {
    output.writeBytes(out);
  } else {
    let from = 0;
    for (let k = 0; k < dropOut.length; k += 2) {
      output.writeBytes(out.subarray(from, dropOut[k]));
      from = dropOut[k + 1] as number;
    }
    output.writeBytes(out.subarray(from));
  }
  if (result.rejects.length > 0) {
    if (dropRejects === undefined) {
      rejects.write(result.rejects);
    } else {
      let from = 0;
      for (let k = 0; k < dropRejects.length; k += 2) {
        rejects.write(result.rejects.slice(from, dropRejects[k]));
        from = dropRejects[k + 1] as number;
      }
      rejects.write(result.rejects.slice(from));
    }
  }
}
