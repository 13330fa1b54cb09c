/**
 * Bounded memory of `cdr_id`s already rated, for duplicate detection within one run. Two generations
 * of up to `window` ids each: a repeat is always detected when fewer than `window` other ids were
 * remembered in between, and may be detected up to `2 × window` ids later. Memory is about
 * 2 × window × 80 bytes at most.
 */
export const DEFAULT_DEDUP_WINDOW = 2_000_000;

export class DedupWindow {
  private young = new Set<string>();
  private old = new Set<string>();

  constructor(private readonly window: number = DEFAULT_DEDUP_WINDOW) {}

  has(id: string): boolean {
    return this.young.has(id) || this.old.has(id);
  }

  /** Remembers `id` (caller checked {@link has} first). */
  add(id: string): void {
    if (this.young.size >= this.window) {
      this.old = this.young;
      this.young = new Set();
    }
    this.young.add(id);
  }
}
