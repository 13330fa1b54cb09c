/**
 * The `.avsc` files in `schemas/avro/` at the repository root, written from {@link SCHEMA_HISTORY}: one file
 * per record version, `<Record>.v<N>.avsc`, pretty JSON with a final newline.
 */
import { SCHEMA_HISTORY } from './schemas.js';

/** File name → content of every `.avsc` file. */
export function avscFiles(): ReadonlyMap<string, string> {
  const files = new Map<string, string>();
  for (const [name, versions] of Object.entries(SCHEMA_HISTORY)) {
    versions.forEach((schema, index) => {
      files.set(`${name}.v${index + 1}.avsc`, `${JSON.stringify(schema, null, 2)}\n`);
    });
  }
  return files;
}
