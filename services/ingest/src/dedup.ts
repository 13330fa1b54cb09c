/**
 * Duplicate detection keys of ingest, `account_id` U+0000 `cdr_id`, kept as UTF-16 code units in typed
 * arrays rather than as strings: a window of a million ids as strings is a million old-generation objects
 * that every major GC marks and every lookup compares with a cache miss (docs/performance.md).
 */
import { CodeUnitDedupWindow } from '@cdrate/rating-core';

/** The keys of one batch, in order: key `i` is `units[starts[i] … starts[i + 1] − 1]` with hash `hashes[i]`. */
export class BatchKeys {
  units = new Uint16Array(16 * 1024);
  readonly starts: number[] = [0];
  readonly hashes: number[] = [];

  get count(): number {
    return this.hashes.length;
  }

  /** Appends the key of (`accountId`, `cdrId`); returns its index. */
  push(accountId: string, cdrId: string): number {
    const start = this.starts[this.starts.length - 1]!;
    const end = start + accountId.length + 1 + cdrId.length;
    if (end > this.units.length) {
      const units = new Uint16Array(Math.max(2 * this.units.length, end));
      units.set(this.units.subarray(0, start));
      this.units = units;
    }
    const units = this.units;
    // FNV-1a over the code units, as `hashString` of the key string would give.
    let h = 0x811c9dc5;
    let at = start;
    for (let i = 0; i < accountId.length; i++) {
      const unit = accountId.charCodeAt(i);
      units[at++] = unit;
      h = Math.imul(h ^ unit, 0x01000193);
    }
    units[at++] = 0;
    h = Math.imul(h, 0x01000193);
    for (let i = 0; i < cdrId.length; i++) {
      const unit = cdrId.charCodeAt(i);
      units[at++] = unit;
      h = Math.imul(h ^ unit, 0x01000193);
    }
    this.starts.push(end);
    this.hashes.push(h | 0);
    return this.hashes.length - 1;
  }

  /** Drops the last key (a duplicate). */
  pop(): void {
    this.starts.pop();
    this.hashes.pop();
  }

  /** Key `index` as a string (`account_id` U+0000 `cdr_id`), for tests and logs. */
  key(index: number): string {
    return String.fromCharCode(...this.units.subarray(this.starts[index], this.starts[index + 1]));
  }
}

/** Whether a key of a batch was seen before (the duplicate window, read-only for the transform). */
export interface SeenKeys {
  has(keys: BatchKeys, index: number): boolean;
}

/**
 * The ids ingest accepted recently: a repeat is detected when fewer than `window` other ids were accepted
 * in between, and may be up to `2 × window` ids later ({@link CodeUnitDedupWindow}).
 */
export class DuplicateWindow implements SeenKeys {
  readonly #ids: CodeUnitDedupWindow;

  constructor(window: number) {
    this.#ids = new CodeUnitDedupWindow(window, { presize: true });
  }

  has(keys: BatchKeys, index: number): boolean {
    return this.#ids.has(keys.units, keys.starts[index]!, keys.starts[index + 1]!, keys.hashes[index]!);
  }

  /** Remembers every key of `keys`. */
  addAll(keys: BatchKeys): void {
    for (let i = 0; i < keys.count; i++) {
      this.#ids.add(keys.units, keys.starts[i]!, keys.starts[i + 1]!, keys.hashes[i]!);
    }
  }
}
