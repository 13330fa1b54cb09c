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

export class StringTable<V> {
  /** Pairs (hash, entry number + 1); entry number 0 in the second cell = empty. */
  private readonly index: Int32Array;
  /** Keys and values interleaved: key of entry n at 2n, value at 2n + 1. */
  private readonly entries: (string | V)[] = [];
  private readonly mask: number;
  private count = 0;

  /** Room for `capacity` keys (the index is a power of two ≥ 2 × capacity pairs). */
  constructor(readonly capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.index = new Int32Array(size * 2);
    this.mask = size - 1;
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
    const h = hashString(key);
    const index = this.index;
    const mask = this.mask;
    let i = h & mask;
    while (index[2 * i + 1] !== 0) i = (i + 1) & mask;
    this.entries.push(key, value);
    this.count++;
    index[2 * i] = h;
    index[2 * i + 1] = this.count;
    return true;
  }

  /** Calls `f` with every key, in insertion order. */
  forEachKey(f: (key: string) => void): void {
    for (let n = 0; n < this.entries.length; n += 2) f(this.entries[n] as string);
  }
}
