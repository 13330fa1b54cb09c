/**
 * `cdr usage` with an accounts file and `cdr export bcd` to a file, in process, against the real ClickHouse
 * holding the billing fixtures (the topic path is covered by the billing API's integration test).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createClickhouse, migrate, sql, type ClickhouseClient } from '@cdrate/clickhouse';
import type { CliIo } from '../src/command.js';
import { exportBcdCommand } from '../src/commands/export-bcd.js';
import { usageCommand } from '../src/commands/usage.js';
import { ACME_FEBRUARY_INVOICE_BCD, FIXTURE_CALLS, insertCalls } from '../../billing/test/fixtures.js';
import { testClickhouseUrl, uniqueName } from '../../../test/support/stack.js';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const database = uniqueName('cli_billing');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdr-billing-'));
const accountsFile = path.join(dir, 'accounts.jsonl');
let clickhouse: ClickhouseClient;

const env = () => ({ CLICKHOUSE_URL: testClickhouseUrl(), CLICKHOUSE_DATABASE: database });

async function run(
  command: ReturnType<typeof usageCommand>,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr };
  const code = await command.run(args, io);
  return { code, stdout: out, stderr: err };
}

beforeAll(async () => {
  clickhouse = createClickhouse({ url: testClickhouseUrl() });
  await migrate(clickhouse, { dir: path.join(repoRoot, 'schemas', 'clickhouse'), database });
  await clickhouse.command(insertCalls(database, FIXTURE_CALLS));
  fs.writeFileSync(
    accountsFile,
    [
      '{"account_id":"other","country":"US","billing_start_date":"2025-01-01","included_minutes":100}',
      'not json at all',
      '{"account_id":"acme-us","country":"US","billing_start_date":"2025-01-01","included_minutes":3,"overage_rate":"0.02","currency":"USD","numbers":["+12125550100"]}',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  await clickhouse.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`);
  await clickhouse.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('cdr usage and cdr export bcd against ClickHouse', () => {
  it('prints the hand-worked January invoice as a table, plan from an accounts file', async () => {
    const result = await run(usageCommand(env()), [
      '--account',
      'acme-us',
      '--month',
      '2026-01',
      '--accounts',
      accountsFile,
      '--format',
      'table',
    ]);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('Outbound Minutes Overages                   5          0.10\n');
    expect(result.stdout).toContain('International Phone Numbers (DID)           3          0.38\n');
    expect(result.stdout).toContain('Total usage charges                                    0.71\n');
  });

  it('exits 2 for an account that is not in the accounts file', async () => {
    const result = await run(usageCommand(env()), [
      '--account',
      'nobody',
      '--month',
      '2026-01',
      '--accounts',
      accountsFile,
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`account "nobody" is not in ${accountsFile}`);
  });

  it('writes the February invoice’s billed call details to a file, and nothing when ClickHouse refuses', async () => {
    const out = path.join(dir, 'acme-us-2026-02.csv');
    const result = await run(exportBcdCommand(env()), [
      '--account',
      'acme-us',
      '--invoice-month',
      '2026-02',
      '--out',
      out,
    ]);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(
      /5 billed calls of account "acme-us", usage month 2026-01 \(invoice 2026-02\) written to/,
    );
    expect(fs.readFileSync(out, 'utf8')).toBe(ACME_FEBRUARY_INVOICE_BCD);

    const failed = path.join(dir, 'failed.csv');
    const refused = await run(exportBcdCommand({ ...env(), CLICKHOUSE_DATABASE: 'no_such_database' }), [
      '--account',
      'acme-us',
      '--invoice-month',
      '2026-02',
      '--out',
      failed,
    ]);
    expect(refused.code).toBe(1);
    expect(fs.existsSync(failed) || fs.existsSync(`${failed}.partial`)).toBe(false);
  });
});
