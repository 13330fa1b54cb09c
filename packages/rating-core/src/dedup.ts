/**
 * Bounded memory of `cdr_id`s already rated, for duplicate detection within one run. Two generations
 * of up to `window` ids each: a repeat is always detected when fewer than `window` other ids were
 * remembered in between, and may be detected up to `2 × window` ids later. Memory is at most about
 * 2 × window × (id string + 24 bytes).
 */
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
  /** Pairs (hash, entry number + 1); 0 in the second cell = empty. Doubles while it fills. */
  index = new Int32Array(2 * 1024);
  mask = 1023;
  count = 0;
  /** Entry n's code units are `units[starts[n]] … units[starts[n + 1] - 1]`. */
  starts = new Int32Array(1025);
  units = new Uint16Array(16 * 1024);

  has(ids: Uint16Array, from: number, to: number, hash: number): boolean {
    const index = this.index;
    const mask = this.mask;
    const length = to - from;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const entry = index[2 * i + 1] as number;
      if (entry === 0) return false;
      if (index[2 * i] === hash) {
        const start = this.starts[entry - 1] as number;
        if ((this.starts[entry] as number) - start === length) {
          const units = this.units;
          let k = 0;
          while (k < length && units[start + k] === ids[from + k]) k++;
          if (k === length) return true;
        }
      }
    }
  }

  add(ids: Uint16Array, from: number, to: number, hash: number): void {
    const n = this.count;
    if (2 * (n + 1) > this.mask + 1) this.growIndex();
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
    this.place(hash, n + 1);
  }

  private place(hash: number, entry: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = hash & mask;
    while (index[2 * i + 1] !== 0) i = (i + 1) & mask;
    index[2 * i] = hash;
    index[2 * i + 1] = entry;
  }

  private growIndex(): void {
    const old = this.index;
    this.index = new Int32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let p = 0; p < old.length; p += 2) {
      const entry = old[p + 1] as number;
      if (entry !== 0) this.place(old[p] as number, entry);
    }
  }
}

/**
 * {@link DedupWindow} for ids given as UTF-16 code units in a typed array with their {@link hashString}
 * hash (for example sent by worker threads): the same answers for the same sequence of calls, without a
 * string per id. Two generations of up to `window` ids each.
 */
export class CodeUnitDedupWindow {
  private young = new UnitGeneration();
  private old: UnitGeneration | undefined;

  constructor(private readonly window: number = DEFAULT_DEDUP_WINDOW) {}

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
      this.young = new UnitGeneration();
    }
    this.young.add(ids, from, to, hash);
  }
}
