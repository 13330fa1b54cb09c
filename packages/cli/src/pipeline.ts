/**
 * Rating of one input record as `cdr rate` does it: decode → duplicate check → account → normalise →
 * rate. Holds the run's counters.
 */
import {
  decodeCdr,
  parseCsvLine,
  rate,
  type Account,
  type RatedCall,
  type RejectCode,
  type Tariff,
} from '@cdrate/rating-core';
import { normaliseCdr, type Normaliser } from '@cdrate/numbering';
import { UsageError } from './command.js';
import { DedupWindow } from '@cdrate/rating-core';
import type { RejectLine } from './io/formats.js';

/** What happened to one record. */
export type RecordOutcome =
  | { readonly kind: 'rated'; readonly call: RatedCall }
  | { readonly kind: 'duplicate'; readonly cdrId: string }
  | {
      readonly kind: 'rejected';
      readonly code: RejectCode;
      readonly message: string;
      readonly cdrId: string | undefined;
      /** True when the record decoded (so it had a `cdr_id` and went through the duplicate check). */
      readonly decoded: boolean;
    };

export interface RunCounts {
  read: number;
  rated: number;
  duplicates: number;
  rejected: number;
  readonly rejectedByCode: Map<RejectCode, number>;
}

export class RatingRun {
  readonly counts: RunCounts = { read: 0, rated: 0, duplicates: 0, rejected: 0, rejectedByCode: new Map() };
  private readonly seen: DedupWindow | undefined;

  /**
   * `dedupWindow` 0 turns the duplicate check off (parallel workers: the coordinator checks duplicates
   * in input order instead).
   */
  constructor(
    private readonly tariff: Tariff,
    private readonly accounts: ReadonlyMap<string, Account>,
    private readonly normaliser: Normaliser,
    dedupWindow?: number,
  ) {
    this.seen = dedupWindow === 0 ? undefined : new DedupWindow(dedupWindow);
  }

  /** Rates one record (a parsed JSON value or a CSV row keyed by header). */
  rateRecord(record: unknown): RecordOutcome {
    this.counts.read++;
    const decoded = decodeCdr(record);
    if (decoded.kind === 'rejected') {
      const id =
        typeof record === 'object' && record !== null
          ? (record as Record<string, unknown>)['cdr_id']
          : undefined;
      return this.rejected(
        decoded.code,
        decoded.message,
        typeof id === 'string' ? id : typeof id === 'number' ? String(id) : undefined,
        false,
      );
    }
    const cdr = decoded.cdr;
    if (this.seen?.has(cdr.cdrId) === true) {
      this.counts.duplicates++;
      return { kind: 'duplicate', cdrId: cdr.cdrId };
    }
    const account = this.accounts.get(cdr.accountId);
    if (account === undefined) {
      return this.rejected('UNKNOWN_ACCOUNT', `no account ${JSON.stringify(cdr.accountId)}`, cdr.cdrId, true);
    }
    const normalised = normaliseCdr(cdr, account, this.normaliser);
    if ('kind' in normalised) return this.rejected(normalised.code, normalised.message, cdr.cdrId, true);
    const result = rate(normalised, account, this.tariff);
    if (result.kind === 'rejected') return this.rejected(result.code, result.message, cdr.cdrId, true);
    this.seen?.add(cdr.cdrId);
    this.counts.rated++;
    return result;
  }

  /** Counts a record that could not even be parsed. */
  malformed(message: string): RecordOutcome {
    this.counts.read++;
    return this.rejected('MALFORMED_RECORD', message, undefined, false);
  }

  private rejected(
    code: RejectCode,
    message: string,
    cdrId: string | undefined,
    decoded: boolean,
  ): RecordOutcome {
    this.counts.rejected++;
    this.counts.rejectedByCode.set(code, (this.counts.rejectedByCode.get(code) ?? 0) + 1);
    return { kind: 'rejected', code, message, cdrId, decoded };
  }
}

/** Where {@link LineProcessor} puts its results. */
export interface RecordSink {
  /** A rated call, serialised (with its newline). */
  rated(text: string, cdrId: string): void;
  /** A rejects-file entry (its line is `JSON.stringify(entry)`); `decoded` as in {@link RecordOutcome}. */
  rejected(entry: RejectLine, cdrId: string | undefined, decoded: boolean, code: RejectCode): void;
}

/** Input formats; `auto` decides on the first non-blank line (`{` → jsonl, else csv). */
export type InputFormat = 'auto' | 'jsonl' | 'csv';

/** Turns input lines (JSON lines or CSV rows) into rated-call and reject lines. */
export class LineProcessor {
  constructor(
    private readonly run: RatingRun,
    private format: InputFormat,
    private readonly serialise: (call: RatedCall) => string,
    /** The CSV header when it was read elsewhere (parallel workers). */
    private header: readonly string[] | undefined = undefined,
    /** Names the input in errors. */
    private readonly inputName = 'input',
  ) {}

  /** The input format, once decided. */
  get inputFormat(): InputFormat {
    return this.format;
  }

  /**
   * Processes complete lines; `firstLine` is the 1-based line number of `lines[0]`. Throws
   * {@link UsageError} for an unreadable CSV header.
   */
  process(lines: readonly string[], firstLine: number, sink: RecordSink): void {
    const run = this.run;
    for (let i = 0; i < lines.length; i++) {
      const text = lines[i] as string;
      if (text.length === 0 || (text.charCodeAt(0) <= 32 && text.trim() === '')) continue;
      const line = firstLine + i;
      if (this.format === 'auto') this.format = text.trimStart().startsWith('{') ? 'jsonl' : 'csv';
      if (this.format === 'jsonl') {
        let record: unknown;
        try {
          record = JSON.parse(text);
        } catch {
          this.emit(run.malformed('line is not valid JSON'), line, text, sink);
          continue;
        }
        this.emit(run.rateRecord(record), line, record, sink);
      } else {
        const fields = parseCsvLine(text);
        if (this.header === undefined) {
          if (!Array.isArray(fields))
            throw new UsageError(`${this.inputName}:${line}: bad CSV header: ${fields.error}`);
          this.header = fields.map((f) => f.trim());
          continue;
        }
        const header = this.header;
        if (!Array.isArray(fields) || fields.length !== header.length) {
          const why = Array.isArray(fields)
            ? `CSV row has ${fields.length} fields, the header has ${header.length}`
            : `bad CSV row: ${fields.error}`;
          this.emit(run.malformed(why), line, text, sink);
          continue;
        }
        const record: Record<string, string> = {};
        for (let f = 0; f < header.length; f++) record[header[f] as string] = (fields[f] as string).trim();
        this.emit(run.rateRecord(record), line, record, sink);
      }
    }
  }

  private emit(outcome: RecordOutcome, line: number, record: unknown, sink: RecordSink): void {
    if (outcome.kind === 'rated') {
      sink.rated(this.serialise(outcome.call), outcome.call.cdr_id);
    } else if (outcome.kind === 'rejected') {
      const entry: RejectLine = {
        ...(outcome.cdrId === undefined ? {} : { cdr_id: outcome.cdrId }),
        error_code: outcome.code,
        error_message: outcome.message,
        line,
        record,
      };
      sink.rejected(entry, outcome.cdrId, outcome.decoded, outcome.code);
    }
  }
}
