/**
 * `cdr rate --jobs N` (N ≥ 2): the coordinator. The input is cut into ~1 MiB chunks at line ends and
 * handed to N worker threads (src/rate-worker.ts), each chunk to the one with the fewest chunks to rate;
 * each worker has its own tariff, accounts and number cache (valid numbers are shared). Duplicates are decided here, in input order, exactly as the single-threaded run does:
 * the first occurrence of a `cdr_id` that rates is kept, and any later record with that id is dropped and
 * counted. Results are written in input order.
 *
 * The main thread touches as few bytes as it can, since it shares the cores with the workers. When the
 * input is a regular file, workers read their chunks from it themselves (the main thread only finds the
 * line ends between chunks); when the output is a regular file, each worker writes its chunk's rated
 * calls at the file position the main thread gives it once the chunks before are settled. Workers report
 * each record's outcome and `cdr_id` (as UTF-16 code units with their hash, no strings); rejects travel as
 * text. Standard input and output (or pipes) go through the main thread instead.
 */
import { once } from 'node:events';
import { readSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { CodeUnitDedupWindow, parseCsvLine, REJECT_CODES, type RejectCode } from '@cdrate/rating-core';
import { UsageError } from './command.js';
import type { OutputFormat } from './io/formats.js';
import type { BatchedWriter } from './io/output.js';
import type { InputFormat, RunCounts } from './pipeline.js';

/** `workerData` of a rate worker. */
export interface WorkerInit {
  readonly rates: string;
  readonly accounts: string;
  readonly cacheSize: number;
  readonly format: OutputFormat;
  /** Memory of the `SharedNumberTable` all workers' normalisers share. */
  readonly numbers: SharedArrayBuffer;
}

/** Where a chunk's bytes are: `[start, end)` of an open file, or the bytes themselves. */
export type ChunkInput =
  { readonly fd: number; readonly start: number; readonly end: number } | { readonly bytes: ArrayBuffer };

/** Main thread → worker: rate a chunk of complete lines. */
export interface ChunkMessage {
  readonly type: 'chunk';
  readonly seq: number;
  readonly input: ChunkInput;
  readonly inputFormat: 'jsonl' | 'csv';
  readonly header: readonly string[] | undefined;
  /** Keep the rated calls until a {@link WriteMessage} says where to write them (else send them back). */
  readonly keepOutput: boolean;
}

/** Main thread → worker: write chunk `seq`'s rated calls at `position` of `fd`, leaving out `drops`. */
export interface WriteMessage {
  readonly type: 'write';
  readonly seq: number;
  readonly fd: number;
  readonly position: number;
  /** Byte ranges `[drops[2k], drops[2k + 1])` of the chunk's output not to write (duplicates), in order. */
  readonly drops: readonly number[];
}

export type ToWorker = ChunkMessage | WriteMessage;

/** Record kinds in a chunk's {@link ChunkMeta}. */
export const KIND_UNDECODED_REJECT = 0;
export const KIND_RATED = 1;
/** A decoded record rejected with `REJECT_CODES[k]` is `KIND_REJECTED + k`. */
export const KIND_REJECTED = 2;

/**
 * A reject line of a chunk in three parts: `head + String(line) + tail` is the line, where `line` is the
 * chunk-relative line number (1 = the chunk's first line) until the main thread adds the lines before.
 */
export type RejectParts = readonly [head: string, line: number, tail: string];

/** Worker → main thread: a rated chunk. */
export interface ChunkResult {
  readonly type: 'result';
  readonly seq: number;
  /** Lines in the chunk, blank ones included. */
  readonly lines: number;
  /** The rated-call lines (UTF-8), unless the worker keeps them for a {@link WriteMessage}. */
  readonly out: Uint8Array | undefined;
  readonly outBytes: number;
  readonly rejects: readonly RejectParts[];
  /** Records with an output line, in input order. */
  readonly records: number;
  /** {@link ChunkMeta} of the records, packed by {@link packMeta}. */
  readonly meta: ArrayBuffer;
  readonly idUnits: number;
  readonly read: number;
  readonly rated: number;
  readonly rejected: number;
  readonly byCode: readonly (readonly [RejectCode, number])[];
}

/** Worker → main thread. */
export type FromWorker =
  | ChunkResult
  | { readonly type: 'written'; readonly seq: number }
  | { readonly type: 'ready' }
  | { readonly type: 'failed'; readonly message: string };

/** Per record of a chunk. */
export interface ChunkMeta {
  /** {@link KIND_RATED}, {@link KIND_REJECTED} + reject code index, or {@link KIND_UNDECODED_REJECT}. */
  readonly kinds: Uint8Array;
  /** Rated: end offset of its line in the chunk's output (bytes). Rejected: index in `rejects`. */
  readonly ends: Int32Array;
  /** End offset of its `cdr_id` in `ids` (undecoded rejects have none). */
  readonly idEnds: Int32Array;
  /** `hashString` of its `cdr_id`. */
  readonly idHashes: Int32Array;
  /** The `cdr_id`s as UTF-16 code units, one after the other. */
  readonly ids: Uint16Array;
}

/** Views of {@link ChunkMeta} over one buffer for `records` records and `idUnits` code units of ids. */
export function metaViews(buffer: ArrayBuffer, records: number, idUnits: number): ChunkMeta {
  const kindsBytes = (records + 3) & ~3;
  const int32s = kindsBytes + 4 * records;
  return {
    kinds: new Uint8Array(buffer, 0, records),
    ends: new Int32Array(buffer, kindsBytes, records),
    idEnds: new Int32Array(buffer, int32s, records),
    idHashes: new Int32Array(buffer, int32s + 4 * records, records),
    ids: new Uint16Array(buffer, int32s + 8 * records, idUnits),
  };
}

/** Copies the first `records` records and `idUnits` id units of `meta` into one transferable buffer. */
export function packMeta(meta: ChunkMeta, records: number, idUnits: number): ArrayBuffer {
  const buffer = new ArrayBuffer(((records + 3) & ~3) + 12 * records + 2 * idUnits);
  const packed = metaViews(buffer, records, idUnits);
  packed.kinds.set(meta.kinds.subarray(0, records));
  packed.ends.set(meta.ends.subarray(0, records));
  packed.idEnds.set(meta.idEnds.subarray(0, records));
  packed.idHashes.set(meta.idHashes.subarray(0, records));
  packed.ids.set(meta.ids.subarray(0, idUnits));
  return buffer;
}

export interface ParallelRun {
  readonly jobs: number;
  readonly workerScript: URL;
  readonly init: WorkerInit;
  readonly inputFormat: InputFormat;
  readonly inputName: string;
  readonly dedupWindow: number;
}

/** The input: a regular file (workers read their chunks) or a stream (read by the main thread). */
export type ParallelInput =
  | { readonly kind: 'file'; readonly handle: FileHandle; readonly size: number }
  | { readonly kind: 'stream'; readonly stream: Readable };

/**
 * Rated calls go to a regular file at `position` onwards (written by the workers; nothing else may write
 * to it meanwhile), or through a writer.
 */
export type ParallelOutput =
  | { readonly kind: 'file'; readonly fd: number; readonly position: number }
  | { readonly kind: 'stream'; readonly writer: BatchedWriter };

const CHUNK = 1 << 20;
/**
 * Chunks sent per worker and not yet settled. Results are settled in input order, so a worker that
 * finished early may wait for a slower one; a deeper queue keeps it busy meanwhile.
 */
const IN_FLIGHT_PER_WORKER = 6;
/** Bytes read at a time while looking for a line end or the first line: a few lines (more when longer). */
const PROBE = 1 << 12;

/** Starts the workers; resolves when all have loaded their tables. */
export async function startWorkers(run: ParallelRun): Promise<Worker[]> {
  const workers: Worker[] = [];
  for (let i = 0; i < run.jobs; i++) workers.push(new Worker(run.workerScript, { workerData: run.init }));
  await Promise.all(
    workers.map(async (worker) => {
      const [message] = (await once(worker, 'message')) as [FromWorker];
      if (message.type !== 'ready')
        throw new Error(message.type === 'failed' ? message.message : 'worker failed to start');
    }),
  );
  return workers;
}

/** Where the records start: format, CSV header, and the lines and bytes before the first record. */
interface Preamble {
  readonly format: 'jsonl' | 'csv' | undefined;
  readonly header: readonly string[] | undefined;
  /** Byte offset of the first line to rate. */
  readonly body: number;
  /** Lines before `body`. */
  readonly lines: number;
}

/**
 * Decides the input format from the first non-blank line (`{` → jsonl, else csv) unless given, and reads
 * the CSV header. `undefined` when `bytes` (the input's first bytes; all of it when `atEnd`) ends before
 * the line that decides. Blank lines before the first record are skipped (as the workers would).
 */
function readPreamble(
  bytes: Buffer,
  atEnd: boolean,
  given: 'jsonl' | 'csv' | undefined,
  inputName: string,
): Preamble | undefined {
  if (given === 'jsonl') return { format: given, header: undefined, body: 0, lines: 0 };
  let start = 0;
  let lines = 0;
  for (;;) {
    const nl = bytes.indexOf(10, start);
    if (nl < 0 && !atEnd) return undefined;
    const end = nl < 0 ? bytes.length : nl;
    const text = bytes.toString('utf8', start, end).replace(/\r$/, '');
    if (text.trim() === '') {
      if (nl < 0) return { format: given, header: undefined, body: bytes.length, lines };
      start = nl + 1;
      lines++;
      continue;
    }
    const format = given ?? (text.trimStart().startsWith('{') ? 'jsonl' : 'csv');
    if (format === 'jsonl') return { format, header: undefined, body: start, lines };
    const fields = parseCsvLine(text);
    if (!Array.isArray(fields))
      throw new UsageError(`${inputName}:${lines + 1}: bad CSV header: ${fields.error}`);
    return {
      format,
      header: fields.map((f) => f.trim()),
      body: nl < 0 ? bytes.length : nl + 1,
      lines: lines + 1,
    };
  }
}

/** Reads `[position, position + length)` of `handle` (less at the end of the file). */
async function readAt(handle: FileHandle, position: number, length: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(length);
  let got = 0;
  while (got < length) {
    const { bytesRead } = await handle.read(buffer, got, length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return buffer.subarray(0, got);
}

/**
 * Offset just after the first `\n` at or after `from`, or `size` when there is none. Reads synchronously:
 * a few KiB from the page cache take microseconds, while each asynchronous read waited for the thread
 * pool and an event-loop turn on cores busy with the workers (~0.4 ms each, 0.1 s per million CDRs).
 */
function lineEndFrom(fd: number, from: number, size: number): number {
  const bytes = Buffer.allocUnsafe(PROBE);
  for (let at = from; at < size; at += PROBE) {
    const n = readSync(fd, bytes, 0, Math.min(PROBE, size - at), at);
    if (n === 0) break;
    const nl = bytes.subarray(0, n).indexOf(10);
    if (nl >= 0) return at + nl + 1;
  }
  return size;
}

/**
 * Rates `input` with `workers` (started by {@link startWorkers}); writes rated calls to `output` and
 * rejects to `rejects`; updates `counts`. `onProgress` is called after each chunk.
 */
export async function rateWithWorkers(
  run: ParallelRun,
  workers: readonly Worker[],
  input: ParallelInput,
  output: ParallelOutput,
  rejects: BatchedWriter,
  counts: RunCounts,
  onProgress: () => void,
): Promise<void> {
  const seen = new CodeUnitDedupWindow(run.dedupWindow);
  const results = new Map<number, ChunkResult>();
  let nextToApply = 0;
  let sent = 0;
  let unwritten = 0;
  /** Lines before the next chunk to apply. */
  let linesBefore = 0;
  let position = output.kind === 'file' ? output.position : 0;
  const state: { failure: Error | undefined } = { failure: undefined };
  // A message from a worker wakes the waiting coordinator, or the next wait if none is waiting yet.
  let wake: (() => void) | undefined;
  let signalled = false;
  const signal = (): void => {
    const w = wake;
    wake = undefined;
    if (w === undefined) signalled = true;
    else w();
  };
  // Each chunk goes to the worker with the fewest chunks to rate, so that a slower worker gets fewer.
  const toRate = new Int32Array(workers.length);
  /** Worker index by chunk sequence number, until its output is written. */
  const owners = new Map<number, number>();
  workers.forEach((worker, index) => {
    worker.on('message', (message: FromWorker) => {
      if (message.type === 'result') {
        results.set(message.seq, message);
        toRate[index] = (toRate[index] as number) - 1;
      } else if (message.type === 'written') unwritten--;
      else if (message.type === 'failed') state.failure ??= new Error(message.message);
      signal();
    });
    worker.on('error', (error: Error) => {
      state.failure ??= error;
      signal();
    });
  });

  const applyReady = async (): Promise<void> => {
    for (let result = results.get(nextToApply); result !== undefined; result = results.get(nextToApply)) {
      results.delete(nextToApply);
      nextToApply++;
      const drops = settle(result, linesBefore, seen, rejects, counts);
      const owner = owners.get(result.seq) as number;
      owners.delete(result.seq);
      linesBefore += result.lines;
      if (output.kind === 'file') {
        const message: WriteMessage = {
          type: 'write',
          seq: result.seq,
          fd: output.fd,
          position,
          drops,
        };
        (workers[owner] as Worker).postMessage(message);
        unwritten++;
        let dropped = 0;
        for (let k = 0; k < drops.length; k += 2) dropped += (drops[k + 1] as number) - (drops[k] as number);
        position += result.outBytes - dropped;
      } else if (result.out !== undefined) {
        const out = Buffer.from(result.out.buffer, result.out.byteOffset, result.out.byteLength);
        let from = 0;
        for (let k = 0; k < drops.length; k += 2) {
          output.writer.writeBytes(out.subarray(from, drops[k]));
          from = drops[k + 1] as number;
        }
        output.writer.writeBytes(out.subarray(from));
      }
      onProgress();
      await Promise.all([output.kind === 'stream' ? output.writer.drain() : undefined, rejects.drain()]);
    }
  };
  const throwIfFailed = (): void => {
    if (state.failure !== undefined) throw state.failure;
  };
  const waitForWorkers = async (): Promise<void> => {
    throwIfFailed();
    if (signalled) signalled = false;
    else await new Promise<void>((resolve) => (wake = resolve));
    throwIfFailed();
    await applyReady();
  };

  let format: 'jsonl' | 'csv' | undefined = run.inputFormat === 'auto' ? undefined : run.inputFormat;
  let header: readonly string[] | undefined;
  const send = async (chunk: ChunkInput, transfer: ArrayBuffer | undefined): Promise<void> => {
    while (sent - nextToApply >= workers.length * IN_FLIGHT_PER_WORKER) await waitForWorkers();
    const message: ChunkMessage = {
      type: 'chunk',
      seq: sent,
      input: chunk,
      inputFormat: format ?? 'jsonl',
      header,
      keepOutput: output.kind === 'file',
    };
    let index = 0;
    for (let w = 1; w < workers.length; w++) if ((toRate[w] as number) < (toRate[index] as number)) index = w;
    toRate[index] = (toRate[index] as number) + 1;
    owners.set(sent, index);
    (workers[index] as Worker).postMessage(message, transfer === undefined ? [] : [transfer]);
    sent++;
  };

  if (input.kind === 'file') {
    const { handle, size } = input;
    let preamble: Preamble | undefined;
    for (let length = PROBE; preamble === undefined; length *= 2) {
      const atEnd = length >= size;
      preamble = readPreamble(await readAt(handle, 0, Math.min(length, size)), atEnd, format, run.inputName);
    }
    format = preamble.format;
    header = preamble.header;
    linesBefore = preamble.lines;
    for (let start = preamble.body; start < size;) {
      const end = start + CHUNK >= size ? size : lineEndFrom(handle.fd, start + CHUNK - 1, size);
      await send({ fd: handle.fd, start, end }, undefined);
      start = end;
    }
  } else {
    let pending: Buffer | undefined;
    let started = false;
    const dispatch = async (bytes: Buffer, atEnd: boolean): Promise<void> => {
      let body = bytes;
      if (!started) {
        // Collect the input's first bytes until the line that decides the format is complete.
        body = pending === undefined ? bytes : Buffer.concat([pending, bytes]);
        const preamble = readPreamble(body, atEnd, format, run.inputName);
        if (preamble === undefined) {
          pending = body;
          return;
        }
        pending = undefined;
        started = true;
        format = preamble.format;
        header = preamble.header;
        linesBefore = preamble.lines;
        body = body.subarray(preamble.body);
      }
      if (body.length === 0) return;
      const copy = new Uint8Array(body.length);
      copy.set(body);
      await send({ bytes: copy.buffer }, copy.buffer);
    };
    let carry: Buffer | undefined;
    for await (const chunk of input.stream as AsyncIterable<Buffer | string>) {
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
        await dispatch(complete.subarray(start, end), false);
        start = end;
      }
    }
    if (carry !== undefined && carry.length > 0)
      await dispatch(Buffer.concat([carry, Buffer.from('\n')]), true);
    else if (!started && pending !== undefined) await dispatch(Buffer.alloc(0), true);
  }
  while (nextToApply < sent || unwritten > 0) await waitForWorkers();
}

/**
 * Settles one chunk in input order: duplicate check, counts, reject lines (numbered from `linesBefore`).
 * Returns the byte ranges of the chunk's output that are duplicates, as pairs `[from, to)`.
 */
function settle(
  result: ChunkResult,
  linesBefore: number,
  seen: CodeUnitDedupWindow,
  rejects: BatchedWriter,
  counts: RunCounts,
): number[] {
  counts.read += result.read;
  counts.rated += result.rated;
  counts.rejected += result.rejected;
  for (const [code, n] of result.byCode)
    counts.rejectedByCode.set(code, (counts.rejectedByCode.get(code) ?? 0) + n);
  const { kinds, ends, ids, idEnds, idHashes } = metaViews(result.meta, result.records, result.idUnits);
  const drops: number[] = [];
  let outStart = 0;
  let idStart = 0;
  for (let i = 0; i < result.records; i++) {
    const kind = kinds[i] as number;
    const end = ends[i] as number;
    if (kind === KIND_UNDECODED_REJECT) {
      writeReject(result.rejects[end] as RejectParts, linesBefore, rejects);
      continue;
    }
    const idEnd = idEnds[i] as number;
    const hash = idHashes[i] as number;
    if (seen.has(ids, idStart, idEnd, hash)) {
      counts.duplicates++;
      if (kind === KIND_RATED) {
        counts.rated--;
        drops.push(outStart, end);
      } else {
        counts.rejected--;
        const code = REJECT_CODES[kind - KIND_REJECTED] as RejectCode;
        counts.rejectedByCode.set(code, (counts.rejectedByCode.get(code) ?? 1) - 1);
        if (counts.rejectedByCode.get(code) === 0) counts.rejectedByCode.delete(code);
      }
    } else if (kind === KIND_RATED) {
      seen.add(ids, idStart, idEnd, hash);
    } else {
      writeReject(result.rejects[end] as RejectParts, linesBefore, rejects);
    }
    if (kind === KIND_RATED) outStart = end;
    idStart = idEnd;
  }
  return drops;
}

function writeReject([head, line, tail]: RejectParts, linesBefore: number, rejects: BatchedWriter): void {
  rejects.write(head + String(linesBefore + line) + tail);
}
