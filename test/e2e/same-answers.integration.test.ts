/**
 * Same answers as the offline rater: a mixed file (national-format and E.164 numbers, bad records, resends)
 * published to the raw topic of a real pipeline ends in ClickHouse with exactly the rated fields `cdr rate`
 * gives for it — compared line by line through `cdr export rated`, for every account and month — and its
 * rejects land on the dead-letter topic with the codes `cdr rate` gives. Poison messages published in the
 * middle of the stream (garbage bytes, an Avro record of the wrong schema, a 1 MB message, wrong types)
 * are dead-lettered too and stop no consumer.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli } from '@cdrate/cli';
import { createKafka } from '@cdrate/kafka';
import { decodeDlqRecord, encodeAccount, type DlqRecord } from '@cdrate/schemas';
import { cdrOk, generateAndRateOffline } from '../support/cli.js';
import { eventually, TestPipeline } from '../support/pipeline.js';
import { readPipelineAnswer, testClickhouse } from '../support/reconcile.js';
import { testClickhouseUrl, testKafkaBrokers } from '../support/stack.js';

const CDR_COUNT = 5000;
const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdrate-same-'));
const accountsFile = path.join(workDir, 'accounts.jsonl');
const cdrsFile = path.join(workDir, 'cdrs.jsonl');
let pipeline: TestPipeline;

afterAll(async () => {
  await pipeline?.dispose();
  fs.rmSync(workDir, { recursive: true, force: true });
});

interface OfflineCall {
  readonly line: string;
  readonly cdr_id: string;
  readonly account_id: string;
  readonly start_time: string;
}

/** `cdr export rated` in-process; resolves to its standard output. */
async function exportRated(account: string, month: string, database: string): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await runCli(
    [
      'export',
      'rated',
      '--account',
      account,
      '--month',
      month,
      '--database',
      database,
      '--clickhouse-url',
      testClickhouseUrl(),
    ],
    { stdin: Readable.from(['']), stdout, stderr },
  );
  if (code !== 0) throw new Error(`cdr export rated exited ${code}: ${err}`);
  return out;
}

it('rates a published file exactly as cdr rate does, and dead-letters what it rejects with the same codes', async () => {
  const { ratedFile, rejectsFile } = await generateAndRateOffline(
    workDir,
    { count: CDR_COUNT, accounts: 12, badRate: '0.03', duplicateRate: '0.02', days: 60, seed: 99 },
    [3],
  );
  const offline: OfflineCall[] = fs
    .readFileSync(ratedFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => ({ line, ...(JSON.parse(line) as Omit<OfflineCall, 'line'>) }));
  const offlineRejects = fs
    .readFileSync(rejectsFile, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as { error_code: string });

  pipeline = await TestPipeline.create('e2e_same');
  const brokers = testKafkaBrokers().join(',');
  await cdrOk([
    'accounts',
    'load',
    '--file',
    accountsFile,
    '--topic',
    pipeline.names.topics.accounts,
    '--brokers',
    brokers,
  ]);
  await pipeline.start();

  const kafka = createKafka({ brokers: testKafkaBrokers(), clientId: 'e2e-poison' });
  const producer = await kafka.connectProducer();
  const poison = [
    { value: Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37]), headers: { 'content-type': 'application/json' } },
    {
      value: encodeAccount({
        account_id: 'x',
        country: 'US',
        billing_start_date: '2026-01-01',
        included_minutes: 0,
        overage_rate: '0.02',
        toll_free_numbers: [],
        numbers: [],
        currency: 'USD',
      }),
      headers: { 'content-type': 'avro/binary' },
    },
    { value: Buffer.alloc(1024 * 1024, 0x61), headers: { 'content-type': 'application/json' } },
    { value: JSON.stringify({ cdr_id: ['not', 'a', 'string'], account_id: 42, start_time: true }) },
  ];
  await producer.send(pipeline.names.topics.raw, poison);
  await cdrOk(['publish', '--file', cdrsFile, '--topic', pipeline.names.topics.raw, '--brokers', brokers]);
  await producer.send(pipeline.names.topics.raw, poison.slice(0, 1));

  const expectedRejects = offlineRejects.length + poison.length + 1;
  const clickhouse = testClickhouse();
  try {
    await eventually(
      'every CDR rated or dead-lettered',
      async () => {
        const answer = await readPipelineAnswer(clickhouse, pipeline.names.database);
        return answer.rated >= offline.length && answer.rejected >= expectedRejects ? answer : undefined;
      },
      180_000,
      1000,
    );
  } finally {
    await clickhouse.close();
  }

  // Rated calls: every account and month, exported, equals cdr rate's lines in the export's order.
  const groups = new Map<string, OfflineCall[]>();
  for (const call of offline) {
    const key = `${call.account_id} ${call.start_time.slice(0, 7)}`;
    groups.set(key, [...(groups.get(key) ?? []), call]);
  }
  let compared = 0;
  for (const [key, calls] of groups) {
    const [account, month] = key.split(' ') as [string, string];
    const expected = [...calls]
      .sort(
        (a, b) =>
          Date.parse(a.start_time) - Date.parse(b.start_time) ||
          (a.cdr_id < b.cdr_id ? -1 : a.cdr_id > b.cdr_id ? 1 : 0),
      )
      .map((call) => call.line);
    const exported = (await exportRated(account, month, pipeline.names.database))
      .split('\n')
      .filter((l) => l !== '');
    expect({ key, lines: exported }).toEqual({ key, lines: expected });
    compared += exported.length;
  }
  expect(compared).toBe(offline.length);

  // Dead letters: read the DLQ topic; codes match cdr rate's rejects, plus the poison as MALFORMED_RECORD/BAD_FIELD.
  const letters: DlqRecord[] = [];
  const consumer = await kafka.runConsumer({
    groupId: `${pipeline.names.prefix}-dlq-check`,
    topics: [pipeline.names.topics.dlq],
    fromBeginning: true,
    handleBatch: (batch) => {
      for (const message of batch.messages) {
        const decoded = decodeDlqRecord(message.value ?? Buffer.alloc(0));
        if (decoded.ok) letters.push(decoded.value);
      }
      return Promise.resolve();
    },
  });
  await eventually(
    'all dead letters read',
    () => Promise.resolve(letters.length >= expectedRejects ? true : undefined),
    60_000,
  );
  await consumer.stop();
  await producer.disconnect();
  const countCodes = (codes: string[]): Record<string, number> =>
    codes.reduce<Record<string, number>>((acc, code) => ({ ...acc, [code]: (acc[code] ?? 0) + 1 }), {});
  const expectedCodes = countCodes(offlineRejects.map((r) => r.error_code));
  expectedCodes['MALFORMED_RECORD'] = (expectedCodes['MALFORMED_RECORD'] ?? 0) + 4; // garbage ×2, wrong Avro, 1 MB
  expectedCodes['BAD_FIELD'] = (expectedCodes['BAD_FIELD'] ?? 0) + 1; // wrong types
  expect(countCodes(letters.map((l) => l.error_code))).toEqual(expectedCodes);
  expect(letters.every((l) => l.stage === 'ingest')).toBe(true);
  const large = letters.find((l) => l.error_message.startsWith('TOO_LARGE'));
  expect(large?.payload.length).toBe(1024 * 1024);
  // The consumers are still up after the poison.
  for (const instance of pipeline.instances) expect(await instance.isReady()).toBe(true);
}, 600_000);
