/**
 * Rating of one input record as `cdr rate` does it: decode → duplicate check → account → normalise →
 * rate. Holds the run's counters.
 */
import {
  decodeCdr,
  rate,
  type Account,
  type RatedCall,
  type RejectCode,
  type Tariff,
} from '@cdrate/rating-core';
import { normaliseCdr, type Normaliser } from '@cdrate/numbering';
import { DedupWindow } from './dedup.js';

/** What happened to one record. */
export type RecordOutcome =
  | { readonly kind: 'rated'; readonly call: RatedCall }
  | { readonly kind: 'duplicate'; readonly cdrId: string }
  | {
      readonly kind: 'rejected';
      readonly code: RejectCode;
      readonly message: string;
      readonly cdrId: string | undefined;
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
  private readonly seen: DedupWindow;

  constructor(
    private readonly tariff: Tariff,
    private readonly accounts: ReadonlyMap<string, Account>,
    private readonly normaliser: Normaliser,
    dedupWindow?: number,
  ) {
    this.seen = new DedupWindow(dedupWindow);
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
      return this.rejected(decoded.code, decoded.message, typeof id === 'string' ? id : undefined);
    }
    const cdr = decoded.cdr;
    if (this.seen.has(cdr.cdrId)) {
      this.counts.duplicates++;
      return { kind: 'duplicate', cdrId: cdr.cdrId };
    }
    const account = this.accounts.get(cdr.accountId);
    if (account === undefined) {
      return this.rejected('UNKNOWN_ACCOUNT', `no account ${JSON.stringify(cdr.accountId)}`, cdr.cdrId);
    }
    const normalised = normaliseCdr(cdr, account, this.normaliser);
    if ('kind' in normalised) return this.rejected(normalised.code, normalised.message, cdr.cdrId);
    const result = rate(normalised, account, this.tariff);
    if (result.kind === 'rejected') return this.rejected(result.code, result.message, cdr.cdrId);
    this.seen.add(cdr.cdrId);
    this.counts.rated++;
    return result;
  }

  /** Counts a record that could not even be parsed. */
  malformed(message: string): RecordOutcome {
    this.counts.read++;
    return this.rejected('MALFORMED_RECORD', message, undefined);
  }

  private rejected(code: RejectCode, message: string, cdrId: string | undefined): RecordOutcome {
    this.counts.rejected++;
    this.counts.rejectedByCode.set(code, (this.counts.rejectedByCode.get(code) ?? 0) + 1);
    return { kind: 'rejected', code, message, cdrId };
  }
}
