import { hashString } from '@cdrate/rating-core';
import { BatchKeys, DuplicateWindow } from '../src/dedup.js';

describe('BatchKeys', () => {
  it('keeps account_id U+0000 cdr_id as code units, hashed as hashString hashes the key string', () => {
    const keys = new BatchKeys();
    const ids: [string, string][] = [
      ['acct-1', 'c-1'],
      ['acct-\u00e9', 'c-\u2603-\ud83d\ude00'],
      ['', ''],
    ];
    for (const [account, cdr] of ids) keys.push(account, cdr);
    expect(keys.count).toBe(3);
    ids.forEach(([account, cdr], i) => {
      expect(keys.key(i)).toBe(`${account}\u0000${cdr}`);
      expect(keys.hashes[i]).toBe(hashString(`${account}\u0000${cdr}`));
    });
    keys.pop();
    expect(keys.count).toBe(2);
  });

  it('grows past its first buffer without losing earlier keys', () => {
    const keys = new BatchKeys();
    const long = 'x'.repeat(5000);
    for (let i = 0; i < 10; i++) keys.push(`acct-${i}`, `${long}-${i}`);
    expect(keys.units.length).toBeGreaterThan(16 * 1024);
    for (let i = 0; i < 10; i++) expect(keys.key(i)).toBe(`acct-${i}\u0000${long}-${i}`);
  });
});

describe('DuplicateWindow', () => {
  it('tells keys it holds from others, whatever batch they come in', () => {
    const window = new DuplicateWindow(100);
    const first = new BatchKeys();
    first.push('acct-1', 'c-1');
    first.push('acct-1', 'c-2');
    window.addAll(first);
    const second = new BatchKeys();
    second.push('acct-1', 'c-2');
    second.push('acct-2', 'c-1');
    second.push('acct-1', 'c-3');
    expect([0, 1, 2].map((i) => window.has(second, i))).toEqual([true, false, false]);
  });
});
