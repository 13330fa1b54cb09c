import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { avscFiles } from '@cdrate/schemas';

const AVSC_DIR = join(__dirname, '..', '..', '..', 'schemas', 'avro');

describe('schemas/avro/*.avsc', () => {
  const expected = avscFiles();

  it('has exactly one file per record version of the TypeScript schemas', () => {
    const onDisk = readdirSync(AVSC_DIR).filter((name) => name.endsWith('.avsc'));
    expect(onDisk.sort()).toEqual([...expected.keys()].sort());
  });

  it.each([...expected.keys()])(
    '%s holds the TypeScript schema (pnpm --filter @cdrate/schemas avsc writes it)',
    (name) => {
      expect(JSON.parse(readFileSync(join(AVSC_DIR, name), 'utf8'))).toEqual(expected.get(name));
    },
  );
});
