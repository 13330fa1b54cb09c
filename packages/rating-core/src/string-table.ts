/**
 * A string-keyed hash table with open addressing over a typed array. For large tables of short keys it
 * beats `Map`/`Set` (measured: docs/performance.md): a probe reads one cache line holding the 32-bit
 * hash and the entry index side by side, and only a hash match touches the key string.
 *
 * Bounded: it holds at most `capacity` keys; {@link StringTable.full} says when to rotate.
 * No deletion.
 */

/** FNV-1a over UTF-16 code units, 32 bits. */
export function hashString(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** Pairs of a new table's index (it doubles from there). */
const INITIAL_PAIRS = 1024;

export class StringTable<V> {
  /** Pairs (hash, entry number + 1); entry number 0 in the second cell = empty. */
  private index: Int32Array;
  /** Keys and values interleaved: key of entry n at 2n, value at 2n + 1. */
  private readonly entries: (string | V)[] = [];
  private mask: number;
  /** Pairs of the largest index: a power of two ≥ 2 × capacity. */
  private readonly maxPairs: number;
  private count = 0;

  /**
   * Room for `capacity` keys. The index starts small and doubles as the table fills (at most half of
   * its pairs in use), up to a power of two ≥ 2 × capacity pairs: a table holding far fewer keys than it
   * may stays small enough for the CPU caches (a number cache of capacity 200,000 holding 20,000
   * numbers probes 0.5 MB instead of 4 MB).
   */
  constructor(readonly capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.maxPairs = size;
    const initial = Math.min(size, INITIAL_PAIRS);
    this.index = new Int32Array(initial * 2);
    this.mask = initial - 1;
  }

  get size(): number {
    return this.count;
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  get(key: string): V | undefined {
    const h = hashString(key);
    const index = this.index;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const entry = index[2 * i + 1] as number;
      if (entry === 0) return undefined;
      if (index[2 * i] === h) {
        const at = 2 * (entry - 1);
        if (this.entries[at] === key) return this.entries[at + 1] as V;
      }
    }
  }

  /** Adds `key` (which must not be present) unless the table is {@link full}; returns whether it did. */
  add(key: string, value: V): boolean {
    if (this.count >= this.capacity) return false;
    if (2 * (this.count + 1) > this.mask + 1 && this.mask + 1 < this.maxPairs) this.grow();
    this.entries.push(key, value);
    this.count++;
    this.place(hashString(key), this.count);
    return true;
  }

  /** Calls `f` with every key, in insertion order. */
  forEachKey(f: (key: string) => void): void {
    for (let n = 0; n < this.entries.length; n += 2) f(this.entries[n] as string);
  }

  private place(h: number, entry: number): void {
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    while (index[2 * i + 1] !== 0) i = (i + 1) & mask;
    index[2 * i] = h;
    index[2 * i + 1] = entry;
  }

  /** Doubles the index; the stored hashes place every entry again without hashing its key. */
  private grow(): void {
    const old = this.index;
    this.index = new Int32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let p = 0; p < old.length; p += 2) {
      const entry = old[p + 1] as number;
      if (entry !== 0) this.place(old[p] as number, entry);
    }
  }
}
