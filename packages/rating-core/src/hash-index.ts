/**
 * The index of an open-addressing hash table over a typed array, for tables that keep their keys and
 * values elsewhere (numbered entries 1, 2, …). A probe reads one cache line holding the 32-bit hash and
 * the entry number side by side, so only a hash match touches the key (measured: docs/performance.md).
 *
 * Internal to rating-core: used by `StringTable` (keys as strings) and `CodeUnitDedupWindow` (keys as
 * UTF-16 code units). Linear probing, at most half of the pairs in use, no deletion.
 *
 * A lookup walks the slots holding `hash` until an empty one:
 *
 *     for (let s = ix.find(h, ix.start(h)); s >= 0; s = ix.find(h, s + 1)) {
 *       const entry = ix.entryAt(s); // compare entry's key with the one looked for
 *     }
 */
export class HashIndex {
  /** Pairs (hash, entry number); entry number 0 = empty slot. */
  private pairs: Int32Array;
  /** Slots − 1 (slots are a power of two). */
  private mask: number;

  /**
   * `initialSlots` slots at first (a power of two ≥ 2); the index doubles while more than half of its
   * slots would be in use, but never beyond `maxSlots` (a power of two; the caller keeps the entries
   * below half of it, or probing would not end).
   */
  constructor(
    initialSlots: number,
    private readonly maxSlots: number = Number.POSITIVE_INFINITY,
  ) {
    this.pairs = new Int32Array(initialSlots * 2);
    this.mask = initialSlots - 1;
  }

  /** Slots the index has now. */
  get slots(): number {
    return this.mask + 1;
  }

  /** The slot where a probe for `hash` starts. */
  start(hash: number): number {
    return hash & this.mask;
  }

  /**
   * The first slot from `slot` on (wrapping around) that holds `hash`, or −1 when an empty slot comes
   * first (then no entry with that hash lies further on).
   */
  find(hash: number, slot: number): number {
    const pairs = this.pairs;
    const mask = this.mask;
    for (let i = slot & mask; ; i = (i + 1) & mask) {
      if (pairs[2 * i + 1] === 0) return -1;
      if (pairs[2 * i] === hash) return i;
    }
  }

  /** The entry number in a slot {@link find} returned. */
  entryAt(slot: number): number {
    return this.pairs[2 * slot + 1] as number;
  }

  /**
   * Records entry number `entry` (≥ 1) under `hash`, where `entry` is also the count of entries in the
   * index once it is added (entries are numbered 1, 2, … in the order they are added). Doubles the
   * index first when it would be more than half full and may still grow.
   */
  add(hash: number, entry: number): void {
    if (2 * entry > this.mask + 1 && this.mask + 1 < this.maxSlots) this.grow();
    this.place(hash, entry);
  }

  private place(hash: number, entry: number): void {
    const pairs = this.pairs;
    const mask = this.mask;
    let i = hash & mask;
    while (pairs[2 * i + 1] !== 0) i = (i + 1) & mask;
    pairs[2 * i] = hash;
    pairs[2 * i + 1] = entry;
  }

  /** Doubles the index; the stored hashes place every entry again without reading its key. */
  private grow(): void {
    const old = this.pairs;
    this.pairs = new Int32Array(old.length * 2);
    this.mask = old.length - 1;
    for (let p = 0; p < old.length; p += 2) {
      const entry = old[p + 1] as number;
      if (entry !== 0) this.place(old[p] as number, entry);
    }
  }
}
