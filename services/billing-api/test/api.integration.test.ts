/**
 * The billing API over real HTTP, in process (runService on a free port), against the real ClickHouse and
 * Kafka: plans from an accounts topic of its own, rated calls from the billing fixtures in a database of its
 * own. Its answers must equal those of `cdr usage` and `cdr export bcd` run on the same data.
 */
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createClickhouse, migrate, sql, type ClickhouseClient } from '@cdrate/clickhouse';
import { createKafka, type KafkaAdmin, type KafkaClient } from '@cdrate/kafka';
import { encodeAccount, type Account } from '@cdrate/schemas';
import { createLogger, runService, type RunningService } from '@cdrate/service-runtime';
import { Registry } from 'prom-client';
import type { CliIo } from '../../../packages/cli/src/command.js';
import { exportBcdCommand } from '../../../packages/cli/src/commands/export-bcd.js';
import { usageCommand } from '../../../packages/cli/src/commands/usage.js';
import { FIXTURE_CALLS, insertCalls } from '../../../packages/billing/test/fixtures.js';
import { testClickhouseUrl, testKafkaBrokers, uniqueName } from '../../../test/support/stack.js';
import { createBillingApiApp, type BillingApiApp } from '../src/app.js';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const TOKEN = 'integration-token-0123456789';
const name = uniqueName('billing_api');
const database = name;
const accountsTopic = `${name}.accounts`;

const wire = (account: Partial<Account> & { account_id: string }): Account => ({
  country: 'US',
  billing_start_date: '2025-01-01',
  included_minutes: 0,
  overage_rate: '0.02',
  toll_free_numbers: [],
  numbers: [],
  currency: 'USD',
  ...account,
});

let clickhouse: ClickhouseClient;
let kafka: KafkaClient;
let admin: KafkaAdmin;
let app: BillingApiApp;
let service: RunningService;
let base: string;

beforeAll(async () => {
  clickhouse = createClickhouse({ url: testClickhouseUrl() });
  await migrate(clickhouse, { dir: path.join(repoRoot, 'schemas', 'clickhouse'), database });
  await clickhouse.command(insertCalls(database, FIXTURE_CALLS));

  kafka = createKafka({ brokers: testKafkaBrokers(), clientId: name, logger: () => undefined });
  admin = await kafka.connectAdmin();
  await admin.ensureTopics([
    { topic: accountsTopic, partitions: 2, configs: { 'cleanup.policy': 'compact' } },
  ]);
  const producer = await kafka.connectProducer();
  await producer.send(
    accountsTopic,
    [
      wire({ account_id: 'acme-us', included_minutes: 3, numbers: ['+12125550100'] }),
      wire({
        account_id: 'br-sp',
        country: 'BR',
        included_minutes: 1,
        overage_rate: '0.05',
        currency: 'BRL',
      }),
      wire({ account_id: 'euro-1', currency: 'EUR' }),
    ].map((account) => ({ key: account.account_id, value: encodeAccount(account) })),
  );
  await producer.disconnect();

  const registry = new Registry();
  const logger = createLogger('billing-api', 'silent');
  app = createBillingApiApp({
    settings: {
      apiToken: TOKEN,
      topicAccounts: accountsTopic,
      topicPartitions: 2,
      accountsLoadTimeoutMs: 60_000,
      instanceId: name,
      clickhouseDatabase: database,
    },
    kafka,
    clickhouse: createClickhouse({ url: testClickhouseUrl(), database }),
    logger,
    registry,
    sessionTimeoutMs: 6000,
  });
  service = await runService({
    name: 'billing-api',
    logger,
    registry,
    app,
    handle: app.handle,
    httpPort: 0,
    shutdownGraceMs: 10_000,
    handleSignals: false,
  });
  base = `http://127.0.0.1:${service.port}`;
}, 90_000);

afterAll(async () => {
  await service?.shutdown('test done');
  await admin?.deleteTopics([accountsTopic]).catch(() => undefined);
  await admin?.disconnect();
  await clickhouse.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`);
  await clickhouse.close();
});

function get(pathAndQuery: string, token: string | null = TOKEN): Promise<Response> {
  return fetch(base + pathAndQuery, token === null ? {} : { headers: { authorization: `Bearer ${token}` } });
}

/** Runs a `cdr` command in process; stdout and stderr as text. */
async function cdr(
  command: ReturnType<typeof usageCommand>,
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  let err = '';
  stdout.on('data', (chunk: Buffer) => out.push(chunk));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr };
  const code = await command.run(args, io);
  return { code, stdout: Buffer.concat(out).toString('utf8'), stderr: err };
}

const cliEnv = () => ({
  KAFKA_BROKERS: testKafkaBrokers().join(','),
  TOPIC_ACCOUNTS: accountsTopic,
  CLICKHOUSE_URL: testClickhouseUrl(),
  CLICKHOUSE_DATABASE: database,
});

describe('billing API', () => {
  it('answers health and readiness without a token', async () => {
    expect((await get('/healthz', null)).status).toBe(200);
    expect((await get('/readyz', null)).status).toBe(200);
  });

  it('is 401 without a token or with a wrong one', async () => {
    const none = await get('/accounts/acme-us/usage?month=2026-01', null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(await none.json()).toMatchObject({ error: 'unauthorized' });
    expect((await get('/accounts/acme-us/usage?month=2026-01', 'wrong-token-0123456789')).status).toBe(401);
  });

  it('is 400 with a JSON reason for a bad account id or month', async () => {
    const badId = await get("/accounts/a'b/usage?month=2026-01");
    expect(badId.status).toBe(400);
    expect(await badId.json()).toEqual({
      error: 'bad_request',
      message:
        'account id must be 1 to 128 characters from A-Z a-z 0-9 . _ : @ -, starting with a letter or digit',
    });
    const badMonth = await get('/accounts/acme-us/billed-calls.csv?invoice_month=2026-1');
    expect(badMonth.status).toBe(400);
    expect(await badMonth.json()).toMatchObject({
      error: 'bad_request',
      message: expect.stringContaining('invoice month'),
    });
  });

  it('is 404 for an account that is not on the accounts topic', async () => {
    const response = await get('/accounts/nobody/usage?month=2026-01');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: 'unknown_account' });
    expect((await get('/accounts/nobody/billed-calls.csv?invoice_month=2026-02')).status).toBe(404);
  });

  it('is 409 when calls of the month are rated in another currency than the account', async () => {
    // euro-1 is EUR on the topic, but a call of its January was rated in USD (the fixture's currency).
    const call = { ...FIXTURE_CALLS.find((c) => c.cdr === 'i2')!, account: 'euro-1' };
    await clickhouse.command(insertCalls(database, [call]));
    const response = await get('/accounts/euro-1/usage?month=2026-01');
    expect(response.status).toBe(409);
    expect(await response.json()).toEqual({
      error: 'currency_mismatch',
      message: "1 billable call(s) of the month are rated in USD, the account's currency is EUR",
    });
  });

  it('returns the hand-worked usage of January, equal to what cdr usage prints', async () => {
    const response = await get('/accounts/acme-us/usage?month=2026-01');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    const body = await response.json();
    expect(body).toEqual({
      account_id: 'acme-us',
      month: '2026-01',
      currency: 'USD',
      included_minutes: '3',
      lines: [
        { line_item: 'Included Minutes in Plan', minutes: '3', charge: '0.00' },
        { line_item: 'Outbound Minutes Overages', minutes: '5', charge: '0.10' },
        { line_item: 'Domestic Premium Minutes Not in Plan', minutes: '2', charge: '0.12' },
        { line_item: 'Toll-Free Phone Numbers (DID)', minutes: '3', charge: '0.11' },
        { line_item: 'International Phone Numbers (DID)', minutes: '3', charge: '0.38' },
      ],
      total_charge: '0.71',
    });
    const cli = await cdr(usageCommand(cliEnv()), ['--account', 'acme-us', '--month', '2026-01']);
    expect(cli.code).toBe(0);
    expect(JSON.parse(cli.stdout)).toEqual(body);
  }, 60_000);

  it('bills the Brazilian account in BRL with fractional minutes, as cdr usage does', async () => {
    const body = (await (await get('/accounts/br-sp/usage?month=2026-01')).json()) as { lines: unknown[] };
    expect(body).toMatchObject({ currency: 'BRL', total_charge: '0.04' });
    expect(body.lines[1]).toEqual({ line_item: 'Outbound Minutes Overages', minutes: '0.7', charge: '0.04' });
    const cli = await cdr(usageCommand(cliEnv()), ['--account', 'br-sp', '--month', '2026-01']);
    expect(JSON.parse(cli.stdout)).toEqual(body);
  }, 60_000);

  it('streams the billed call details of the February invoice, equal to cdr export bcd', async () => {
    const response = await get('/accounts/acme-us/billed-calls.csv?invoice_month=2026-02');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      'attachment; filename="bcd-acme-us-2026-02.csv"',
    );
    const csv = await response.text();
    expect(csv.split('\n')).toHaveLength(7); // header, 5 calls, final newline
    expect(csv).toContain(
      '+12125550100,+4930123456,2026-01-31 23:30:00,2026-01-31 23:31:00,60,1,0.125,0.125,International\n',
    );
    const cli = await cdr(exportBcdCommand(cliEnv()), ['--account', 'acme-us', '--invoice-month', '2026-02']);
    expect(cli.code).toBe(0);
    expect(cli.stdout).toBe(csv);
  });

  it('answers 500 with a JSON reason when ClickHouse refuses the export, before any CSV byte', async () => {
    await clickhouse.command(
      sql`RENAME TABLE ${sql.identifier(`${database}.rated_calls`)} TO ${sql.identifier(`${database}.rated_calls_away`)}`,
    );
    try {
      const response = await get('/accounts/acme-us/billed-calls.csv?invoice_month=2026-02');
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: 'internal' });
    } finally {
      await clickhouse.command(
        sql`RENAME TABLE ${sql.identifier(`${database}.rated_calls_away`)} TO ${sql.identifier(`${database}.rated_calls`)}`,
      );
    }
  });

  it('counts requests by route and status and times them', async () => {
    const metrics = await (await get('/metrics', null)).text();
    expect(metrics).toMatch(/cdrate_billing_api_requests_total\{route="usage",status="200"\} [1-9]/);
    expect(metrics).toMatch(/cdrate_billing_api_requests_total\{route="usage",status="401"\} [1-9]/);
    expect(metrics).toMatch(
      /cdrate_billing_api_request_duration_seconds_count\{route="billed_calls"\} [1-9]/,
    );
    expect(metrics).toMatch(/cdrate_billing_api_exported_rows_total 5/);
  });
});
