/**
 * Billing against the real ClickHouse (18.16 here): a database migrated with the project's migrations,
 * holding the hand-made calls of `fixtures.ts` (resent, re-rated and month-corrected calls included), and
 * invoices worked out by hand.
 */
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { createClickhouse, migrate, sql, type ClickhouseClient } from '@cdrate/clickhouse';
import {
  BCD_CSV_HEADER,
  COST_SCALE,
  formatFixed,
  parseUnits,
  roundHalfUp,
  exportBilledCalls,
  fetchUsage,
  usageMonthOfInvoice,
  type BillingPlan,
  type Month,
  type UsageReport,
} from '@cdrate/billing';
import { testClickhouseUrl, uniqueName } from '../../../test/support/stack.js';
import {
  ACME_FEBRUARY_INVOICE_BCD,
  ACME_JANUARY,
  ACME_PLAN,
  BRAZIL_PLAN,
  FIXTURE_CALLS,
  insertCalls,
  type FixtureCall,
} from './fixtures.js';

const repoRoot = path.resolve(__dirname, '..', '..', '..');
const database = uniqueName('billing');
let clickhouse: ClickhouseClient;

const JANUARY: Month = { year: 2026, month: 1 };
const FEBRUARY: Month = { year: 2026, month: 2 };

function usage(accountId: string, month: Month, plan: BillingPlan = ACME_PLAN): Promise<UsageReport> {
  return fetchUsage(clickhouse, { database, accountId, month, plan });
}

async function bcd(accountId: string, invoiceMonth: Month): Promise<string> {
  const sink = new PassThrough();
  const chunks: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => chunks.push(chunk));
  const { rows } = await exportBilledCalls(
    clickhouse,
    { database, accountId, month: usageMonthOfInvoice(invoiceMonth) },
    sink,
  );
  const text = Buffer.concat(chunks).toString('utf8');
  expect(text.split('\n').length - 2).toBe(rows);
  return text;
}

function charges(report: UsageReport): string[][] {
  return report.lines.map((line) => [line.line_item, line.minutes, line.charge]);
}

beforeAll(async () => {
  clickhouse = createClickhouse({ url: testClickhouseUrl(), database: 'default' });
  await migrate(clickhouse, { dir: path.join(repoRoot, 'schemas', 'clickhouse'), database });
  await clickhouse.command(insertCalls(database, FIXTURE_CALLS));
});

afterAll(async () => {
  await clickhouse.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`);
  await clickhouse.close();
});

describe('usage of a month against ClickHouse', () => {
  it('gives the hand-worked January invoice lines of acme-us', async () => {
    const report = await usage('acme-us', JANUARY);
    expect(charges(report)).toEqual(ACME_JANUARY);
    // 0.10 + 0.12 + 0.11 + 0.38
    expect(report.total_charge).toBe('0.71');
    expect(report).toMatchObject({
      account_id: 'acme-us',
      month: '2026-01',
      currency: 'USD',
      included_minutes: '3',
    });
  });

  it('puts a call at 21:00 on 31 January at UTC−4 into February', async () => {
    const report = await usage('acme-us', FEBRUARY);
    expect(charges(report)).toEqual([
      ['Included Minutes in Plan', '0', '0.00'],
      ['Outbound Minutes Overages', '0', '0.00'],
      ['Domestic Premium Minutes Not in Plan', '0', '0.00'],
      ['Toll-Free Phone Numbers (DID)', '0', '0.00'],
      ['International Phone Numbers (DID)', '1', '0.20'],
    ]);
  });

  it('bills a call corrected from 31 December into January only in January', async () => {
    const december = await usage('acme-us', { year: 2025, month: 12 });
    expect(december.total_charge).toBe('0.00');
    expect(december.lines.every((line) => line.minutes === '0')).toBe(true);
  });

  it('shows the fractional minutes of a Brazilian account calling Brazilian mobiles', async () => {
    const report = await usage('br-sp', JANUARY, BRAZIL_PLAN);
    // 1.1 + 0.6 = 1.7 plan minutes; 1 included; 0.7 × 0.05 = 0.035 → 0.04.
    expect(charges(report).slice(0, 2)).toEqual([
      ['Included Minutes in Plan', '1', '0.00'],
      ['Outbound Minutes Overages', '0.7', '0.04'],
    ]);
    expect(report.currency).toBe('BRL');
    expect(report.total_charge).toBe('0.04');
  });

  it('gives all-zero lines for an account without calls', async () => {
    const report = await usage('nobody', JANUARY);
    expect(report.total_charge).toBe('0.00');
    expect(report.lines).toHaveLength(5);
  });
});

describe('billed call details against ClickHouse', () => {
  it('lists January’s billed calls on the February invoice, in start-time order, with exact columns', async () => {
    expect(await bcd('acme-us', FEBRUARY)).toBe(ACME_FEBRUARY_INVOICE_BCD);
  });

  it('lists the call of 31 January 21:00 UTC−4 on the March invoice', async () => {
    expect(await bcd('acme-us', { year: 2026, month: 3 })).toBe(
      BCD_CSV_HEADER +
        '+12125550100,+4930123456,2026-02-01 01:00:00,2026-02-01 01:01:00,60,1,0.2,0.2,International\n',
    );
  });

  it('is the header alone for a month without billed calls', async () => {
    expect(await bcd('nobody', FEBRUARY)).toBe(BCD_CSV_HEADER);
  });

  it('sums per call type, rounded once, to the charges of the usage lines of the month', async () => {
    const rows = (await bcd('acme-us', FEBRUARY)).trim().split('\n').slice(1);
    const report = await usage('acme-us', JANUARY);
    const lineOf: Record<string, string> = {
      'Domestic Metered': 'Domestic Premium Minutes Not in Plan',
      'Inbound Toll-Free': 'Toll-Free Phone Numbers (DID)',
      International: 'International Phone Numbers (DID)',
    };
    const sums = new Map<string, bigint>();
    for (const row of rows) {
      const fields = row.split(',');
      const item = lineOf[fields[8]!]!;
      sums.set(item, (sums.get(item) ?? 0n) + parseUnits(fields[6]!, COST_SCALE));
    }
    for (const [item, sum] of sums) {
      const charge = formatFixed(roundHalfUp(sum, COST_SCALE, 2), 2);
      expect([item, charge]).toEqual([item, report.lines.find((line) => line.line_item === item)!.charge]);
    }
    expect(sums.size).toBe(3);
  });
});

describe('resends and re-ratings', () => {
  it('leaves totals and exports unchanged when every call is sent twice and re-rated once', async () => {
    const before = { jan: await usage('acme-us', JANUARY), feb: await usage('acme-us', FEBRUARY) };
    const latest = new Map<string, FixtureCall>();
    for (const call of FIXTURE_CALLS) {
      const key = `${call.account}/${call.cdr}`;
      if ((latest.get(key)?.version ?? -1) <= call.version) latest.set(key, call);
    }
    const reRated = [...latest.values()].map((call) => ({ ...call, version: call.version + 86_400_000 }));
    await clickhouse.command(insertCalls(database, FIXTURE_CALLS)); // sent twice
    await clickhouse.command(insertCalls(database, reRated)); // re-rated once, same tariff
    expect(await usage('acme-us', JANUARY)).toEqual(before.jan);
    expect(await usage('acme-us', FEBRUARY)).toEqual(before.feb);
    expect(await bcd('acme-us', FEBRUARY)).toBe(ACME_FEBRUARY_INVOICE_BCD);
  });

  it('reflects only the latest rating after a tariff fix', async () => {
    const i3 = FIXTURE_CALLS.find((call) => call.cdr === 'i3')!;
    await clickhouse.command(
      insertCalls(database, [{ ...i3, rate: '0.25', cost: '0.25', version: i3.version + 2 * 86_400_000 }]),
    );
    const report = await usage('acme-us', JANUARY);
    // 0.125 + 0.125 + 0.25 = 0.5
    expect(report.lines[4]).toEqual({
      line_item: 'International Phone Numbers (DID)',
      minutes: '3',
      charge: '0.50',
    });
    expect((await bcd('acme-us', FEBRUARY)).trim().split('\n').pop()).toBe(
      '+12125550100,+4930123456,2026-01-31 23:30:00,2026-01-31 23:31:00,60,1,0.25,0.25,International',
    );
  });
});
