/**
 * Nothing lost, nothing twice: 100,000 CDRs (1 % bad, 0.5 % resends) go through the real pipeline —
 * services as processes, the real Kafka broker and ClickHouse — while one part of it fails:
 *   (a) the aggregation service is killed with SIGKILL mid-run and started again;
 *   (b) ClickHouse is stopped for 20 s and started again;
 *   (c) one of two rating instances is killed with SIGKILL mid-run (the other takes over its partitions).
 * After the pipeline settles, distinct rated calls + dead letters + resends = CDRs sent, and both the
 * counts by reject code and every account's usage sum equal what the offline rater (`cdr rate`) gives
 * for the same file, to the last of 11 decimal places.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ClickhouseClient } from '@cdrate/clickhouse';
import { cdr, cdrOk, generateAndRateOffline } from '../support/cli.js';
import { eventually, repoRoot, sleep, TestPipeline } from '../support/pipeline.js';
import {
  readOfflineAnswer,
  readPipelineAnswer,
  testClickhouse,
  type OfflineAnswer,
  type PipelineAnswer,
} from '../support/reconcile.js';
import { testKafkaBrokers } from '../support/stack.js';

const CDR_COUNT = 100_000;
const SETTLE_TIMEOUT_MS = 300_000;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrate-e2e-'));
const accountsFile = path.join(workDir, 'accounts.jsonl');
const cdrsFile = path.join(workDir, 'cdrs.jsonl');

let offline: OfflineAnswer;
let duplicates: number;
let clickhouse: ClickhouseClient;
const pipelines: TestPipeline[] = [];

beforeAll(async () => {
  const run = await generateAndRateOffline(
    workDir,
    { count: CDR_COUNT, accounts: 500, badRate: '0.01', duplicateRate: '0.005', seed: 42 },
    [0, 3],
  );
  offline = readOfflineAnswer(run.ratedFile, run.rejectsFile);
  duplicates = Number(/duplicates\s+([\d,]+)/.exec(run.rate.stderr)?.[1]?.replace(/,/g, '') ?? 'NaN');
  expect(offline.rated + offline.rejected + duplicates).toBe(CDR_COUNT);
  clickhouse = testClickhouse();
}, 120_000);

afterEach(async () => {
  for (const pipeline of pipelines.splice(0)) {
    await pipeline.dispose();
  }
});

afterAll(async () => {
  await clickhouse.close();
  fs.rmSync(workDir, { recursive: true, force: true });
});

function brokersEnv(): string {
  return testKafkaBrokers().join(',');
}

/** Loads the accounts, starts the services, and starts publishing the CDR file (not awaited). */
async function startRun(
  label: string,
  ratingInstances = 1,
): Promise<{ pipeline: TestPipeline; published: Promise<void> }> {
  const pipeline = await TestPipeline.create(label, { ratingInstances });
  pipelines.push(pipeline);
  await cdrOk([
    'accounts',
    'load',
    '--file',
    accountsFile,
    '--topic',
    pipeline.names.topics.accounts,
    '--brokers',
    brokersEnv(),
  ]);
  await pipeline.start();
  const published = cdrOk([
    'publish',
    '--file',
    cdrsFile,
    '--topic',
    pipeline.names.topics.raw,
    '--brokers',
    brokersEnv(),
  ]).then((run) => {
    expect(run.stderr).toMatch(new RegExp(`sent ${CDR_COUNT.toLocaleString('en-US')}|sent ${CDR_COUNT}`));
  });
  return { pipeline, published };
}

/** Waits until at least `share` of the expected calls are queryable. */
async function waitForLanded(pipeline: TestPipeline, share: number): Promise<void> {
  await eventually(
    `${share * 100} % of the calls in ClickHouse`,
    async () => {
      const answer = await readPipelineAnswer(clickhouse, pipeline.names.database);
      return answer.rated >= offline.rated * share ? true : undefined;
    },
    SETTLE_TIMEOUT_MS,
  );
}

/** Waits until every CDR is accounted for, then checks the books against the offline rater. */
async function expectSettledAndExact(pipeline: TestPipeline): Promise<PipelineAnswer> {
  const answer = await eventually(
    'every CDR rated or dead-lettered',
    async () => {
      const current = await readPipelineAnswer(clickhouse, pipeline.names.database);
      return current.rated + current.rejected >= offline.rated + offline.rejected ? current : undefined;
    },
    SETTLE_TIMEOUT_MS,
    1000,
  );
  // Give a replay still in flight the chance to (wrongly) add something, then read again.
  await sleep(3000);
  const settled = await readPipelineAnswer(clickhouse, pipeline.names.database);
  expect(settled.rated + settled.rejected + duplicates).toBe(CDR_COUNT);
  expect(settled.rated).toBe(offline.rated);
  expect(settled.rejected).toBe(offline.rejected);
  expect(Object.fromEntries(settled.rejectedByCode)).toEqual(Object.fromEntries(offline.rejectedByCode));
  expect(settled.costByAccount.size).toBe(offline.costByAccount.size);
  for (const [account, units] of offline.costByAccount) {
    expect([account, settled.costByAccount.get(account)]).toEqual([account, units]);
  }
  return answer;
}

describe('the pipeline loses nothing and bills nothing twice', () => {
  it('when the aggregation service is killed with SIGKILL mid-run and restarted', async () => {
    const { pipeline, published } = await startRun('e2e_kill_agg');
    await waitForLanded(pipeline, 0.2);
    const aggregation = pipeline.instance('aggregation');
    await aggregation.kill();
    await sleep(1000);
    await aggregation.start();
    await published;
    await expectSettledAndExact(pipeline);
  }, 600_000);

  it('when ClickHouse is stopped for 20 s and started again', async () => {
    const { pipeline, published } = await startRun('e2e_ch_down');
    await waitForLanded(pipeline, 0.2);
    const stateDir = process.env['CDRATE_STATE_DIR'] ?? path.join(repoRoot, '.local');
    const pid = Number(fs.readFileSync(path.join(stateDir, 'run', 'clickhouse.pid'), 'utf8').trim());
    process.kill(pid, 'SIGTERM');
    await eventually(
      'ClickHouse to stop',
      () => Promise.resolve(isAlive(pid) ? undefined : true),
      30_000,
      100,
    );
    await sleep(20_000);
    const down = await cdr(['--help']); // the CLI still works without ClickHouse
    expect(down.code).toBe(0);
    execFileSync(process.execPath, [path.join(repoRoot, 'deploy', 'local', 'stack.mjs'), 'up'], {
      stdio: 'ignore',
    });
    await published;
    await expectSettledAndExact(pipeline);
    expect(await pipeline.instance('aggregation').isReady()).toBe(true);
  }, 600_000);

  it('when one of two rating instances is killed with SIGKILL mid-run', async () => {
    const { pipeline, published } = await startRun('e2e_kill_rating', 2);
    await waitForLanded(pipeline, 0.2);
    await pipeline.instance('rating-1').kill();
    await published;
    await expectSettledAndExact(pipeline);
  }, 600_000);
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
