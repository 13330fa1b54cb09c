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
    this.young = new StringTable(Math.min(window, 1 << 16));
  }

  has(id: string): boolean {
    return this.young.get(id) !== undefined || (this.old !== undefined && this.old.get(id) !== undefined);
  }

  /** Remembers `id` (caller checked {@link has} first). */
  add(id: string): void {
    if (this.young.full) {
      if (this.young.capacity < this.window) {
        // Grow the young generation until it reaches the window (keeps small runs small).
        const bigger = new StringTable<true>(Math.min(this.window, this.young.capacity * 4));
        this.young.forEachKey((key) => bigger.add(key, true));
        this.young = bigger;
      } else {
        this.old = this.young;
        this.young = new StringTable(this.window);
      }
    }
    this.young.add(id, true);
  }
}
