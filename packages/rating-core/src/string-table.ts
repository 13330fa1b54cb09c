/**
 * A string-keyed hash table with open addressing over a typed array. For large tables of short keys it
 * beats `Map`/`Set` (measured: docs/performance.md): a probe reads one cache line holding the 32-bit
 * hash and the entry index side by side, and only a hash match touches the key string.
 *
 * Bounded: it holds at most `capacity` keys; {@link StringTable.full} says when to rotate.
 * No deletion.
 */
import { HashIndex } from './hash-index.js';

/** FNV-1a over UTF-16 code units, 32 bits. */
export function hashString(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  return h | 0;
}

/** Slots of a new table's index (it doubles from there). */
const INITIAL_SLOTS = 1024;

export class StringTable<V> {
  private readonly index: HashIndex;
  /** Keys and values interleaved: key of entry n (numbered from 1) at 2(n − 1), value at 2(n − 1) + 1. */
  private readonly entries: (string | V)[] = [];
  private count = 0;

  /**
   * Room for `capacity` keys. The index starts small and doubles as the table fills (at most half of
   * its slots in use), up to a power of two ≥ 2 × capacity slots: a table holding far fewer keys than it
   * may stays small enough for the CPU caches (a number cache of capacity 200,000 holding 20,000
   * numbers probes 0.5 MB instead of 4 MB).
   */
  constructor(readonly capacity: number) {
    let size = 16;
    while (size < capacity * 2) size *= 2;
    this.index = new HashIndex(Math.min(size, INITIAL_SLOTS), size);
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
    for (let s = index.find(h, index.start(h)); s >= 0; s = index.find(h, s + 1)) {
      const at = 2 * (index.entryAt(s) - 1);
      if (this.entries[at] === key) return this.entries[at + 1] as V;
    }
    return undefined;
  }

  /** Adds `key` (which must not be present) unless the table is {@link full}; returns whether it did. */
  add(key: string, value: V): boolean {
    if (this.count >= this.capacity) return false;
    this.entries.push(key, value);
    this.count++;
    this.index.add(hashString(key), this.count);
    return true;
  }

  /** Calls `f` with every key, in insertion order. */
  forEachKey(f: (key: string) => void): void {
    for (let n = 0; n < this.entries.length; n += 2) f(this.entries[n] as string);
  }
}
