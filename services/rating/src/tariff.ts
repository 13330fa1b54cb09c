/** Loading the tariff folder at start (`@cdrate/tariff-files`, the reader `cdr rate` uses too), with every problem as `file:line: reason`. */
import { resolve } from 'node:path';
import { loadTariffDirectory } from '@cdrate/tariff-files';
import type { Tariff } from '@cdrate/rating-core';

/** Result of {@link loadTariff}. */
export type TariffLoad =
  | { readonly ok: true; readonly tariff: Tariff; readonly path: string }
  | { readonly ok: false; readonly path: string; readonly problems: readonly string[] };

/**
 * Reads and compiles the tariff in `dir`, resolved against the working directory (the repository root
 * when started by `pnpm pipeline:up`). A broken tariff is refused whole, each problem as `file:line: reason`.
 */
export async function loadTariff(dir: string): Promise<TariffLoad> {
  const path = resolve(dir);
  const compiled = await loadTariffDirectory(path);
  if (compiled.kind === 'compiled') return { ok: true, tariff: compiled.tariff, path };
  return { ok: false, path, problems: compiled.errors.map((e) => `${e.file}:${e.line}: ${e.message}`) };
}
