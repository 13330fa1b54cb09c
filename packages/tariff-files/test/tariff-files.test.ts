// Reading a tariff folder from disk: the shipped default compiles; missing and unreadable files are reported.
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTariffDirectory } from '@cdrate/tariff-files';

const DEFAULT_RATES = join(__dirname, '..', '..', '..', 'rate-tables', 'default');

function copyOfDefault(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tariff-files-'));
  for (const file of readdirSync(DEFAULT_RATES)) copyFileSync(join(DEFAULT_RATES, file), join(dir, file));
  return dir;
}

describe('loadTariffDirectory', () => {
  it('compiles the shipped default tariff', async () => {
    const result = await loadTariffDirectory(DEFAULT_RATES);
    expect(result.kind).toBe('compiled');
  });

  it('reports each missing file by name (from the compiler), with line 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tariff-files-empty-'));
    const result = await loadTariffDirectory(dir);
    expect(result.kind).toBe('invalid');
    if (result.kind !== 'invalid') return;
    expect(result.errors.map((e) => e.file)).toEqual(
      expect.arrayContaining(['international.csv', 'rounding.csv']),
    );
    expect(result.errors.every((e) => e.line === 0)).toBe(true);
  });

  it('reports a file that cannot be read (a directory in its place) as the only error', async () => {
    const dir = copyOfDefault();
    rmSync(join(dir, 'premium.csv'));
    mkdirSync(join(dir, 'premium.csv'));
    const result = await loadTariffDirectory(dir);
    expect(result).toEqual({
      kind: 'invalid',
      errors: [{ file: 'premium.csv', line: 0, message: expect.stringMatching(/^cannot read: /) }],
    });
  });

  it('passes file contents to the compiler, which reports file and line', async () => {
    const dir = copyOfDefault();
    writeFileSync(join(dir, 'international.csv'), 'not,a,valid,header\n1,2,3,4\n');
    const result = await loadTariffDirectory(dir);
    expect(result.kind).toBe('invalid');
    if (result.kind !== 'invalid') return;
    expect(result.errors.some((e) => e.file === 'international.csv' && e.line >= 1)).toBe(true);
  });
});
