import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InfraError } from '@cdrate/errors';
import { createClickhouse, jsonDecimal, migrate, sql, supports } from '@cdrate/clickhouse';
import type { ClickhouseClient, ClickhouseLogEvent } from '@cdrate/clickhouse';
import { testClickhouseUrl, uniqueName } from '../../../test/support/stack.js';

const fixtures = join(__dirname, 'fixtures');
const HOSTILE = "it's \\ a 'quote'\n\ttab\0nul \r\u0001 📞 Zürich \"dq\" `bt` '); DROP TABLE t; -- \\'; --";

describe('ClickHouse adapter against the real server', () => {
  const database = uniqueName('ch_adapter');
  const warnings: ClickhouseLogEvent[] = [];
  let client: ClickhouseClient;

  beforeAll(async () => {
    client = createClickhouse({
      url: testClickhouseUrl(),
      database,
      requestTimeoutMs: 10_000,
      queryIdPrefix: 'ch-adapter-test',
      logger: (event) => warnings.push(event),
    });
    await client.command(sql`CREATE DATABASE IF NOT EXISTS ${sql.identifier(database)}`, {
      database: 'system',
    });
  });

  afterAll(async () => {
    await client.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`, { database: 'system' });
    await client.close();
  });

  it('detects the server version once and parses it', async () => {
    const version = await client.version();
    expect(version.major).toBe(18);
    expect(version.minor).toBe(16);
    expect(await client.version()).toBe(version);
    expect(supports(version, 'lowCardinality')).toBe(false);
  });

  it('answers a health check', async () => {
    expect(await client.ping()).toEqual({ ok: true });
  });

  it('round-trips a hostile string through insert and a WHERE built with the literal function', async () => {
    await client.command('CREATE TABLE strings (id UInt32, s String) ENGINE = MergeTree() ORDER BY id');
    await client.insert('strings', [
      { id: 1, s: HOSTILE },
      { id: 2, s: 'plain' },
    ]);
    const rows = await client.query<{ id: number; s: string }>(
      sql`SELECT id, s FROM strings WHERE s = ${HOSTILE}`,
    );
    expect(rows).toEqual([{ id: 1, s: HOSTILE }]);
    const [echo] = await client.query<{ s: string }>(sql`SELECT ${HOSTILE} AS s`);
    expect(echo?.s).toBe(HOSTILE);
    expect(await client.query(sql`SELECT count() AS n FROM strings`)).toEqual([{ n: '2' }]);
  });

  it('round-trips Decimal(18, 6) exactly and sums Int64 exactly as BigInt', async () => {
    await client.command(
      `CREATE TABLE money (id UInt32, amount Decimal(18, 6), micros Int64, at DateTime('UTC'))
       ENGINE = MergeTree() ORDER BY id`,
    );
    const big = 3_000_000_000_000_000_000n; // far beyond 2^53: a double would round the sum
    await client.insert(
      'money',
      [
        {
          id: 1,
          amount: jsonDecimal('123456789012.123456'),
          micros: big,
          at: new Date('2024-01-31T23:59:59Z'),
        },
        { id: 2, amount: jsonDecimal('-0.000001'), micros: big + 1n, at: new Date('2024-02-01T00:00:00Z') },
        {
          id: 3,
          amount: jsonDecimal('999999999999.999999'),
          micros: big + 2n,
          at: new Date('2024-02-01T00:00:01Z'),
        },
      ],
      { columns: ['id', 'amount', 'micros', 'at'] },
    );
    // An alias is visible in WHERE on ClickHouse, so the text alias must not shadow the column.
    const rows = await client.query<{ id: number; amount_text: string }>(
      sql`SELECT id, toString(amount) AS amount_text FROM money
          WHERE amount >= ${sql.decimal('123456789012.123456', 6)} ORDER BY id`,
    );
    expect(rows).toEqual([
      { id: 1, amount_text: '123456789012.123456' },
      { id: 3, amount_text: '999999999999.999999' },
    ]);
    const [sums] = await client.query<{ total: string; amount: string }>(
      'SELECT sum(micros) AS total, toString(sum(amount)) AS amount FROM money',
    );
    expect(BigInt(sums!.total)).toBe(3n * big + 3n);
    expect(sums!.amount).toBe('1123456789012.123454');
    const inFebruary = await client.query<{ id: number }>(
      sql`SELECT id FROM money WHERE at >= ${new Date('2024-02-01T00:00:00Z')} ORDER BY id`,
    );
    expect(inFebruary).toEqual([{ id: 2 }, { id: 3 }]);
  });

  it('fills DEFAULT columns left out of an insert with an explicit column list', async () => {
    await client.command(
      "CREATE TABLE defaults (id UInt32, country String DEFAULT 'ZZ') ENGINE = MergeTree() ORDER BY id",
    );
    await client.insert('defaults', [{ id: 1 }], { columns: ['id'] });
    expect(await client.query('SELECT id, country FROM defaults')).toEqual([{ id: 1, country: 'ZZ' }]);
  });

  it('inserts pre-encoded JSONEachRow text as is and reports a bad row as BAD_REQUEST', async () => {
    await client.command(
      'CREATE TABLE text_rows (id UInt32, name String, amount Decimal(18, 11)) ENGINE = MergeTree() ORDER BY id',
    );
    const hostile = 'quote " backslash \\ newline \n tab \t é 😀';
    const text = [
      `{"id":1,"name":${JSON.stringify(hostile)},"amount":1234567.12345678901}`,
      `{"id":2,"name":"b","amount":0.00000000001}`,
      '',
    ].join('\n');
    await client.insertText('text_rows', text);
    await client.insertText('text_rows', '');
    await client.insertText('text_rows', Buffer.from('{"id":3,"amount":1}\n'), { columns: ['id', 'amount'] });
    expect(
      await client.query('SELECT id, name, toString(amount) AS amount_text FROM text_rows ORDER BY id'),
    ).toEqual([
      { id: 1, name: hostile, amount_text: '1234567.12345678901' },
      { id: 2, name: 'b', amount_text: '0.00000000001' },
      { id: 3, name: '', amount_text: '1.00000000000' },
    ]);
    await expect(
      client.insertText('text_rows', '{"id":4,"name":"x","amount":1.123456789012}\n'),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', retryable: false });
    await expect(client.insertText('no_such_table', '{"id":1}\n')).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      vendorCode: 60,
    });
  });

  it('inserts pre-encoded bytes as is, in pieces, as JSONEachRow or TabSeparated with named columns', async () => {
    await client.command(
      `CREATE TABLE byte_rows (id UInt32, name String, amount Decimal(18, 11), at DateTime('UTC'),
       note String DEFAULT 'none') ENGINE = MergeTree() ORDER BY id`,
    );
    const hostile = 'quote " backslash \\ newline \n tab \t cr \r nul \0 é 😀';
    const tsvName = hostile
      .replace(/\\/g, '\\\\')
      .replace(/\t/g, '\\t')
      .replace(/\n/g, '\\n')
      .replace(/\r/g, '\\r');
    // A body in several pieces, one of them empty, cut in the middle of a row: sent one after another.
    const json = Buffer.from(
      `{"id":1,"name":${JSON.stringify(hostile)},"amount":1234567.12345678901,"at":0,"note":"x"}\n` +
        `{"id":2,"name":"b","amount":0.00000000001,"at":4294967295,"note":"y"}\n`,
    );
    await client.insertBytes('byte_rows', [json.subarray(0, 10), new Uint8Array(0), json.subarray(10)]);
    const tsv = Buffer.from(`3\t${tsvName}\t1.5\t0000000000\n4\tc\t0\t1768472430\n5\td\t0\t4294967295\n`);
    await client.insertBytes('byte_rows', tsv, {
      format: 'TabSeparated',
      columns: ['id', 'name', 'amount', 'at'],
    });
    await client.insertBytes('byte_rows', [], { format: 'TabSeparated' });
    await client.insertBytes('byte_rows', Buffer.alloc(0));
    expect(
      await client.query(
        'SELECT id, name, toString(amount) AS amount_text, toUnixTimestamp(at) AS t, note FROM byte_rows ORDER BY id',
      ),
    ).toEqual([
      { id: 1, name: hostile, amount_text: '1234567.12345678901', t: 0, note: 'x' },
      { id: 2, name: 'b', amount_text: '0.00000000001', t: 4294967295, note: 'y' },
      { id: 3, name: hostile, amount_text: '1.50000000000', t: 0, note: 'none' },
      { id: 4, name: 'c', amount_text: '0.00000000000', t: 1768472430, note: 'none' },
      { id: 5, name: 'd', amount_text: '0.00000000000', t: 4294967295, note: 'none' },
    ]);
    // A bad row fails the whole insert with the server's code: a row data error, or a request error.
    await expect(
      client.insertBytes('byte_rows', Buffer.from('6\tx\t1\t0000000000\n7\ty\tnot-a-number\t0000000000\n'), {
        format: 'TabSeparated',
        columns: ['id', 'name', 'amount', 'at'],
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', retryable: false, vendorCode: 27 });
    await expect(
      client.insertBytes('byte_rows', Buffer.from('6\tx\n'), {
        format: 'TabSeparated',
        columns: ['id', 'nope'],
      }),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', retryable: false, vendorCode: 16 });
    await expect(
      client.insertBytes('byte_rows', Buffer.from('x'), { format: 'CSV' as never }),
    ).rejects.toMatchObject({ code: 'CONFIG' });
    expect(await client.query('SELECT count() AS n FROM byte_rows')).toEqual([{ n: '5' }]);
  });

  it('maps an unknown table to a non-retryable BAD_REQUEST', async () => {
    const error: unknown = await client.query('SELECT * FROM no_such_table').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', retryable: false, vendorCode: 60 });
    const insertError: unknown = await client.insert('no_such_table', [{ x: 1 }]).catch((e: unknown) => e);
    expect(insertError).toMatchObject({ code: 'BAD_REQUEST', vendorCode: 60 });
  });

  it('maps a syntax error and a bad decimal to BAD_REQUEST', async () => {
    await expect(client.query('SELEKT 1')).rejects.toMatchObject({ code: 'BAD_REQUEST', vendorCode: 62 });
    await client.command(
      'CREATE TABLE strict_money (amount Decimal(18, 6)) ENGINE = MergeTree() ORDER BY tuple()',
    );
    await expect(client.insert('strict_money', [{ amount: jsonDecimal('1.1234567') }])).rejects.toMatchObject(
      {
        code: 'BAD_REQUEST',
        retryable: false,
      },
    );
  });

  it('maps a closed port to a retryable SINK_UNAVAILABLE', async () => {
    const unreachable = createClickhouse({ url: 'http://127.0.0.1:1', requestTimeoutMs: 2_000 });
    try {
      const error: unknown = await unreachable.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InfraError);
      expect(error).toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
      const ping = await unreachable.ping();
      expect(ping.ok).toBe(false);
    } finally {
      await unreachable.close();
    }
  });

  it('drops a setting unknown to 18.16 with a warning instead of failing the query', async () => {
    const rows = await client.query('SELECT 1 AS one', {
      settings: { async_insert: 1, insert_deduplication_token: 'x', max_execution_time: 5 },
    });
    expect(rows).toEqual([{ one: 1 }]);
    expect(warnings.map((warning) => warning.fields['setting'])).toEqual(
      expect.arrayContaining(['async_insert', 'insert_deduplication_token']),
    );
  });

  it('applies max_execution_time so a runaway query stops with a retryable TIMEOUT', async () => {
    await expect(
      client.query('SELECT count() FROM system.numbers WHERE NOT ignore(sleepEachRow(0.01))', {
        settings: { max_execution_time: 1, max_block_size: 10 },
      }),
    ).rejects.toMatchObject({ code: 'TIMEOUT', vendorCode: 159 });
  });

  it('sends the query id, visible in system.processes while the query runs', async () => {
    const queryId = uniqueName('slow_query');
    const slow = client.query('SELECT sleep(1) AS slept', { queryId });
    let seen: unknown[] = [];
    for (let attempt = 0; attempt < 20 && seen.length === 0; attempt++) {
      seen = await client.query(sql`SELECT query_id FROM system.processes WHERE query_id = ${queryId}`);
    }
    expect(seen).toEqual([{ query_id: queryId }]);
    expect(await slow).toEqual([{ slept: 0 }]);
  });

  it('refuses calls after close', async () => {
    const closing = createClickhouse({ url: testClickhouseUrl() });
    await closing.close();
    await expect(closing.query('SELECT 1')).rejects.toBeInstanceOf(InfraError);
  });

  it('streams 200k rows as objects without buffering the result', async () => {
    const stream = client.queryStream<{ number: string }>(
      'SELECT number FROM system.numbers LIMIT 200000',
      'JSONEachRow',
    );
    let count = 0;
    let outOfOrder = 0;
    let maxBuffered = 0;
    for await (const row of stream) {
      if (row.number !== String(count)) outOfOrder++;
      count++;
      maxBuffered = Math.max(maxBuffered, stream.readableLength);
    }
    expect(count).toBe(200_000);
    expect(outOfOrder).toBe(0);
    // Backpressure: at no point did the stream hold more than a small window of rows.
    expect(maxBuffered).toBeLessThanOrEqual(stream.readableHighWaterMark);
  }, 30_000);

  it('streams a CSV export as bytes', async () => {
    const stream = client.queryStream(
      'SELECT number, toString(number) AS s FROM system.numbers LIMIT 200000',
      'CSV',
    );
    const { lines, last } = await countLines(stream);
    expect(lines).toBe(200_000);
    expect(last).toBe('199999,"199999"');
  }, 30_000);

  it('fails an export whose query breaks after the first rows were sent', async () => {
    const stream = client.queryStream(
      'SELECT number, throwIf(number = 150000) AS boom FROM system.numbers LIMIT 200000',
      'CSV',
      { settings: { max_block_size: 1000 } },
    );
    await expect(countLines(stream)).rejects.toMatchObject({ code: 'BAD_REQUEST', vendorCode: 395 });
    const rows = client.queryStream(
      'SELECT number, throwIf(number = 150000) AS boom FROM system.numbers LIMIT 200000',
      'JSONEachRow',
      { settings: { max_block_size: 1000 } },
    );
    await expect(drain(rows)).rejects.toMatchObject({ code: 'BAD_REQUEST', vendorCode: 395 });
  }, 30_000);
});

describe('migrate against the real server', () => {
  const databases: string[] = [];
  let client: ClickhouseClient;

  beforeAll(() => {
    client = createClickhouse({ url: testClickhouseUrl(), requestTimeoutMs: 10_000 });
  });

  afterAll(async () => {
    for (const database of databases) {
      await client.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`, { database: 'system' });
    }
    await client.close();
  });

  function freshDatabase(): string {
    const database = uniqueName('ch_migrate');
    databases.push(database);
    return database;
  }

  it('applies each file once: a second run applies nothing and records one row per file', async () => {
    const database = freshDatabase();
    const dir = join(fixtures, 'migrations-basic');
    expect(await migrate(client, { dir, database })).toEqual({ applied: [1, 2] });
    expect(await migrate(client, { dir, database })).toEqual({ applied: [] });

    const recorded = await client.query<{ version: number; name: string; checksum: string }>(
      sql`SELECT version, name, checksum FROM ${sql.identifier(`${database}.schema_migrations`)} ORDER BY version`,
    );
    expect(recorded.map((row) => [row.version, row.name])).toEqual([
      [1, '0001_create_calls.sql'],
      [2, '0002_add_country.sql'],
    ]);
    const columns = await client.query<{ name: string }>(
      sql`SELECT name FROM system.columns WHERE database = ${database} AND table = 'calls' ORDER BY name`,
    );
    expect(columns.map((column) => column.name)).toEqual([
      'account_id',
      'amount',
      'call_id',
      'country',
      'note',
      'started_at',
    ]);
  });

  it('refuses to run when an applied migration file changed, naming the file', async () => {
    const database = freshDatabase();
    const dir = await mkdtemp(join(tmpdir(), 'ch-migrate-'));
    try {
      await copyFile(
        join(fixtures, 'migrations-basic', '0001_create_calls.sql'),
        join(dir, '0001_create_calls.sql'),
      );
      expect(await migrate(client, { dir, database })).toEqual({ applied: [1] });
      await writeFile(join(dir, '0001_create_calls.sql'), '-- edited\nSELECT 1;\n');
      await writeFile(
        join(dir, '0002_more.sql'),
        `CREATE TABLE ${'${database}'}.more (x UInt8) ENGINE = Memory;\n`,
      );
      await expect(migrate(client, { dir, database })).rejects.toMatchObject({
        code: 'CONFIG',
        message: expect.stringContaining('0001_create_calls.sql'),
      });
      // Nothing after the changed file was applied either.
      expect(
        await client.query(
          sql`SELECT name FROM system.tables WHERE database = ${database} AND name = 'more'`,
        ),
      ).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports a failing statement by file and index and leaves that migration unrecorded', async () => {
    const database = freshDatabase();
    const error: unknown = await migrate(client, {
      dir: join(fixtures, 'migrations-failing'),
      database,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).message).toMatch(/0002_broken\.sql statement 2 of 2 failed/);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', retryable: false });
    const recorded = await client.query<{ version: number }>(
      sql`SELECT version FROM ${sql.identifier(`${database}.schema_migrations`)} ORDER BY version`,
    );
    expect(recorded).toEqual([{ version: 1 }]);
  });
});

async function countLines(stream: Readable): Promise<{ lines: number; last: string }> {
  let lines = 0;
  let tail = '';
  let last = '';
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const text = tail + chunk.toString('utf8');
    const parts = text.split('\n');
    tail = parts.pop() ?? '';
    lines += parts.length;
    if (parts.length > 0) last = parts.at(-1)!;
  }
  return { lines, last };
}

async function drain(stream: Readable): Promise<number> {
  let count = 0;
  for await (const row of stream) if (row !== undefined) count++;
  return count;
}
