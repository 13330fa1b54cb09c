/**
 * `@cdrate/tariff-files`: reads a tariff folder from disk and compiles it with the pure core
 * (`compileTariff` of `@cdrate/rating-core`). Shared by the `cdr rate` command and the rating service, so
 * that neither depends on the other.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compileTariff, TARIFF_FILES, type CompileResult } from '@cdrate/rating-core';

/**
 * Reads the five CSV files of `dir` ({@link TARIFF_FILES}) and compiles them. A missing file is left out
 * and reported by the compiler (`file`, line 0); any other read failure is returned as the only error,
 * `cannot read: …`. Never throws for file problems: the result says `compiled` or `invalid`.
 */
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
