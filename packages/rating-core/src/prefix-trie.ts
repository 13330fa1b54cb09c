/**
 * Longest-prefix match over decimal digit strings with a flat digit trie: node `n`'s child for digit
 * `d` is `children[n * 10 + d]` (0 = none; node 0 is the root). Each node may carry a value slot.
 * Lookup walks the key once, with no allocation.
 */

/** Builds a {@link PrefixTrie}. Prefixes are 1–15 ASCII digits. */
export class PrefixTrieBuilder {
  private children = new Int32Array(10 * 64);
  private slots = new Int32Array(64).fill(-1);
  private nodeCount = 1;

  /** Returns the node of `prefix`, creating it; its value slot is read and set with {@link slotOf}. */
  node(prefix: string): number {
    let node = 0;
    for (let i = 0; i < prefix.length; i++) {
      const at = node * 10 + prefix.charCodeAt(i) - 48;
      let child = this.children[at] ?? 0;
      if (child === 0) {
        child = this.grow();
        this.children[at] = child;
      }
      node = child;
    }
    return node;
  }

  slotOf(node: number): number {
    return this.slots[node] ?? -1;
  }

  setSlot(node: number, slot: number): void {
    this.slots[node] = slot;
  }

  build(): PrefixTrie {
    return new PrefixTrie(this.children.slice(0, this.nodeCount * 10), this.slots.slice(0, this.nodeCount));
  }

  private grow(): number {
    const node = this.nodeCount++;
    if (this.nodeCount > this.slots.length) {
      const children = new Int32Array(this.children.length * 2);
      children.set(this.children);
      this.children = children;
      const slots = new Int32Array(this.slots.length * 2).fill(-1);
      slots.set(this.slots);
      this.slots = slots;
    }
    return node;
  }
}

/** Maximum length of an E.164 number in digits. */
export const MAX_PREFIX_DIGITS = 15;

/** An immutable digit trie; see {@link PrefixTrieBuilder}. */
export class PrefixTrie {
  constructor(
    private readonly children: Int32Array,
    private readonly slots: Int32Array,
  ) {}

  /**
   * Walks `key` from `offset` and writes the value slots of every prefix of it that has one into
   * `out`, shortest first. Returns how many were written (at most {@link MAX_PREFIX_DIGITS}).
   * Stops at the first non-digit.
   */
  matches(key: string, offset: number, out: Int32Array): number {
    const children = this.children;
    const slots = this.slots;
    let node = 0;
    let count = 0;
    for (let i = offset; i < key.length; i++) {
      const d = key.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      node = children[node * 10 + d] as number;
      if (node === 0) break;
      const slot = slots[node] as number;
      if (slot >= 0) out[count++] = slot;
    }
    return count;
  }

  /** Number of nodes (memory is 44 bytes per node). */
  get size(): number {
    return this.slots.length;
  }
}
