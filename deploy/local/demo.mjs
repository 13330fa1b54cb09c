// The demo's steps after the build and the stack (see demo.sh): sample data, the offline rater's answer,
// the pipeline, publishing, waiting until settled, and a summary of what landed in ClickHouse.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClickhouse, sql } from '../../packages/clickhouse/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const stateDir = process.env.CDRATE_STATE_DIR || join(root, '.local');
const demoDir = join(stateDir, 'demo');
const count = Number(process.env.DEMO_CDRS || 5000);
const database = process.env.CLICKHOUSE_DATABASE || 'cdr';
const clickhouseUrl = process.env.CLICKHOUSE_URL || 'http://127.0.0.1:8123';
// A new seed per run gives new cdr_ids, so a second demo run is counted on its own.
const seed = String(Math.floor(Date.now() / 1000) % 1_000_000_000);
const demoStartedSec = Math.floor(Date.now() / 1000);
const step = (title) => process.stdout.write(`\n== ${title}\n`);
const cdr = (...args) =>
  execFileSync(process.execPath, [join(root, 'packages', 'cli', 'dist', 'main.js'), ...args], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });

step(`sample data: 200 accounts, ${count} CDRs (2 % deliberately bad, 1 % resent) in ${demoDir}`);
cdr(
  'generate',
  '--out-dir',
  demoDir,
  '--count',
  String(count),
  '--accounts',
  '200',
  '--bad-rate',
  '0.02',
  '--duplicate-rate',
  '0.01',
  '--seed',
  seed,
);

step('the offline rater on the same file (cdr rate: no Kafka, no ClickHouse)');
try {
  cdr(
    'rate',
    '--rates',
    join(root, 'rate-tables', 'default'),
    '--accounts',
    join(demoDir, 'accounts.jsonl'),
    '--in',
    join(demoDir, 'cdrs.jsonl'),
    '--out',
    join(demoDir, 'rated.jsonl'),
    '--rejects',
    join(demoDir, 'rejects.jsonl'),
  );
} catch (error) {
  if (error.status !== 3) throw error; // 3 = some records rejected, as intended here
}
const offlineRated = new Set(
  readFileSync(join(demoDir, 'rated.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const call = JSON.parse(line);
      return `${call.account_id}/${call.cdr_id}`;
    }),
).size;
const offlineRejected = readFileSync(join(demoDir, 'rejects.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean).length;

step('accounts → Kafka topic "accounts"');
cdr('accounts', 'load', '--file', join(demoDir, 'accounts.jsonl'));

step('the pipeline: ingest, rating, aggregation');
execFileSync(process.execPath, [join(root, 'deploy', 'local', 'pipeline.mjs'), 'up'], { stdio: 'inherit' });

step('a switch publishes the CDRs → Kafka topic "cdr.raw"');
cdr('publish', '--file', join(demoDir, 'cdrs.jsonl'));

step('waiting until every CDR is rated or dead-lettered');
const clickhouse = createClickhouse({ url: clickhouseUrl });
const rated = sql.identifier(`${database}.rated_calls`);
const rejected = sql.identifier(`${database}.rejected_cdrs`);
const demoIds = sql`cdr_id LIKE ${`cdr-${seed}-%`}`;
const sinceDemo = sql`failed_at >= ${sql.dateTime(demoStartedSec)}`;
async function landed() {
  const [r] = await clickhouse.query(
    sql`SELECT toString(uniqExact(account_id, cdr_id)) AS n FROM ${rated} WHERE ${demoIds}`,
  );
  const [j] = await clickhouse.query(
    sql`SELECT toString(count()) AS n FROM ${rejected} FINAL WHERE ${sinceDemo}`,
  );
  return { rated: Number(r.n), rejected: Number(j.n) };
}
const started = Date.now();
let now = { rated: 0, rejected: 0 };
while (now.rated < offlineRated || now.rejected < offlineRejected) {
  if (Date.now() - started > 120_000) {
    process.stderr.write(
      `demo: not settled after 120 s (${now.rated} rated, ${now.rejected} rejected); see ${join(stateDir, 'log')}\n`,
    );
    process.exit(1);
  }
  await new Promise((resolve) => setTimeout(resolve, 500));
  now = await landed().catch(() => now);
}
process.stdout.write(`settled in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

step('what landed in ClickHouse (deduplicated: latest rating of each call)');
const byType = await clickhouse.query(sql`
  SELECT toString(call_type) AS call_type, toString(count()) AS calls, toString(sum(billable_minutes)) AS minutes,
         toString(sum(cost)) AS cost
  FROM (SELECT account_id, cdr_id, argMax(call_type, rating_version) AS call_type,
               argMax(billable_minutes, rating_version) AS billable_minutes, argMax(cost, rating_version) AS cost
        FROM ${rated} WHERE ${demoIds} GROUP BY account_id, cdr_id)
  GROUP BY call_type ORDER BY call_type`);
const trim = (text) => (text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text);
process.stdout.write(
  `${'call type'.padEnd(20)}${'calls'.padStart(8)}${'minutes'.padStart(14)}${'cost (mixed currencies)'.padStart(28)}\n`,
);
for (const row of byType) {
  process.stdout.write(
    `${row.call_type.padEnd(20)}${row.calls.padStart(8)}${trim(row.minutes).padStart(14)}${trim(row.cost).padStart(28)}\n`,
  );
}
const codes = await clickhouse.query(
  sql`SELECT error_code, toString(count()) AS n FROM ${rejected} FINAL WHERE ${sinceDemo} GROUP BY error_code ORDER BY error_code`,
);
process.stdout.write(`\ndead letters by code: ${codes.map((c) => `${c.error_code} ${c.n}`).join(', ')}\n`);
process.stdout.write(
  `\npipeline: ${now.rated} calls rated, ${now.rejected} dead-lettered` +
    `\noffline:  ${offlineRated} calls rated, ${offlineRejected} rejected (cdr rate, same file)` +
    `\n${now.rated === offlineRated && now.rejected === offlineRejected ? 'the pipeline agrees with the offline rater' : 'MISMATCH between pipeline and offline rater'}\n`,
);
const [sample] = await clickhouse.query(
  sql`SELECT account_id, toString(toYYYYMM(start_time)) AS month FROM ${rated} WHERE ${demoIds} AND call_type = 'international' LIMIT 1`,
);
await clickhouse.close();

step('where to look');
const month = sample ? `${sample.month.slice(0, 4)}-${sample.month.slice(4)}` : '2026-01';
process.stdout
  .write(`- rated calls of one account:  pnpm --silent cdr export rated --account ${sample?.account_id ?? 'acct-00000'} --month ${month} --format csv
- SQL (read-only user):         clickhouse-client --user analyst --password analyst --query "SELECT call_type, count() FROM ${database}.rated_calls FINAL GROUP BY call_type"
- health and metrics:           curl http://127.0.0.1:9471/metrics (ingest), :9482 (rating), :9473 (aggregation)
- logs:                         ${join(stateDir, 'log')}
- replay dead letters:          pnpm cdr dlq replay --code NO_RATE --dry-run
- stop everything:              pnpm pipeline:down && pnpm stack:down
`);
