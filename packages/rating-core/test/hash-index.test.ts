// HashIndex: the open-addressing index under StringTable and CodeUnitDedupWindow (internal to the core).
import { HashIndex } from '../src/hash-index.js';

/** Every entry number recorded under `hash`, in probe order. */
function entriesOf(index: HashIndex, hash: number): number[] {
  const found: number[] = [];
  for (let s = index.find(hash, index.start(hash)); s >= 0; s = index.find(hash, s + 1))
    found.push(index.entryAt(s));
  return found;
}

describe('HashIndex', () => {
  it('finds nothing in an empty index', () => {
    const index = new HashIndex(16);
    expect(index.find(0, index.start(0))).toBe(-1);
    expect(index.find(-7, index.start(-7))).toBe(-1);
  });

  it('finds every entry under its hash, all entries sharing a hash, and none under other hashes', () => {
    const index = new HashIndex(4);
    // Hashes chosen to collide in the low bits (same start slot) and to share whole values.
    const hashes = [5, 5 + 64, 5, -1, 0, 5 + 1024, -1, 0x7fffffff, -0x80000000, 5];
    hashes.forEach((hash, n) => index.add(hash, n + 1));
    for (const hash of new Set(hashes)) {
      const expected = hashes.flatMap((h, n) => (h === hash ? [n + 1] : []));
      expect(entriesOf(index, hash).sort((a, b) => a - b)).toEqual(expected);
    }
    expect(entriesOf(index, 6)).toEqual([]);
    expect(entriesOf(index, 5 + 2048)).toEqual([]);
  });

  it('doubles while more than half full and keeps every entry findable across growth', () => {
    const index = new HashIndex(2);
    let seed = 1;
    const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) | 0);
    const hashes: number[] = [];
    for (let n = 1; n <= 20_000; n++) {
      const hash = n % 7 === 0 ? (hashes[n % hashes.length] as number) : next();
      hashes.push(hash);
      index.add(hash, n);
      expect(index.slots).toBeGreaterThanOrEqual(2 * n);
      expect(index.slots).toBeLessThan(4 * n + 2);
    }
    hashes.forEach((hash, n) => expect(entriesOf(index, hash)).toContain(n + 1));
  });

  it('stops growing at its maximum size', () => {
    const index = new HashIndex(4, 16);
    for (let n = 1; n <= 12; n++) index.add(n * 3, n);
    expect(index.slots).toBe(16);
    for (let n = 1; n <= 12; n++) expect(entriesOf(index, n * 3)).toEqual([n]);
    expect(entriesOf(index, 1)).toEqual([]);
  });
});
