/**
 * What end-to-end tests compare: the offline rater's answer for a file (`cdr rate`) against what the
 * pipeline left in ClickHouse, with exact decimal arithmetic (BigInt at 11 decimal places).
 */
import * as fs from 'node:fs';
import { createClickhouse, sql, type ClickhouseClient } from '@cdrate/clickhouse';
import { testClickhouseUrl } from './stack.js';

/** Decimal places of `cost` (ClickHouse Decimal(18, 11)). */
const SCALE = 11;

/** Parses a non-negative decimal string ("0.375", "12", "0.37500000000") into units of 1e-11. */
export function toUnits(text: string): bigint {
  const match = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (match === null) throw new Error(`not a decimal: ${JSON.stringify(text)}`);
  const fraction = (match[2] ?? '').padEnd(SCALE, '0');
  if (fraction.length > SCALE && /[1-9]/.test(fraction.slice(SCALE)))
    throw new Error(`too many decimals: ${text}`);
  return BigInt(match[1] ?? '0') * 10n ** BigInt(SCALE) + BigInt(fraction.slice(0, SCALE) || '0');
}

export interface OfflineAnswer {
  readonly rated: number;
  readonly rejected: number;
  readonly rejectedByCode: ReadonlyMap<string, number>;
  /** Sum of `cost` per account, in units of 1e-11. */
  readonly costByAccount: ReadonlyMap<string, bigint>;
  readonly ratedIds: ReadonlySet<string>;
}

/** Reads the output and rejects files of a `cdr rate` run. */
export function readOfflineAnswer(ratedFile: string, rejectsFile: string): OfflineAnswer {
  const costByAccount = new Map<string, bigint>();
  const ratedIds = new Set<string>();
  for (const line of fs.readFileSync(ratedFile, 'utf8').split('\n')) {
    if (line === '') continue;
    const call = JSON.parse(line) as { cdr_id: string; account_id: string; cost: string };
    ratedIds.add(`${call.account_id}/${call.cdr_id}`);
    costByAccount.set(call.account_id, (costByAccount.get(call.account_id) ?? 0n) + toUnits(call.cost));
  }
  const rejectedByCode = new Map<string, number>();
  let rejected = 0;
  for (const line of fs.readFileSync(rejectsFile, 'utf8').split('\n')) {
    if (line === '') continue;
    const reject = JSON.parse(line) as { error_code: string };
    rejected += 1;
    rejectedByCode.set(reject.error_code, (rejectedByCode.get(reject.error_code) ?? 0) + 1);
  }
  return { rated: ratedIds.size, rejected, rejectedByCode, costByAccount, ratedIds };
}

export interface PipelineAnswer {
  /** Distinct calls (account_id, cdr_id) in rated_calls. */
  readonly rated: number;
  /** Distinct DLQ records in rejected_cdrs. */
  readonly rejected: number;
  readonly rejectedByCode: ReadonlyMap<string, number>;
  readonly costByAccount: ReadonlyMap<string, bigint>;
}

export function testClickhouse(): ClickhouseClient {
  return createClickhouse({ url: testClickhouseUrl() });
}

/** Reads the deduplicated state of a pipeline's database (latest rating of each call). */
export async function readPipelineAnswer(
  client: ClickhouseClient,
  database: string,
): Promise<PipelineAnswer> {
  const ratedTable = sql.identifier(`${database}.rated_calls`);
  const rejectedTable = sql.identifier(`${database}.rejected_cdrs`);
  const perAccount = await client.query<{ account_id: string; calls: string; total: string }>(
    sql`SELECT account_id, toString(count()) AS calls, toString(sum(latest_cost)) AS total
        FROM (SELECT account_id, cdr_id, argMax(cost, rating_version) AS latest_cost
              FROM ${ratedTable} GROUP BY account_id, cdr_id)
        GROUP BY account_id`,
  );
  const costByAccount = new Map<string, bigint>();
  let rated = 0;
  for (const row of perAccount) {
    rated += Number(row.calls);
    costByAccount.set(row.account_id, toUnits(row.total));
  }
  const byCode = await client.query<{ error_code: string; records: string }>(
    sql`SELECT error_code, toString(count()) AS records FROM ${rejectedTable} FINAL GROUP BY error_code`,
  );
  const rejectedByCode = new Map<string, number>();
  let rejected = 0;
  for (const row of byCode) {
    rejected += Number(row.records);
    rejectedByCode.set(row.error_code, Number(row.records));
  }
  return { rated, rejected, rejectedByCode, costByAccount };
}
