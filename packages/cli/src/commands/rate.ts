/**
 * `cdr rate`: rates a file of CDRs with the embedded engine (no Kafka, no ClickHouse).
 */
import { open, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { DEFAULT_DEDUP_WINDOW, REJECT_CODES, type RejectCode } from '@cdrate/rating-core';
import { createNormaliser, DEFAULT_CACHE_SIZE, SharedNumberTable } from '@cdrate/numbering';
import { loadTariffDirectory } from '@cdrate/tariff-files';
import { EXIT_OK, EXIT_REJECTS, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js';
import { loadAccounts } from '../io/accounts.js';
import { RATED_CSV_HEADER, ratedCsvLine, ratedJsonLine, type OutputFormat } from '../io/formats.js';
import { readLines } from '../io/line-reader.js';
import { BatchedWriter } from '../io/output.js';
import {
  rateWithWorkers,
  startWorkers,
  type ParallelInput,
  type ParallelOutput,
  type ParallelRun,
} from '../parallel.js';
import { LineProcessor, RatingRun, type InputFormat, type RecordSink } from '../pipeline.js';
import { defineCommand, positiveIntegerOption, usageErrors } from './shared.js';

const HELP = `cdr rate — rate a file of CDRs with the embedded engine (no Kafka, no ClickHouse)

Usage:
  cdr rate --rates <tariff dir> --accounts <file> --in <file|-> --out <file|-> --rejects <file>
           [--format jsonl|csv] [--in-format auto|jsonl|csv] [--dedup-window <n>]
           [--cache-size <n>] [--jobs <n|auto>] [--quiet]

Options:
  --rates <dir>         Tariff folder: international.csv, premium.csv, toll_free.csv, rounding.csv,
                        territories.csv (format: rate-tables/README.md; rate-tables/default ships one).
  --accounts <file>     Accounts, JSON lines: {"account_id","country","billing_start_date",
                        "included_minutes","overage_rate","toll_free_numbers":[],"numbers":[],"currency"}.
  --in <file|->         CDRs as JSON lines or CSV with a header row ("-" = standard input). Fields:
                        cdr_id, account_id, direction?, source, destination, start_time, end_time,
                        duration_sec?, disposition?.
  --out <file|->        Rated calls ("-" = standard output).
  --rejects <file>      Records that could not be rated, JSON lines:
                        {"cdr_id","error_code","error_message","line","record"}.
  --format <f>          Output format of rated calls: jsonl (default) or csv.
  --in-format <f>       Input format: auto (default: by the --in file's extension .jsonl/.json or
                        .csv, else "{" on the first line means jsonl), jsonl or csv.
  --dedup-window <n>    A repeated cdr_id is billed once and counted as a duplicate; ids are
                        remembered for at least the last <n> rated calls (default ${DEFAULT_DEDUP_WINDOW}).
  --cache-size <n>      Number normalisations cached per generation (default ${DEFAULT_CACHE_SIZE}).
  --jobs <n|auto>       Worker threads rating in parallel (default auto: 1 for standard input or
                        files under 16 MiB, else up to 2 — one per CPU core). Output order and
                        duplicate handling are the same as with --jobs 1.
  --quiet               No summary on standard error.
  -h, --help            This help.

A summary (read, rated, duplicates, rejected by code, CDR/s) is printed on standard error at the end,
and a progress line while running when standard error is a terminal.

Exit codes:
  0  every record was rated (duplicates included)
  3  some records were rejected (see --rejects)
  2  usage error, unreadable files, or invalid rate tables / accounts (printed as file:line: reason)

Reject codes: ${REJECT_CODES.join(', ')} (docs/rating.md).

Examples:
  pnpm --silent cdr rate --rates rate-tables/default --accounts accounts.jsonl \\
    --in cdrs.jsonl --out rated.jsonl --rejects rejects.jsonl
  cat cdrs.csv | cdr rate --rates rate-tables/default --accounts accounts.jsonl \\
    --in - --out - --rejects rejects.jsonl --format csv > rated.csv
`;

/** Most valid numbers worker threads share (~72 bytes each): beyond, each parses what it meets. */
const SHARED_NUMBERS = 1 << 17;

/** Options of {@link rateFiles}. */
export interface RateFilesOptions {
  readonly rates: string;
  readonly accounts: string;
  readonly in: string;
  readonly out: string;
  readonly rejects: string;
  readonly format: OutputFormat;
  readonly inFormat: 'auto' | 'jsonl' | 'csv';
  readonly dedupWindow: number;
  readonly cacheSize: number;
  /** Worker threads; `'auto'` decides by input size and cores. */
  readonly jobs: number | 'auto';
  readonly quiet: boolean;
}

/** Counters of a finished run, as printed in the summary. */
export interface RateSummary {
  readonly read: number;
  readonly rated: number;
  readonly duplicates: number;
  readonly rejected: number;
  readonly rejectedByCode: ReadonlyMap<RejectCode, number>;
  readonly seconds: number;
}

function parseOptions(args: readonly string[]): RateFilesOptions | 'help' {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        rates: { type: 'string' },
        accounts: { type: 'string' },
        in: { type: 'string' },
        out: { type: 'string' },
        rejects: { type: 'string' },
        format: { type: 'string' },
        'in-format': { type: 'string' },
        'dedup-window': { type: 'string' },
        'cache-size': { type: 'string' },
        jobs: { type: 'string' },
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) return 'help';
  const missing = (['rates', 'accounts', 'in', 'out', 'rejects'] as const).filter(
    (name) => values[name] === undefined,
  );
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => '--' + m).join(', ')}`);
  const format = values.format ?? 'jsonl';
  if (format !== 'jsonl' && format !== 'csv')
    throw new UsageError(`--format must be jsonl or csv, got "${format}"`);
  const inFormat = values['in-format'] ?? 'auto';
  if (inFormat !== 'auto' && inFormat !== 'jsonl' && inFormat !== 'csv') {
    throw new UsageError(`--in-format must be auto, jsonl or csv, got "${inFormat}"`);
  }
  if (values.rejects === '-') throw new UsageError('--rejects must be a file');
  return {
    rates: values.rates as string,
    accounts: values.accounts as string,
    in: values.in as string,
    out: values.out as string,
    rejects: values.rejects as string,
    format,
    inFormat,
    dedupWindow: positiveIntegerOption(values['dedup-window'], 'dedup-window', DEFAULT_DEDUP_WINDOW),
    cacheSize: positiveIntegerOption(values['cache-size'], 'cache-size', DEFAULT_CACHE_SIZE),
    jobs:
      values.jobs === undefined || values.jobs === 'auto'
        ? 'auto'
        : positiveIntegerOption(values.jobs, 'jobs', 1),
    quiet: values.quiet === true,
  };
}

export const rateCommand: Command = defineCommand({
  name: ['rate'],
  summary: 'rate a file of CDRs with the embedded engine (no Kafka, no ClickHouse)',
  help: HELP,
  parse: parseOptions,
  execute: rateFiles,
});

function fail(io: CliIo, message: string): number {
  io.stderr.write(`cdr rate: ${message}\n`);
  return EXIT_USAGE;
}

interface OpenOutput {
  readonly stream: Writable;
  readonly owned: boolean;
  /** The handle under `stream` when it is a regular file (parallel workers may write to it directly). */
  readonly file: FileHandle | undefined;
}

async function openOutput(path: string, io: CliIo): Promise<OpenOutput> {
  if (path === '-') return { stream: io.stdout, owned: false, file: undefined };
  const handle = await open(path, 'w');
  const regular = (await handle.stat()).isFile();
  return {
    stream: handle.createWriteStream({ highWaterMark: 1 << 20 }),
    owned: true,
    file: regular ? handle : undefined,
  };
}

/**
 * Runs `cdr rate` with parsed options; resolves to the exit code. Table, account and file problems
 * are printed on `io.stderr` (exit 2); records that cannot be rated go to the rejects file (exit 3).
 */
export async function rateFiles(options: RateFilesOptions, io: CliIo): Promise<number> {
  const started = performance.now();
  const jobs = io.workerScript === undefined ? 1 : await jobsFor(options);
  let workers: Promise<Worker[]> | undefined;
  const parallel: ParallelRun | undefined =
    jobs > 1 && io.workerScript !== undefined
      ? {
          jobs,
          workerScript: io.workerScript,
          init: {
            rates: options.rates,
            accounts: options.accounts,
            cacheSize: options.cacheSize,
            format: options.format,
            numbers: SharedNumberTable.create(Math.min(options.cacheSize, SHARED_NUMBERS)).buffer,
          },
          inputFormat: inputFormatOf(options),
          inputName: `--in ${options.in}`,
          dedupWindow: options.dedupWindow,
        }
      : undefined;
  const stopWorkers = async (): Promise<void> => {
    if (workers === undefined) return;
    const started = await workers.catch(() => []);
    await Promise.all(started.map((w) => w.terminate()));
  };
  try {
    return await rateFilesWith(
      options,
      io,
      started,
      () => {
        // Workers load their tables while this thread validates them.
        if (parallel !== undefined) workers = startWorkers(parallel);
      },
      async () =>
        parallel === undefined || workers === undefined
          ? undefined
          : { run: parallel, workers: await workers },
    );
  } finally {
    await stopWorkers();
  }
}

async function jobsFor(options: RateFilesOptions): Promise<number> {
  if (options.jobs !== 'auto') return options.jobs;
  if (options.in === '-') return 1;
  try {
    if ((await stat(options.in)).size < 16 * 1024 * 1024) return 1;
  } catch {
    return 1;
  }
  return Math.min(2, availableParallelism());
}

async function rateFilesWith(
  options: RateFilesOptions,
  io: CliIo,
  started: number,
  beforeLoad: () => void,
  parallelWorkers: () => Promise<{ run: ParallelRun; workers: Worker[] } | undefined>,
): Promise<number> {
  try {
    if (!(await stat(options.rates)).isDirectory())
      return fail(io, `--rates ${options.rates} is not a directory`);
  } catch {
    return fail(io, `--rates ${options.rates}: no such directory`);
  }
  beforeLoad();
  const compiled = await loadTariffDirectory(options.rates);
  if (compiled.kind === 'invalid') {
    io.stderr.write(`cdr rate: the rate tables in ${options.rates} are invalid:\n`);
    for (const e of compiled.errors) {
      io.stderr.write(
        `${join(options.rates, e.file)}${e.line > 0 ? ':' + String(e.line) : ''}: ${e.message}\n`,
      );
    }
    return EXIT_USAGE;
  }
  const normaliser = createNormaliser({ cacheSize: options.cacheSize });
  let accountsResult;
  try {
    accountsResult = await loadAccounts(options.accounts, normaliser);
  } catch (error) {
    return fail(io, `cannot read --accounts ${options.accounts}: ${(error as Error).message}`);
  }
  if (accountsResult.kind === 'invalid') {
    io.stderr.write(`cdr rate: the accounts in ${options.accounts} are invalid:\n`);
    for (const e of accountsResult.errors.slice(0, 50))
      io.stderr.write(`${options.accounts}:${e.line}: ${e.message}\n`);
    if (accountsResult.errors.length > 50)
      io.stderr.write(`… and ${accountsResult.errors.length - 50} more\n`);
    return EXIT_USAGE;
  }

  let input: Readable;
  /** The input when it is a regular file (parallel workers read it directly). */
  let inputFile: { readonly handle: FileHandle; readonly size: number } | undefined;
  if (options.in === '-') {
    input = io.stdin;
  } else {
    try {
      const handle = await open(options.in, 'r');
      const info = await handle.stat();
      if (info.isFile()) inputFile = { handle, size: info.size };
      input = handle.createReadStream({ highWaterMark: 1 << 20 });
    } catch (error) {
      return fail(io, `cannot read --in ${options.in}: ${(error as Error).message}`);
    }
  }
  let out: OpenOutput;
  let rejectsOut: OpenOutput;
  try {
    out = await openOutput(options.out, io);
    rejectsOut = await openOutput(options.rejects, io);
  } catch (error) {
    input.destroy();
    return fail(io, `cannot write: ${(error as Error).message}`);
  }

  const run = new RatingRun(compiled.tariff, accountsResult.accounts, normaliser, options.dedupWindow);
  const output = new BatchedWriter(out.stream);
  const rejects = new BatchedWriter(rejectsOut.stream);
  const serialise = options.format === 'csv' ? ratedCsvLine : ratedJsonLine;
  const progress = io.stderr.isTTY === true && !options.quiet;
  let ratingStarted = performance.now();
  let lastProgress = ratingStarted;
  const reportProgress = (): void => {
    if (!progress) return;
    const now = performance.now();
    if (now - lastProgress >= 1000) {
      lastProgress = now;
      io.stderr.write(progressText(run.counts.read, now - ratingStarted));
    }
  };

  let pool: { run: ParallelRun; workers: Worker[] } | undefined;
  try {
    pool = await parallelWorkers();
  } catch (error) {
    input.destroy();
    await Promise.all([output.close(out.owned), rejects.close(rejectsOut.owned)]);
    return fail(io, `cannot start worker threads: ${(error as Error).message}`);
  }
  ratingStarted = performance.now();
  if (pool !== undefined) {
    try {
      // Workers write rated calls into a regular output file themselves, after the CSV header.
      let parallelOutput: ParallelOutput = { kind: 'stream', writer: output };
      if (out.file !== undefined) {
        const header = options.format === 'csv' ? RATED_CSV_HEADER : '';
        if (header !== '') await out.file.write(header, 0, 'utf8');
        parallelOutput = { kind: 'file', fd: out.file.fd, position: Buffer.byteLength(header) };
      } else if (options.format === 'csv') {
        output.write(RATED_CSV_HEADER);
      }
      const parallelInput: ParallelInput =
        inputFile === undefined ? { kind: 'stream', stream: input } : { kind: 'file', ...inputFile };
      await rateWithWorkers(
        pool.run,
        pool.workers,
        parallelInput,
        parallelOutput,
        rejects,
        run.counts,
        reportProgress,
      );
    } catch (error) {
      if (inputFile !== undefined) input.destroy();
      await Promise.all([output.close(out.owned), rejects.close(rejectsOut.owned)]);
      if (error instanceof UsageError) return fail(io, error.message);
      return fail(io, `rating --in ${options.in} failed: ${(error as Error).message}`);
    }
    // Workers read the file through its descriptor; the stream over it was never read.
    if (inputFile !== undefined) input.destroy();
    return finish(
      io,
      options,
      run,
      output,
      rejects,
      out,
      rejectsOut,
      started,
      ratingStarted,
      progress,
      pool.workers.length,
    );
  }
  if (options.format === 'csv') output.write(RATED_CSV_HEADER);
  const processor = new LineProcessor(
    run,
    inputFormatOf(options),
    serialise,
    undefined,
    `--in ${options.in}`,
  );
  const sink: RecordSink = {
    rated: (text) => output.write(text),
    rejected: (entry) => rejects.write(JSON.stringify(entry) + '\n'),
  };

  try {
    await readLines(input, (lines, first) => {
      processor.process(lines, first, sink);
      reportProgress();
      return Promise.all([output.drain(), rejects.drain()]).then(() => undefined);
    });
  } catch (error) {
    await Promise.all([output.close(out.owned), rejects.close(rejectsOut.owned)]);
    if (error instanceof UsageError) return fail(io, error.message);
    return fail(io, `cannot read --in ${options.in}: ${(error as Error).message}`);
  }
  return finish(io, options, run, output, rejects, out, rejectsOut, started, ratingStarted, progress, 1);
}

async function finish(
  io: CliIo,
  options: RateFilesOptions,
  run: RatingRun,
  output: BatchedWriter,
  rejects: BatchedWriter,
  out: { owned: boolean },
  rejectsOut: { owned: boolean },
  started: number,
  ratingStarted: number,
  progress: boolean,
  jobs: number,
): Promise<number> {
  await Promise.all([output.close(out.owned), rejects.close(rejectsOut.owned)]);
  const seconds = (performance.now() - ratingStarted) / 1000;
  if (progress) io.stderr.write('\r\x1b[K');
  if (!options.quiet) {
    io.stderr.write(
      summaryText({ ...run.counts, seconds }, (ratingStarted - started) / 1000, options.rejects, jobs),
    );
  }
  return run.counts.rejected > 0 ? EXIT_REJECTS : EXIT_OK;
}

/** The input format from `--in-format`, or from the file extension when `auto`. */
function inputFormatOf(options: RateFilesOptions): InputFormat {
  if (options.inFormat !== 'auto') return options.inFormat;
  if (/\.csv$/i.test(options.in)) return 'csv';
  if (/\.jsonl?$/i.test(options.in)) return 'jsonl';
  return 'auto';
}

function progressText(records: number, ms: number): string {
  const rate = Math.round(records / (ms / 1000));
  return `\rcdr rate: ${records.toLocaleString('en-US')} records, ${rate.toLocaleString('en-US')} CDR/s`;
}

function summaryText(summary: RateSummary, loadSeconds: number, rejectsPath: string, jobs: number): string {
  const n = (value: number): string => value.toLocaleString('en-US');
  const perSecond = summary.seconds > 0 ? Math.round(summary.read / summary.seconds) : 0;
  const lines = [
    `cdr rate: ${n(summary.read)} records in ${summary.seconds.toFixed(2)} s (${n(perSecond)} CDR/s${jobs > 1 ? ` with ${jobs} worker threads` : ''}; tables and accounts loaded in ${loadSeconds.toFixed(2)} s)`,
    `  rated       ${n(summary.rated)}`,
    `  duplicates  ${n(summary.duplicates)}`,
    `  rejected    ${n(summary.rejected)}${summary.rejected > 0 ? ` (see ${rejectsPath})` : ''}`,
  ];
  for (const code of REJECT_CODES) {
    const count = summary.rejectedByCode.get(code);
    if (count !== undefined) lines.push(`    ${code.padEnd(18)} ${n(count)}`);
  }
  return lines.join('\n') + '\n';
}
