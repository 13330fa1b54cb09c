/**
 * Bounded memory of `cdr_id`s already rated, for duplicate detection within one run. Two generations
 * of up to `window` ids each: a repeat is always detected when fewer than `window` other ids were
 * remembered in between, and may be detected up to `2 × window` ids later. Memory is at most about
 * 2 × window × (id string + 24 bytes).
 */
import { HashIndex } from './hash-index.js';
import { StringTable } from './string-table.js';

export const DEFAULT_DEDUP_WINDOW = 2_000_000;

export class DedupWindow {
  private young: StringTable<true>;
  private old: StringTable<true> | undefined;

  constructor(private readonly window: number = DEFAULT_DEDUP_WINDOW) {
    this.young = new StringTable(window); // its index grows as it fills: small runs stay small
  }

  has(id: string): boolean {
    return this.young.get(id) !== undefined || (this.old !== undefined && this.old.get(id) !== undefined);
  }

  /** Remembers `id` (caller checked {@link has} first). */
  add(id: string): void {
    if (this.young.full) {
      this.old = this.young;
      this.young = new StringTable(this.window);
    }
    this.young.add(id, true);
  }
}

/** One generation of a {@link CodeUnitDedupWindow}: ids as UTF-16 code units in one growing array. */
class UnitGeneration {
  /** Entry n (numbered from 1) by hash; doubles while it fills. */
  private readonly index: HashIndex;
  count = 0;
  /** Entry n's code units are `units[starts[n - 1]] … units[starts[n] - 1]`. */
  private starts: Int32Array;
  private units = new Uint16Array(16 * 1024);

  /** `capacity`: entries to make room for at once (the index and `starts` then never grow below it). */
  constructor(capacity: number) {
    let slots = 1024;
    while (slots < 2 * capacity) slots *= 2;
    this.index = new HashIndex(slots);
    this.starts = new Int32Array(Math.max(capacity, 1024) + 1);
  }

  has(ids: Uint16Array, from: number, to: number, hash: number): boolean {
    const index = this.index;
    const length = to - from;
    for (let s = index.find(hash, index.start(hash)); s >= 0; s = index.find(hash, s + 1)) {
      const entry = index.entryAt(s);
      const start = this.starts[entry - 1] as number;
      if ((this.starts[entry] as number) - start === length) {
        const units = this.units;
        let k = 0;
        while (k < length && units[start + k] === ids[from + k]) k++;
        if (k === length) return true;
      }
    }
    return false;
  }

  add(ids: Uint16Array, from: number, to: number, hash: number): void {
    const n = this.count;
    if (n + 2 > this.starts.length) {
      const starts = new Int32Array(this.starts.length * 2);
      starts.set(this.starts);
      this.starts = starts;
    }
    const start = this.starts[n] as number;
    const end = start + (to - from);
    if (end > this.units.length) {
      const units = new Uint16Array(Math.max(this.units.length * 2, end));
      units.set(this.units.subarray(0, start));
      this.units = units;
    }
    const units = this.units;
    for (let k = 0; k < end - start; k++) units[start + k] = ids[from + k] as number;
    this.starts[n + 1] = end;
    this.count = n + 1;
    this.index.add(hash, n + 1);
  }
}

/**
 * {@link DedupWindow} for ids given as UTF-16 code units in a typed array with their {@link hashString}
 * hash (for example sent by worker threads): the same answers for the same sequence of calls, without a
 * string per id. Two generations of up to `window` ids each.
 */
export class CodeUnitDedupWindow {
  private young: UnitGeneration;
  private old: UnitGeneration | undefined;
  /** Entries a new generation makes room for at once. */
  private readonly capacity: number;

  /**
   * `presize`: each generation allocates its index for `window` ids up front (8 bytes per slot, two slots
   * per id, plus 4 bytes per id), instead of starting small and doubling, which rehashes every id it holds
   * on each doubling. For long-running windows that fill (measured: ~0.2 µs less per id added over a
   * million ids); small runs are better off growing.
   */
  constructor(
    private readonly window: number = DEFAULT_DEDUP_WINDOW,
    options: { readonly presize?: boolean } = {},
  ) {
    this.capacity = options.presize === true ? window : 0;
    this.young = new UnitGeneration(this.capacity);
  }

  /** Whether the id `ids[from … to - 1]` (hash `hash`) was added and not yet forgotten. */
  has(ids: Uint16Array, from: number, to: number, hash: number): boolean {
    return (
      this.young.has(ids, from, to, hash) || (this.old !== undefined && this.old.has(ids, from, to, hash))
    );
  }

  /** Remembers the id `ids[from … to - 1]` (caller checked {@link has} first). */
  add(ids: Uint16Array, from: number, to: number, hash: number): void {
    if (this.young.count >= this.window) {
      this.old = this.young;
      this.young = new UnitGeneration(this.capacity);
    }
    this.young.add(ids, from, to, hash);
  }
}
