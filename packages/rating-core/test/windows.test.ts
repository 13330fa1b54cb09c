// The bounded tables the core offers callers: a string-keyed table of fixed capacity, and the duplicate
// window that remembers recently rated cdr_ids (a resent CDR is billed once).
import { DedupWindow, StringTable } from '@cdrate/rating-core';

describe('StringTable', () => {
  it('finds what it holds and refuses to grow past its capacity', () => {
    const table = new StringTable<number>(100);
    for (let i = 0; i < 100; i++) expect(table.add(`key-${i}`, i)).toBe(true);
    expect(table.full).toBe(true);
    expect(table.add('one more', 1)).toBe(false);
    for (let i = 0; i < 100; i++) expect(table.get(`key-${i}`)).toBe(i);
    expect(table.get('key-100')).toBeUndefined();
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
