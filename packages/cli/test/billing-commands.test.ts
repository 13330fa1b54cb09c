import { PassThrough } from 'node:stream';
import { UsageError, type CliIo } from '../src/command.js';
import { exportBcdCommand, parseExportBcdArgs } from '../src/commands/export-bcd.js';
import { parseUsageArgs, usageCommand } from '../src/commands/usage.js';

function io(): CliIo & { out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return { stdin: new PassThrough(), stdout, stderr, out: () => out, err: () => err };
}

describe('cdr usage arguments', () => {
  it('reads the plan from the accounts topic by default, connection defaults from the environment', () => {
    expect(
      parseUsageArgs(['--account', 'acme-us', '--month', '2026-01'], {
        KAFKA_BROKERS: 'k1:9092,k2:9092',
        TOPIC_ACCOUNTS: 'prod.accounts',
        CLICKHOUSE_DATABASE: 'billing',
      }),
    ).toEqual({
      account: 'acme-us',
      month: '2026-01',
      format: 'json',
      plan: { kind: 'topic', topic: 'prod.accounts', brokers: ['k1:9092', 'k2:9092'] },
      clickhouse: { url: 'http://127.0.0.1:8123', database: 'billing' },
    });
  });

  it('takes the plan from an accounts file with --accounts, and prints a table with --format table', () => {
    const parsed = parseUsageArgs(
      ['--account', 'a', '--month', '2026-01', '--accounts', 'accounts.jsonl', '--format', 'table'],
      {},
    );
    expect(parsed).toMatchObject({ format: 'table', plan: { kind: 'file', path: 'accounts.jsonl' } });
  });

  it('refuses missing options, an unknown format, and --accounts with a topic', () => {
    expect(() => parseUsageArgs(['--account', 'a'], {})).toThrow(new UsageError('missing --month'));
    expect(() => parseUsageArgs(['--account', 'a', '--month', '2026-01', '--format', 'csv'], {})).toThrow(
      UsageError,
    );
    expect(() =>
      parseUsageArgs(
        ['--account', 'a', '--month', '2026-01', '--accounts', 'f', '--accounts-topic', 't'],
        {},
      ),
    ).toThrow(UsageError);
    expect(() => parseUsageArgs(['--account', 'a', '--month', '2026-01', '--bogus'], {})).toThrow(UsageError);
  });

  it('exits 2 with the reason for a bad account id or month, before connecting anywhere', async () => {
    const command = usageCommand({ KAFKA_BROKERS: '127.0.0.1:1', CLICKHOUSE_URL: 'http://127.0.0.1:1' });
    const badId = io();
    expect(await command.run(['--account', 'a/b', '--month', '2026-01'], badId)).toBe(2);
    expect(badId.err()).toContain('--account: account id must be 1 to 128 characters');
    const badMonth = io();
    expect(await command.run(['--account', 'a', '--month', '2026-13'], badMonth)).toBe(2);
    expect(badMonth.err()).toContain('--month must be YYYY-MM between 2000-01 and 2099-12, got "2026-13"');
  });

  it('exits 2 when the accounts file cannot be read', async () => {
    const run = io();
    const code = await usageCommand({}).run(
      ['--account', 'a', '--month', '2026-01', '--accounts', '/nonexistent/accounts.jsonl'],
      run,
    );
    expect(code).toBe(2);
    expect(run.err()).toContain('cannot read --accounts /nonexistent/accounts.jsonl');
  });

  it('prints its help with exit 0', async () => {
    const run = io();
    expect(await usageCommand({}).run(['--help'], run)).toBe(0);
    expect(run.out()).toContain('Outbound Minutes Overages');
  });
});

describe('cdr export bcd arguments', () => {
  it('writes to standard output by default', () => {
    expect(parseExportBcdArgs(['--account', 'acme-us', '--invoice-month', '2026-02'], {})).toEqual({
      account: 'acme-us',
      invoiceMonth: '2026-02',
      out: '-',
      clickhouse: { url: 'http://127.0.0.1:8123', database: 'cdr' },
    });
  });

  it('refuses a missing invoice month and the usage-month option name', () => {
    expect(() => parseExportBcdArgs(['--account', 'a'], {})).toThrow(
      new UsageError('missing --invoice-month'),
    );
    expect(() => parseExportBcdArgs(['--account', 'a', '--month', '2026-01'], {})).toThrow(UsageError);
  });

  it('exits 2 with the reason for a bad invoice month', async () => {
    const run = io();
    const code = await exportBcdCommand({ CLICKHOUSE_URL: 'http://127.0.0.1:1' }).run(
      ['--account', 'a', '--invoice-month', '2000-01'],
      run,
    );
    expect(code).toBe(2);
    expect(run.err()).toContain('--invoice-month must be between 2000-02 and 2100-01, got 2000-01');
  });
});
