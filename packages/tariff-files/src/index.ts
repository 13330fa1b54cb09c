/** Reads a tariff folder from disk and compiles it with the pure core. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileTariff, TARIFF_FILES, type CompileResult } from '@cdrate/rating-core';

/** Reads the five CSV files of `dir` (a missing file is reported by the compiler) and compiles them. */
export async function loadTariffDirectory(dir: string): Promise<CompileResult> {
  const sources: Partial<Record<(typeof TARIFF_FILES)[number], string>> = {};
  for (const file of TARIFF_FILES) {
    try {
      sources[file] = await readFile(join(dir, file), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      return {
        kind: 'invalid',
        errors: [{ file, line: 0, message: `cannot read: ${(error as Error).message}` }],
      };
    }
  }
  return compileTariff(sources);
}
