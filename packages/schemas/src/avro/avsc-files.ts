/**
 * The `.avsc` files in `schemas/avro/` at the repository root, written from {@link SCHEMA_HISTORY}: one file
 * per record version, `<Record>.v<N>.avsc` (JSON, formatted by Prettier like the rest of the repository).
 */
import { SCHEMA_HISTORY, type AvroRecordSchema } from './schemas.js';

/** File name → the schema it holds, for every `.avsc` file. */
export function avscFiles(): ReadonlyMap<string, AvroRecordSchema> {
  const files = new Map<string, AvroRecordSchema>();
  for (const [name, versions] of Object.entries(SCHEMA_HISTORY)) {
    versions.forEach((schema: AvroRecordSchema, index) => files.set(`${name}.v${index + 1}.avsc`, schema));
  }
  return files;
}
