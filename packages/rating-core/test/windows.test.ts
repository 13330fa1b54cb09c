// The bounded tables the core offers callers: a string-keyed table of fixed capacity, and the duplicate
// window that remembers recently rated cdr_ids (a resent CDR is billed once).
import { CodeUnitDedupWindow, DedupWindow, hashString, StringTable } from '@cdrate/rating-core';

describe('StringTable', () => {
  it('finds what it holds and refuses to grow past its capacity', () => {
    const table = new StringTable<number>(100);
    for (let i = 0; i < 100; i++) expect(table.add(`key-${i}`, i)).toBe(true);
    expect(table.full).toBe(true);
    expect(table.add('one more', 1)).toBe(false);
    for (let i = 0; i < 100; i++) expect(table.get(`key-${i}`)).toBe(i);
    expect(table.get('key-100')).toBeUndefined();
  });

  it('grows its index as it fills and still finds every key up to its capacity', () => {
    const table = new StringTable<number>(30_000);
    for (let i = 0; i < 30_000; i++) {
      expect(table.get(`+4420${i}`)).toBeUndefined();
      expect(table.add(`+4420${i}`, i)).toBe(true);
    }
    expect(table.full).toBe(true);
    expect(table.add('+1', 1)).toBe(false);
    for (let i = 0; i < 30_000; i++) expect(table.get(`+4420${i}`)).toBe(i);
    const keys: string[] = [];
    table.forEachKey((key) => keys.push(key));
    expect(keys.slice(0, 3)).toEqual(['+44200', '+44201', '+44202']);
    expect(keys).toHaveLength(30_000);
  });
});

describe('DedupWindow', () => {
  it('remembers at least the last window ids', () => {
    const window = new DedupWindow(10);
    for (let i = 0; i < 25; i++) window.add(`id-${i}`);
    for (let i = 15; i < 25; i++) expect(window.has(`id-${i}`)).toBe(true);
    expect(window.has('id-0')).toBe(false);
    expect(window.has('never')).toBe(false);
  });
});

describe('CodeUnitDedupWindow', () => {
  const units = (id: string): Uint16Array => Uint16Array.from(id, (c) => c.charCodeAt(0));

  it('answers exactly as DedupWindow for the same calls, across generations', () => {
    // Growing or presized for the whole window: same answers.
    for (const [window, presize] of [
      [1, false],
      [3, true],
      [100, false],
      [100, true],
      [5000, true],
      [5000, false],
    ] as const) {
      const strings = new DedupWindow(window);
      const coded = new CodeUnitDedupWindow(window, { presize });
      let seed = window;
      const next = (): number => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
      for (let i = 0; i < 40_000; i++) {
        // Ids of many lengths (empty too), repeats near and far, lone surrogates and other non-ASCII.
        const n = next() % (window * 3 + 10);
        const id = n % 17 === 0 ? '' : n % 13 === 0 ? `\ud800${n}` : n % 11 === 0 ? `é${n}€` : `cdr-${n}`;
        const padded = 'xx' + id + 'yy';
        const all = units(padded);
        const expected = strings.has(id);
        expect(coded.has(all, 2, 2 + id.length, hashString(id))).toBe(expected);
        if (!expected && next() % 4 !== 0) {
          strings.add(id);
          coded.add(all, 2, 2 + id.length, hashString(id));
        }
      }
    }
  });

  it('tells apart ids that share a hash', () => {
    const window = new CodeUnitDedupWindow(10);
    const a = units('a');
    const b = units('b');
    window.add(a, 0, 1, 42);
    expect(window.has(a, 0, 1, 42)).toBe(true);
    expect(window.has(b, 0, 1, 42)).toBe(false);
    expect(window.has(units('aa'), 0, 2, 42)).toBe(false);
  });
});
