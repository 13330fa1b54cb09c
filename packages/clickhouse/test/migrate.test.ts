import { join } from 'node:path';
import { readMigrations, splitStatements } from '@cdrate/clickhouse';

const fixtures = join(__dirname, 'fixtures');

describe('splitStatements', () => {
  it('splits on a semicolon that ends a line and drops comments and empty statements', () => {
    const content = [
      '-- header comment; with a semicolon;',
      'CREATE TABLE a (x UInt8) ENGINE = Memory;',
      '',
      'CREATE TABLE b (x UInt8) -- trailing comment;',
      'ENGINE = Memory;   ',
      ';',
      'SELECT 1',
    ].join('\n');
    expect(splitStatements(content)).toEqual([
      'CREATE TABLE a (x UInt8) ENGINE = Memory',
      'CREATE TABLE b (x UInt8) \nENGINE = Memory',
      'SELECT 1',
    ]);
  });

  it('does not split on a semicolon inside a line', () => {
    expect(splitStatements('SELECT 1; SELECT 2;\n')).toEqual(['SELECT 1; SELECT 2']);
  });

  it('keeps semicolons and dashes inside quoted strings and identifiers', () => {
    const content = "SELECT 'a;\n-- not a comment', `odd;\n--name`, 'it\\'s;\n' FROM t;\nSELECT 2;";
    expect(splitStatements(content)).toEqual([
      "SELECT 'a;\n-- not a comment', `odd;\n--name`, 'it\\'s;\n' FROM t",
      'SELECT 2',
    ]);
  });

  it('handles CRLF line ends', () => {
    expect(splitStatements('SELECT 1;\r\nSELECT 2;\r\n')).toEqual(['SELECT 1', 'SELECT 2']);
  });

  it('rejects an unterminated quote', () => {
    expect(() => splitStatements("SELECT 'oops;\n")).toThrow(/Unterminated/);
  });
});

describe('readMigrations', () => {
  it('reads NNNN_description.sql files in version order with sha256 checksums, ignoring other files', async () => {
    const migrations = await readMigrations(join(fixtures, 'migrations-basic'));
    expect(migrations.map((migration) => [migration.version, migration.fileName])).toEqual([
      [1, '0001_create_calls.sql'],
      [2, '0002_add_country.sql'],
    ]);
    expect(migrations[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rejects a .sql file that does not follow the naming rule, naming it', async () => {
    await expect(readMigrations(join(fixtures, 'migrations-misnamed'))).rejects.toMatchObject({
      code: 'CONFIG',
      message: expect.stringContaining('2_typo.sql'),
    });
  });
});
