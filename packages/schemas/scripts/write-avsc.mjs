// Writes schemas/avro/*.avsc from the compiled canonical schemas (run `tsc -b` first; `pnpm avsc` does both),
// formatted by Prettier so `pnpm format:check` passes. test/avsc-files.test.ts fails when the files and the
// TypeScript objects differ.
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { avscFiles } from '../dist/index.js';

const dir = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'schemas', 'avro');
mkdirSync(dir, { recursive: true });
const files = avscFiles();
for (const name of readdirSync(dir)) {
  if (name.endsWith('.avsc') && !files.has(name)) rmSync(path.join(dir, name));
}
for (const [name, schema] of files) {
  const filepath = path.join(dir, name);
  const options = (await prettier.resolveConfig(filepath)) ?? {};
  writeFileSync(
    filepath,
    await prettier.format(JSON.stringify(schema, null, 2), { ...options, filepath, parser: 'json' }),
  );
}
console.log(`wrote ${files.size} files to ${path.relative(process.cwd(), dir) || dir}`);
