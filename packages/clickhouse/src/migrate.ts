import { createHash } from 'node:crypto';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InfraError } from '@cdrate/errors';
import type { ClickhouseClient } from './client.js';
import { toInfraError } from './errors.js';
import { renderIdentifier, sql } from './sql.js';

/** One `NNNN_description.sql` file. */
export interface Migration {
  readonly version: number;
  readonly fileName: string;
  /** The file content as stored (before `${database}` is replaced). */
  readonly content: string;
  /** sha256 of `content`, hex. */
  readonly checksum: string;
}

export interface MigrateOptions {
  /** Directory holding the migration files. */
  readonly dir: string;
  /**
   * Target database (validated name): created if missing, holds `schema_migrations`, and replaces every
   * `${database}` in the files (bare, so it also works inside quotes: `WHERE database = '${database}'`).
   */
  readonly database: string;
}

export interface MigrateResult {
  /** Versions applied by this run, ascending. Empty when the database was up to date. */
  readonly applied: readonly number[];
}

const FILE_NAME = /^(\d{4})_([A-Za-z0-9_]+)\.sql$/;
const DATABASE_PLACEHOLDER = /\$\{database\}/g;

/**
 * Splits a migration file into statements: a `;` ending a line (trailing spaces allowed) ends a statement.
 * `--` comments are removed; quotes (`'…'`, `"…"`, `` `…` ``, with backslash escapes) are respected, so a `;`
 * or `--` inside a string is kept. Empty statements are dropped.
 */
export function splitStatements(content: string): string[] {
  const statements: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let index = 0; index < content.length; index++) {
    const char = content[index]!;
    if (quote !== undefined) {
      current += char;
      if (char === '\\' && index + 1 < content.length) current += content[++index]!;
      else if (char === quote) quote = undefined;
      continue;
    }
    if (char === "'" || char === '"' || char === '`') {
      quote = char;
      current += char;
    } else if (char === '-' && content[index + 1] === '-') {
      const end = content.indexOf('\n', index);
      index = (end === -1 ? content.length : end) - 1;
    } else if (char === ';' && /^[ \t\r]*(\n|$)/.test(content.slice(index + 1, index + 80))) {
      statements.push(current);
      current = '';
    } else {
      current += char;
    }
  }
  if (quote !== undefined) throw new Error('Unterminated quote');
  statements.push(current);
  return statements.map((statement) => statement.trim()).filter((statement) => statement.length > 0);
}

/**
 * Reads `NNNN_description.sql` files from `dir`, sorted by version. Other files are ignored; a `.sql` file
 * with another name, or two files with one version, is an error (a typo must not skip a migration silently).
 */
export async function readMigrations(dir: string): Promise<Migration[]> {
  const migrations: Migration[] = [];
  for (const fileName of (await readdir(dir)).sort()) {
    if (!fileName.endsWith('.sql')) continue;
    const match = FILE_NAME.exec(fileName);
    if (match === null) {
      throw new InfraError('CONFIG', `Migration file ${fileName} is not named NNNN_description.sql`);
    }
    const version = Number(match[1]);
    const previous = migrations.at(-1);
    if (previous?.version === version) {
      throw new InfraError(
        'CONFIG',
        `Migrations ${previous.fileName} and ${fileName} share version ${version}`,
      );
    }
    const content = await readFile(join(dir, fileName), 'utf8');
    migrations.push({
      version,
      fileName,
      content,
      checksum: createHash('sha256').update(content).digest('hex'),
    });
  }
  return migrations;
}

/**
 * Brings `database` up to the migrations in `dir`: creates the database and its `schema_migrations` table if
 * missing, checks that every applied migration's file is unchanged (sha256), then applies the pending ones in
 * version order, each recorded after all its statements succeeded.
 *
 * DDL is not transactional: a migration failing at statement N leaves statements before N applied and the
 * migration unrecorded; write statements so a re-run is safe (`IF NOT EXISTS`). Runs from several processes
 * at once are not coordinated; run migrations from one place.
 *
 * @throws InfraError `CONFIG` naming the file when an applied migration changed or a file is misnamed; the
 * mapped error of a failing statement, with a message naming the file and statement number.
 */
export async function migrate(client: ClickhouseClient, options: MigrateOptions): Promise<MigrateResult> {
  const database = options.database;
  if (database.includes('.')) throw new InfraError('CONFIG', `Not a database name: ${database}`);
  renderIdentifier(database);
  const table = sql.identifier(`${database}.schema_migrations`);
  const migrations = await readMigrations(options.dir);

  await client.command(sql`CREATE DATABASE IF NOT EXISTS ${sql.identifier(database)}`, {
    database: 'system',
  });
  await client.command(
    sql`CREATE TABLE IF NOT EXISTS ${table} (
      version UInt32,
      name String,
      checksum String,
      applied_at DateTime('UTC')
    ) ENGINE = MergeTree() ORDER BY version`,
    { database },
  );
  const applied = new Map(
    (
      await client.query<{ version: number; name: string; checksum: string }>(
        sql`SELECT version, name, checksum FROM ${table} ORDER BY version`,
        { database },
      )
    ).map((row) => [Number(row.version), row]),
  );

  for (const migration of migrations) {
    const record = applied.get(migration.version);
    if (record !== undefined && record.checksum !== migration.checksum) {
      throw new InfraError(
        'CONFIG',
        `Migration ${migration.fileName} was changed after it was applied to ${database} ` +
          `(recorded checksum ${record.checksum}, file ${migration.checksum}); add a new migration instead`,
      );
    }
  }

  const done: number[] = [];
  for (const migration of migrations) {
    if (applied.has(migration.version)) continue;
    const statements = splitStatements(migration.content.replace(DATABASE_PLACEHOLDER, database));
    for (const [index, statement] of statements.entries()) {
      try {
        await client.command(statement, { database });
      } catch (error) {
        const mapped = toInfraError(error, 'migration');
        throw new InfraError(
          mapped.code,
          `Migration ${migration.fileName} statement ${index + 1} of ${statements.length} failed: ${mapped.message}`,
          { cause: error, ...(mapped.vendorCode === undefined ? {} : { vendorCode: mapped.vendorCode }) },
        );
      }
    }
    await client.insert(
      `${database}.schema_migrations`,
      [
        {
          version: migration.version,
          name: migration.fileName,
          checksum: migration.checksum,
          applied_at: new Date(),
        },
      ],
      { database },
    );
    done.push(migration.version);
  }
  return { applied: done };
}
