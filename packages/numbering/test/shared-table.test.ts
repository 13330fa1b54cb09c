// Valid numbers shared between normalisers (worker threads of `cdr rate --jobs N`): the answers are those
// of a normaliser on its own, and a number parsed by one is not parsed again by another.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createNormaliser, normaliseNumber, SharedNumberTable } from '@cdrate/numbering';
import type { PartyNumber } from '@cdrate/rating-core';

const forms = (e164: string): string[] => {
  const digits = e164.slice(1);
  return [e164, digits, '00' + digits, '011' + digits, '0021' + digits, digits.slice(1), digits.slice(2)];
};
const numbers = [
  '+12125550123',
  '+14162345678',
  '+17872345678',
  '+18005550199',
  '+19005551234',
  '+442079460958',
  '+447400123456',
  '+5511987654321',
  '+551133334444',
  '+558001234567',
  '+4930123456',
  '+33142685300',
  '+61212345678',
  '+819012345678',
  '+999123',
];
const countries = ['US', 'CA', 'GB', 'BR', 'DE'];

describe('SharedNumberTable', () => {
  it('finds what any normaliser added, and nothing else', () => {
    const table = SharedNumberTable.create(100);
    const reader = new SharedNumberTable(table.buffer);
    const party: PartyNumber = { kind: 'e164', e164: '+442079460958', country: 'GB', type: 'fixed' };
    expect(reader.get('+442079460958')).toBeUndefined();
    table.add(party);
    table.add(party);
    expect(reader.get('+442079460958')).toEqual(party);
    expect(reader.get('+442079460959')).toBeUndefined();
    expect(reader.get('+44207946095')).toBeUndefined();
    // Not valid, only possible: not shared.
    table.add({ kind: 'e164', e164: '+999123', country: 'XX', type: 'unknown' });
    expect(reader.get('+999123')).toBeUndefined();
  });

  it('stops adding when full and still finds what it holds', () => {
    const table = SharedNumberTable.create(10);
    const added: PartyNumber[] = [];
    for (let i = 0; i < 5000; i++) {
      const party: PartyNumber = {
        kind: 'e164',
        e164: `+1212555${String(i).padStart(4, '0')}`,
        country: 'US',
        type: 'fixed_or_mobile',
      };
      table.add(party);
      added.push(party);
    }
    const found = added.filter((p) => p.kind === 'e164' && table.get(p.e164) !== undefined);
    expect(found.length).toBeGreaterThanOrEqual(512);
    expect(found.length).toBeLessThan(5000);
    for (const p of found) expect(table.get((p as { e164: string }).e164)).toEqual(p);
  });

  it('gives a normaliser the answers it would find alone, with fewer parses', () => {
    const table = SharedNumberTable.create(1000);
    const first = createNormaliser({ shared: table });
    const second = createNormaliser({ shared: new SharedNumberTable(table.buffer) });
    const alone = createNormaliser();
    for (const e164 of numbers) for (const country of countries) first.normalise(e164, country);
    for (const e164 of numbers) {
      for (const text of forms(e164)) {
        for (const country of countries) {
          const expected = normaliseNumber(text, country);
          expect([text, country, second.normalise(text, country)]).toEqual([text, country, expected]);
          expect(alone.normalise(text, country)).toEqual(expected);
        }
      }
    }
    expect(second.stats().parsed).toBeLessThan(alone.stats().parsed);
  });

  it('is shared between worker threads adding and reading at the same time', async () => {
    const table = SharedNumberTable.create(20_000);
    const module = pathToFileURL(join(__dirname, '..', 'dist', 'shared-table.js')).href;
    // Each worker adds 10,000 numbers (half of them also added by the other) and reads all 15,000.
    const source = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(${JSON.stringify(module)}).then(({ SharedNumberTable }) => {
        const table = new SharedNumberTable(workerData.buffer);
        const party = (i) => ({ kind: 'e164', e164: '+4420' + String(i).padStart(8, '0'), country: 'GB', type: i % 2 ? 'mobile' : 'fixed' });
        for (let i = workerData.from; i < workerData.from + 10000; i++) table.add(party(i));
        let missing = 0, wrong = 0;
        for (let i = 0; i < 15000; i++) {
          const found = table.get(party(i).e164);
          if (found === undefined) missing++;
          else if (JSON.stringify(found) !== JSON.stringify(party(i))) wrong++;
        }
        parentPort.postMessage({ missing, wrong });
      });`;
    const run = (from: number): Promise<{ missing: number; wrong: number }> =>
      new Promise((resolve, reject) => {
        const worker = new Worker(source, { eval: true, workerData: { buffer: table.buffer, from } });
        worker.once('message', resolve);
        worker.once('error', reject);
      });
    const results = await Promise.all([run(0), run(5000)]);
    for (const { wrong } of results) expect(wrong).toBe(0);
    for (let i = 0; i < 15000; i++) {
      const e164 = '+4420' + String(i).padStart(8, '0');
      expect(table.get(e164)).toEqual({
        kind: 'e164',
        e164,
        country: 'GB',
        type: i % 2 ? 'mobile' : 'fixed',
      });
    }
  }, 60_000);
});
