// The data of the offline transform benchmarks (`transform.mjs` here and in services/rating/bench): the
// pipeline bench's accounts and raw JSON CDRs, as ingest consumes them. See the usage in transform.mjs.
import { existsSync, readFileSync } from 'node:fs';
import { toCoreAccount } from '@cdrate/account-directory';

const dir = new URL('../../../.local/bench/pipeline/data-1000000/', import.meta.url);

/**
 * The accounts (core form, by id) and the first `count` CDR lines as consumed messages (`application/json`,
 * offsets 0, 1, …). Exits with code 2 when the data has not been written yet.
 */
export function loadBenchData(count) {
  if (!existsSync(new URL('cdrs.jsonl', dir))) {
    console.error(
      `no ${new URL('cdrs.jsonl', dir).pathname}: see the usage in services/ingest/bench/transform.mjs`,
    );
    process.exit(2);
  }
  const accounts = new Map();
  for (const line of readFileSync(new URL('accounts.jsonl', dir), 'utf8').split('\n')) {
    if (!line) continue;
    const result = toCoreAccount(JSON.parse(line));
    if (result.ok) accounts.set(result.account.accountId, result.account);
  }
  const contentType = Buffer.from('application/json');
  const messages = readFileSync(new URL('cdrs.jsonl', dir), 'utf8')
    .split('\n')
    .slice(0, count)
    .map((line, i) => ({
      key: null,
      value: Buffer.from(line),
      headers: { 'content-type': contentType },
      offset: String(i),
      timestamp: '0',
    }));
  return { accounts, messages };
}
