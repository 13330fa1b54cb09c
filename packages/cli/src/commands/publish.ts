/**
 * `cdr publish`: plays a switch. Sends every CDR line of a file to the raw topic, as JSON bytes exactly as
 * read (the default) or as Avro RawCdr records, batched, optionally throttled to a rate.
 */
import { parseArgs } from 'node:util';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { parseCsvLine } from '@cdrate/rating-core';
import type { OutgoingMessage } from '@cdrate/kafka';
import type { Direction, Disposition, RawCdr } from '@cdrate/schemas';
import { EXIT_OK, EXIT_REJECTS, EXIT_USAGE, UsageError, type CliIo, type Command } from '../command.js';
import {
  brokersOption,
  count,
  defineCommand,
  DEFAULT_PARTITIONS,
  KAFKA_HELP,
  KAFKA_OPTIONS,
  kafkaLogSink,
  usageErrors,
  positiveIntegerOption,
  Progress,
  sleep,
  topicOption,
  type CommandEnv,
} from './shared.js';

const LABEL = 'cdr publish';
/** Default messages per send. */
export const DEFAULT_PUBLISH_BATCH = 5000;
/**
 * Most bytes of message values per send. Kafka refuses a record batch (one per partition per send) over
 * the topic's `max.message.bytes` (1 MiB by default); staying under it even when every message has the
 * same key keeps a send from failing whole.
 */
export const MAX_SEND_BYTES = 900 * 1024;
/** A single line over this is not sent (the broker would refuse the whole send); it is reported. */
export const MAX_LINE_BYTES = MAX_SEND_BYTES;

const HELP = `cdr publish — send CDRs to the raw topic as a switch would

Usage:
  cdr publish --file <file|-> [--format json|avro] [--in-format auto|jsonl|csv] [--rate <n>]
              [--batch <n>] [--topic <topic>] [--brokers <list>] [--partitions <n>] [--quiet]

Every non-blank line is one message on the raw topic (ingest's input):

  --format json (default)  JSON lines are sent byte for byte as read — malformed ones too, so that they
                           reach the dead-letter topic with their original bytes, as from a real switch —
                           with content-type: application/json. CSV rows (header line first) are sent as
                           a JSON object of the row (header names as keys, empty fields left out); a row
                           that cannot be split into the header's fields is sent as its raw line.
  --format avro            Each record that forms a valid Avro RawCdr is sent framed Avro
                           (content-type: avro/binary); a line that does not (not JSON, a required field
                           missing, an unknown direction or disposition, a duration that is not a number)
                           is sent as JSON bytes unchanged, as above, and counted.

The key is the record's account_id when it can be read cheaply (a plain string or integer after
"account_id" in a JSON line, the account_id column of a CSV row), else none: ingest re-keys by account_id
anyway. Messages are sent in batches (idempotent producer, acks=all); a trailing \\r is not part of a line.

Options:
  --file <file|->       CDRs, JSON lines or CSV with a header row ("-" = standard input).
  --format <f>          json (default) or avro, see above.
  --in-format <f>       auto (default: .csv → csv, .jsonl/.json → jsonl, else "{" at the start of the
                        first line means jsonl), jsonl or csv.
  --rate <n>            At most <n> messages per second (default: as fast as Kafka takes them).
  --batch <n>           Messages per send (default ${DEFAULT_PUBLISH_BATCH}; a send also stops at ${MAX_SEND_BYTES / 1024} KiB).
  --topic <topic>       Raw topic (default: $TOPIC_RAW, else cdr.raw). Created when missing, as ingest
                        creates it (--partitions partitions).
  --partitions <n>      Partitions of the topic if this command creates it (default: $TOPIC_PARTITIONS,
                        else ${DEFAULT_PARTITIONS}).
${KAFKA_HELP}
  --quiet               No summary on standard error.
  -h, --help            This help.

Progress is shown on standard error while it runs when that is a terminal; the summary
"sent N CDRs in X s (Y/s)" is printed there at the end.

Exit codes:
  0  every line was sent
  3  some lines were not sent: longer than ${MAX_LINE_BYTES / 1024} KiB (printed as file:line)
  2  usage error or unreadable file
  1  Kafka failed (unreachable, refused): the lines before the failing send were sent

Examples:
  pnpm --silent cdr publish --file cdrs.jsonl
  pnpm --silent cdr publish --file cdrs.csv --format avro --rate 500
  cdr generate --out-dir /tmp/demo && cdr publish --file /tmp/demo/cdrs.jsonl --topic cdr.raw
`;

/** Options of {@link publishFile}. */
export interface PublishOptions {
  readonly file: string;
  readonly format: 'json' | 'avro';
  readonly inFormat: 'auto' | 'jsonl' | 'csv';
  /** Messages per second, or `undefined` for no limit. */
  readonly rate: number | undefined;
  readonly batch: number;
  readonly topic: string;
  readonly brokers: readonly string[];
  readonly partitions: number;
  readonly quiet: boolean;
}

/** Counters of a finished run. */
export interface PublishSummary {
  readonly sent: number;
  readonly avro: number;
  /** Lines sent as JSON under `--format avro` because they are not a valid RawCdr. */
  readonly notAvro: number;
  readonly blank: number;
  readonly tooLarge: number;
  readonly seconds: number;
}

/** Parses the arguments of `cdr publish`. @throws UsageError */
export function parsePublishArgs(args: readonly string[], env: CommandEnv): PublishOptions | 'help' {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        file: { type: 'string' },
        format: { type: 'string' },
        'in-format': { type: 'string' },
        rate: { type: 'string' },
        batch: { type: 'string' },
        topic: { type: 'string' },
        partitions: { type: 'string' },
        ...KAFKA_OPTIONS,
        quiet: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) return 'help';
  if (values.file === undefined || values.file === '') throw new UsageError('missing --file');
  const format = values.format ?? 'json';
  if (format !== 'json' && format !== 'avro')
    throw new UsageError(`--format must be json or avro, got "${format}"`);
  const inFormat = values['in-format'] ?? 'auto';
  if (inFormat !== 'auto' && inFormat !== 'jsonl' && inFormat !== 'csv')
    throw new UsageError(`--in-format must be auto, jsonl or csv, got "${inFormat}"`);
  let rate: number | undefined;
  if (values.rate !== undefined) {
    rate = Number(values.rate);
    if (!/^[0-9]+(\.[0-9]+)?$/.test(values.rate) || !(rate > 0))
      throw new UsageError(`--rate must be a positive number of messages per second, got "${values.rate}"`);
  }
  return {
    file: values.file,
    format,
    inFormat,
    rate,
    batch: positiveIntegerOption(values.batch, 'batch', DEFAULT_PUBLISH_BATCH),
    topic: topicOption(values.topic, env, 'TOPIC_RAW', 'cdr.raw'),
    brokers: brokersOption(values.brokers, env),
    partitions: positiveIntegerOption(
      values.partitions ?? env['TOPIC_PARTITIONS'],
      'partitions',
      DEFAULT_PARTITIONS,
    ),
    quiet: values.quiet === true,
  };
}

const ACCOUNT_ID_NEEDLE = Buffer.from('"account_id"');

/**
 * Where the first `"account_id"` starts in `line`, or -1. A plain loop: `Buffer#indexOf` costs more in its
 * call than in its search for the few dozen bytes into a line where the field usually is (~0.1 vs ~0.05 µs).
 */
function indexOfAccountId(line: Buffer): number {
  const needle = ACCOUNT_ID_NEEDLE;
  const last = line.length - needle.length;
  for (let i = 0; i <= last; i++) {
    if (line[i] !== 0x22 /* " */ || line[i + 1] !== 0x61 /* a */) continue;
    let j = 2;
    while (j < needle.length && line[i + j] === needle[j]) j++;
    if (j === needle.length) return i;
  }
  return -1;
}

function isJsonSpace(byte: number | undefined): boolean {
  return byte === 0x20 || byte === 0x09 || byte === 0x0d || byte === 0x0a;
}

/**
 * The `account_id` of a JSON line, read cheaply without parsing: the first `"account_id"` followed by
 * `:` and a string without escapes or an integer. `null` when it is not found that way (the message
 * then has no key; ingest re-keys by `account_id`). The result shares memory with `line`.
 */
export function accountIdKey(line: Buffer): Buffer | null {
  const at = indexOfAccountId(line);
  if (at < 0) return null;
  let i = at + ACCOUNT_ID_NEEDLE.length;
  while (isJsonSpace(line[i])) i++;
  if (line[i] !== 0x3a /* : */) return null;
  i++;
  while (isJsonSpace(line[i])) i++;
  const first = line[i];
  if (first === 0x22 /* " */) {
    const start = i + 1;
    let end = start;
    for (; end < line.length; end++) {
      const c = line[end];
      if (c === 0x22) break;
      if (c === 0x5c /* \ */) return null;
    }
    if (end >= line.length || end === start) return null;
    return line.subarray(start, end);
  }
  if (first !== undefined && first >= 0x30 && first <= 0x39) {
    let end = i;
    while (end < line.length && (line[end] as number) >= 0x30 && (line[end] as number) <= 0x39) end++;
    const next = line[end];
    if (next === 0x2e || next === 0x65 || next === 0x45) return null; // a fraction or exponent: not an id
    return line.subarray(i, end);
  }
  return null;
}

const DIRECTIONS: ReadonlySet<string> = new Set<Direction>(['outbound', 'inbound', 'internal']);
const DISPOSITIONS: ReadonlySet<string> = new Set<Disposition>(['answered', 'no_answer', 'busy', 'failed']);

function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

function absent(value: unknown): boolean {
  return value === undefined || value === null || value === '';
}

/**
 * A parsed CDR record (JSON object or CSV row keyed by header) as an Avro `RawCdr`, or `undefined` when
 * it cannot be one: a required field missing or not text, a direction or disposition outside the enum,
 * a duration that is not a finite number. Absent `disposition` is `answered` (the schema's default and
 * ingest's); absent `direction` and `duration_sec` are `null`. Nothing else is checked (that is ingest's
 * job, with the same rules for either format).
 */
export function toRawCdr(record: unknown): RawCdr | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return undefined;
  const r = record as Record<string, unknown>;
  const cdrId = idText(r['cdr_id']);
  const accountId = idText(r['account_id']);
  const source = idText(r['source']);
  const destination = idText(r['destination']);
  const start = r['start_time'];
  const end = r['end_time'];
  if (
    cdrId === undefined ||
    accountId === undefined ||
    source === undefined ||
    destination === undefined ||
    typeof start !== 'string' ||
    start === '' ||
    typeof end !== 'string' ||
    end === ''
  ) {
    return undefined;
  }
  const directionValue = r['direction'];
  let direction: Direction | null = null;
  if (!absent(directionValue)) {
    if (typeof directionValue !== 'string' || !DIRECTIONS.has(directionValue)) return undefined;
    direction = directionValue as Direction;
  }
  const dispositionValue = r['disposition'];
  let disposition: Disposition = 'answered';
  if (!absent(dispositionValue)) {
    if (typeof dispositionValue !== 'string' || !DISPOSITIONS.has(dispositionValue)) return undefined;
    disposition = dispositionValue as Disposition;
  }
  const durationValue = r['duration_sec'];
  let duration: number | null = null;
  if (!absent(durationValue)) {
    if (typeof durationValue === 'number') duration = durationValue;
    else if (typeof durationValue === 'string' && durationValue.trim() !== '')
      duration = Number(durationValue);
    else return undefined;
    if (!Number.isFinite(duration)) return undefined;
  }
  return {
    cdr_id: cdrId,
    account_id: accountId,
    direction,
    source,
    destination,
    start_time: start,
    end_time: end,
    duration_sec: duration,
    disposition,
  };
}

/** A CSV row as the JSON object `cdr publish` sends: header names as keys, empty fields left out. */
export function csvRowObject(header: readonly string[], fields: readonly string[]): Record<string, string> {
  const row: Record<string, string> = {};
  header.forEach((name, i) => {
    const value = fields[i];
    if (value !== undefined && value !== '') row[name] = value;
  });
  return row;
}

/**
 * Splits a byte stream into lines (`\n`, a trailing `\r` dropped) without decoding them, so that every
 * line's bytes are sent exactly as read, valid UTF-8 or not. `onLine` gets each line with its 1-based
 * number and may return a promise, awaited before the next line (back-pressure into the send loop).
 */
export async function forEachLine(
  input: Readable,
  onLine: (line: Buffer, lineNumber: number) => void | Promise<void>,
): Promise<void> {
  let carry: Buffer | undefined;
  let lineNumber = 0;
  for await (const data of input as AsyncIterable<Buffer | string>) {
    const chunk = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      let line = chunk.subarray(start, nl);
      if (carry !== undefined) {
        line = Buffer.concat([carry, line]);
        carry = undefined;
      }
      if (line.length > 0 && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      lineNumber++;
      const pending = onLine(line, lineNumber);
      if (pending !== undefined) await pending;
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      carry = carry === undefined ? Buffer.from(rest) : Buffer.concat([carry, rest]);
    }
  }
  if (carry !== undefined && carry.length > 0) {
    let line = carry;
    if (line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
    const pending = onLine(line, lineNumber + 1);
    if (pending !== undefined) await pending;
  }
}

function isBlank(line: Buffer): boolean {
  for (const byte of line) if (!isJsonSpace(byte)) return false;
  return true;
}

/**
 * Runs `cdr publish`. Resolves to the exit code; Kafka failures reject with an `InfraError` (the lines
 * of earlier, acknowledged sends are on the topic).
 */
export async function publishFile(options: PublishOptions, io: CliIo): Promise<number> {
  let input: Readable;
  if (options.file === '-') {
    input = io.stdin;
  } else {
    try {
      input = (await open(options.file, 'r')).createReadStream({ highWaterMark: 1 << 20 });
    } catch (error) {
      io.stderr.write(`${LABEL}: cannot read --file ${options.file}: ${(error as Error).message}\n`);
      return EXIT_USAGE;
    }
  }
  const [{ createKafka }, schemas] = await Promise.all([import('@cdrate/kafka'), import('@cdrate/schemas')]);
  const jsonHeaders = { [schemas.CONTENT_TYPE_HEADER]: schemas.CONTENT_TYPE_JSON };
  const avroHeaders = { [schemas.CONTENT_TYPE_HEADER]: schemas.CONTENT_TYPE_AVRO };

  const kafka = createKafka({
    brokers: [...options.brokers],
    clientId: 'cdrate-cli-publish',
    logger: kafkaLogSink(io, LABEL),
    logLevel: 'error',
  });
  try {
    const admin = await kafka.connectAdmin();
    try {
      const ensured = await admin.ensureTopics([{ topic: options.topic, partitions: options.partitions }]);
      if (ensured.created.length > 0)
        io.stderr.write(`${LABEL}: created topic ${options.topic} (${options.partitions} partitions)\n`);
    } finally {
      await admin.disconnect();
    }
  } catch (error) {
    input.destroy();
    throw error;
  }
  const producer = await kafka.connectProducer().catch((error: unknown) => {
    input.destroy();
    throw error;
  });

  const label = options.file === '-' ? 'stdin' : options.file;
  const progress = new Progress(io.stderr);
  const batchLimit =
    options.rate === undefined
      ? options.batch
      : Math.min(options.batch, Math.max(1, Math.floor(options.rate / 10)));
  let format: 'jsonl' | 'csv' | 'auto' =
    options.inFormat !== 'auto'
      ? options.inFormat
      : /\.csv$/i.test(options.file)
        ? 'csv'
        : /\.jsonl?$/i.test(options.file)
          ? 'jsonl'
          : 'auto';
  let header: string[] | undefined;
  let batch: OutgoingMessage[] = [];
  let batchBytes = 0;
  let queued = 0;
  let sent = 0;
  let avro = 0;
  let notAvro = 0;
  let blank = 0;
  let tooLarge = 0;
  let inflight: Promise<void> | undefined;
  let failure: Error | undefined;
  let started = performance.now();
  let first = true;

  const awaitInflight = async (): Promise<void> => {
    if (inflight !== undefined) await inflight;
    inflight = undefined;
    if (failure !== undefined) throw failure;
  };
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const messages = batch;
    batch = [];
    batchBytes = 0;
    await awaitInflight();
    if (options.rate !== undefined) {
      const due = started + (queued / options.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
    queued += messages.length;
    inflight = producer.send(options.topic, messages).then(
      () => {
        sent += messages.length;
        progress.tick(() => progressText(sent, performance.now() - started));
      },
      (error: unknown) => {
        failure = error instanceof Error ? error : new Error(String(error));
      },
    );
  };
  const push = (message: OutgoingMessage, bytes: number): Promise<void> | undefined => {
    if (batch.length > 0 && batchBytes + bytes > MAX_SEND_BYTES) {
      const flushed = flush();
      batch.push(message);
      batchBytes += bytes;
      return flushed;
    }
    batch.push(message);
    batchBytes += bytes;
    return batch.length >= batchLimit ? flush() : undefined;
  };
  const asJson = (line: Buffer, key: Buffer | string | null): Promise<void> | undefined =>
    push({ key, value: line, headers: jsonHeaders }, line.length);

  const onLine = (line: Buffer, lineNumber: number): Promise<void> | undefined => {
    if (isBlank(line)) {
      blank++;
      return undefined;
    }
    if (first) {
      first = false;
      started = performance.now();
      if (format === 'auto') format = line[0] === 0x7b /* { */ ? 'jsonl' : 'csv';
      if (format === 'csv') {
        const fields = parseCsvLine(line.toString('utf8'));
        if (!Array.isArray(fields))
          throw new UsageError(`${label}:${lineNumber}: bad CSV header: ${fields.error}`);
        header = fields;
        return undefined;
      }
    }
    if (line.length > MAX_LINE_BYTES) {
      tooLarge++;
      if (tooLarge <= 20)
        io.stderr.write(
          `${label}:${lineNumber}: ${count(line.length)} bytes, over ${MAX_LINE_BYTES / 1024} KiB: not sent\n`,
        );
      return undefined;
    }
    if (header !== undefined) {
      const fields = parseCsvLine(line.toString('utf8'));
      if (!Array.isArray(fields) || fields.length !== header.length) {
        if (options.format === 'avro') notAvro++;
        return asJson(line, null);
      }
      const row = csvRowObject(header, fields);
      const key = row['account_id'] ?? null;
      if (options.format === 'avro') {
        const cdr = toRawCdr(row);
        if (cdr !== undefined) {
          avro++;
          const value = schemas.encodeRawCdr(cdr);
          return push({ key: cdr.account_id, value, headers: avroHeaders }, value.length);
        }
        notAvro++;
      }
      return asJson(Buffer.from(JSON.stringify(row), 'utf8'), key);
    }
    if (options.format === 'avro') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line.toString('utf8'));
      } catch {
        parsed = undefined;
      }
      const cdr = toRawCdr(parsed);
      if (cdr !== undefined) {
        avro++;
        const value = schemas.encodeRawCdr(cdr);
        return push({ key: cdr.account_id, value, headers: avroHeaders }, value.length);
      }
      notAvro++;
    }
    return asJson(line, accountIdKey(line));
  };

  try {
    await forEachLine(input, onLine);
    await flush();
    await awaitInflight();
  } catch (error) {
    input.destroy();
    await inflight;
    await producer.disconnect().catch(() => undefined);
    progress.clear();
    if (error instanceof UsageError) {
      io.stderr.write(`${LABEL}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    if (!(
      error instanceof Error &&
      'code' in error &&
      (error as NodeJS.ErrnoException).syscall !== undefined
    ))
      throw error;
    io.stderr.write(`${LABEL}: cannot read --file ${options.file}: ${error.message}\n`);
    return EXIT_USAGE;
  }
  await producer.disconnect();
  progress.clear();
  const summary: PublishSummary = {
    sent,
    avro,
    notAvro,
    blank,
    tooLarge,
    seconds: sent === 0 ? 0 : (performance.now() - started) / 1000,
  };
  if (!options.quiet) io.stderr.write(summaryText(summary, options));
  return tooLarge > 0 ? EXIT_REJECTS : EXIT_OK;
}

function progressText(sent: number, ms: number): string {
  return `${LABEL}: ${count(sent)} sent, ${count(Math.round(sent / (ms / 1000)))}/s`;
}

/** The summary lines printed at the end (standard error). */
export function summaryText(
  summary: PublishSummary,
  options: Pick<PublishOptions, 'topic' | 'format'>,
): string {
  const perSecond = summary.seconds > 0 ? Math.round(summary.sent / summary.seconds) : 0;
  const lines = [
    `${LABEL}: sent ${count(summary.sent)} CDRs in ${summary.seconds.toFixed(2)} s (${count(perSecond)}/s) to ${options.topic}`,
  ];
  if (options.format === 'avro')
    lines.push(`  as Avro ${count(summary.avro)}, as JSON ${count(summary.notAvro)} (not a valid RawCdr)`);
  if (summary.blank > 0) lines.push(`  blank lines skipped ${count(summary.blank)}`);
  if (summary.tooLarge > 0) lines.push(`  not sent, too large ${count(summary.tooLarge)}`);
  return lines.join('\n') + '\n';
}

/** `cdr publish`, with defaults from `env` (`KAFKA_BROKERS`, `TOPIC_RAW`, `TOPIC_PARTITIONS`). */
export function publishCommand(env: CommandEnv): Command {
  return defineCommand({
    name: ['publish'],
    summary: 'send CDRs from a file to the raw topic as a switch would (JSON bytes as-is, or Avro)',
    help: HELP,
    parse: (args) => parsePublishArgs(args, env),
    execute: publishFile,
  });
}
