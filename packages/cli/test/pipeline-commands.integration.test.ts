// The pipeline commands against the real Kafka and ClickHouse, each test on its own topics, groups and
// database: accounts load, publish (bytes unchanged), dlq replay (filters, exact bytes, remembered
// position) and export rated (deduplicated month, byte-equal to `cdr rate` output after landing).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { readAccountMessage } from '@cdrate/account-directory';
import { createClickhouse, migrate, sql, type ClickhouseClient } from '@cdrate/clickhouse';
import {
  createKafka,
  type ConsumedMessage,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaProducer,
} from '@cdrate/kafka';
import { parseIsoInstant } from '@cdrate/rating-core';
import {
  buildDlqRecord,
  decodeAccount,
  decodeRawCdr,
  encodeDlqRecord,
  encodeNormalizedCdr,
  type RatedCall as WireRatedCall,
} from '@cdrate/schemas';
import { runCli, type CliIo, type Command } from '@cdrate/cli';
// The aggregation service's own landing code: export must read back exactly what it writes.
import { ratedCallRow } from '../../../services/aggregation/src/rows.js';
import { testClickhouseUrl, testKafkaBrokers, uniqueName } from '../../../test/support/stack.js';
import { accountsLoadCommand } from '../src/commands/accounts-load.js';
import { dlqReplayCommand } from '../src/commands/dlq-replay.js';
import { exportRatedCommand } from '../src/commands/export-rated.js';
import { publishCommand } from '../src/commands/publish.js';
import { rateCommand } from '../src/commands/rate.js';

jest.setTimeout(60_000);

const REPO = join(__dirname, '..', '..', '..');
const ENV = { KAFKA_BROKERS: testKafkaBrokers().join(','), CLICKHOUSE_URL: testClickhouseUrl() };
const COMMANDS: readonly Command[] = [
  rateCommand,
  accountsLoadCommand(ENV),
  publishCommand(ENV),
  dlqReplayCommand(ENV),
  exportRatedCommand(ENV),
];

let kafka: KafkaClient;
let admin: KafkaAdmin;
let producer: KafkaProducer;
const topics: string[] = [];

beforeAll(async () => {
  kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('cli_it'), logLevel: 'error' });
  admin = await kafka.connectAdmin();
  producer = await kafka.connectProducer();
});

afterAll(async () => {
  await producer.disconnect();
  await admin.deleteTopics(topics);
  await admin.disconnect();
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cdr(args: readonly string[]): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdin: Readable.from(['']), stdout, stderr };
  const code = await runCli(args, io, COMMANDS);
  return { code, stdout: out, stderr: err };
}

function topicName(label: string): string {
  const topic = uniqueName(`cli_${label}`);
  topics.push(topic);
  return topic;
}

async function newTopic(label: string): Promise<string> {
  const topic = topicName(label);
  await admin.ensureTopics([{ topic, partitions: 3 }]);
  return topic;
}

/** Every message on `topic` now (the sum of its partitions' watermarks), read in a throwaway group. */
async function readAll(topic: string): Promise<ConsumedMessage[]> {
  const offsets = await admin.fetchTopicOffsets(topic);
  const total = offsets.reduce((sum, p) => sum + Number(BigInt(p.high) - BigInt(p.low)), 0);
  if (total === 0) return [];
  const messages: ConsumedMessage[] = [];
  let done!: () => void;
  const all = new Promise<void>((resolve) => (done = resolve));
  const consumer = await kafka.runConsumer({
    groupId: uniqueName('cli_it_reader'),
    topics: [topic],
    fromBeginning: true,
    sessionTimeoutMs: 6000,
    rebalanceTimeoutMs: 6000,
    handleBatch: (batch) => {
      messages.push(...batch.messages);
      if (messages.length >= total) done();
      return Promise.resolve();
    },
  });
  const timeout = new Promise<void>((resolve) => setTimeout(resolve, 20_000).unref());
  await Promise.race([all, timeout]);
  await consumer.stop();
  expect(messages).toHaveLength(total);
  return messages;
}

function tempFile(name: string, content: string | Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-it-'));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

const contentType = (m: ConsumedMessage): string | undefined => m.headers['content-type']?.toString();

describe('cdr accounts load', () => {
  it('publishes each valid account as Avro keyed by account_id, numbers in E.164; bad lines → exit 3', async () => {
    const topic = topicName('accounts');
    const file = tempFile(
      'accounts.jsonl',
      [
        JSON.stringify({
          account_id: 'acme-us',
          country: 'US',
          billing_start_date: '2026-01-01',
          included_minutes: 1000,
          toll_free_numbers: ['+1 800 555 0199'],
          numbers: ['(212) 555-0100'],
        }),
        JSON.stringify({
          account_id: 'samba-br',
          country: 'BR',
          billing_start_date: '2026-01-01',
          currency: 'BRL',
        }),
        '{"account_id": broken',
        JSON.stringify({ account_id: 'acme-us', country: 'US', billing_start_date: '2026-01-01' }),
        '',
      ].join('\n'),
    );
    const result = await cdr(['accounts', 'load', '--file', file, '--topic', topic]);
    expect(result.stderr).toContain(`${file}:3: not a JSON object`);
    expect(result.stderr).toContain(`${file}:4: account_id "acme-us" is also on line 1`);
    expect(result.stderr).toContain(`created topic ${topic} (compacted, 6 partitions)`);
    expect(result.stderr).toMatch(/published 2 accounts to .* in [0-9.]+ s; 2 bad lines not published/);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');

    const messages = await readAll(topic);
    expect((await admin.fetchTopicOffsets(topic)).length).toBe(6);
    const byKey = new Map(messages.map((m) => [m.key?.toString(), m]));
    expect([...byKey.keys()].sort()).toEqual(['acme-us', 'samba-br']);
    const acme = byKey.get('acme-us')!;
    expect(contentType(acme)).toBe('avro/binary');
    const decoded = decodeAccount(acme.value!);
    expect(decoded.ok && decoded.value).toEqual({
      account_id: 'acme-us',
      country: 'US',
      billing_start_date: '2026-01-01',
      included_minutes: 1000,
      overage_rate: '0.02',
      toll_free_numbers: ['+18005550199'],
      numbers: ['+12125550100'],
      currency: 'USD',
    });
    // What ingest and rating do with it.
    expect(readAccountMessage(acme.key, acme.value).kind).toBe('upsert');
    expect(readAccountMessage(byKey.get('samba-br')!.key, byKey.get('samba-br')!.value)).toMatchObject({
      kind: 'upsert',
      account: { accountId: 'samba-br', currency: 'BRL' },
    });
  });
});

describe('cdr publish', () => {
  const good = (id: string, account: string): string =>
    JSON.stringify({
      cdr_id: id,
      account_id: account,
      source: '+12125550100',
      destination: '+442079460000',
      start_time: '2026-01-05T10:00:00Z',
      end_time: '2026-01-05T10:01:00Z',
    });

  it('sends every line as one message, bytes unchanged (malformed too), keyed by account_id', async () => {
    const topic = topicName('raw');
    const lines = [
      Buffer.from(good('c1', 'acme-us')),
      Buffer.from('{"cdr_id": "c2", "account_id": '), // malformed JSON: must reach ingest (→ DLQ) as is
      Buffer.from(good('c3', 'samba-br')),
      Buffer.concat([
        Buffer.from('{"cdr_id":"c4","account_id":"acme-us","x":"'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('"}'),
      ]),
      Buffer.from(good('c5', 'acme-us')),
    ];
    const file = tempFile(
      'cdrs.jsonl',
      Buffer.concat([...lines.flatMap((l) => [l, Buffer.from('\n')]), Buffer.from('\n')]),
    );
    const result = await cdr(['publish', '--file', file, '--topic', topic, '--batch', '2']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(
      new RegExp(`sent 5 CDRs in [0-9.]+ s \\([0-9,]+/s\\) to ${topic.replace(/\./g, '\\.')}`),
    );
    expect(result.stderr).toContain('blank lines skipped 1');

    const messages = await readAll(topic);
    const sent = messages.map((m) => m.value!.toString('hex')).sort();
    expect(sent).toEqual(lines.map((l) => l.toString('hex')).sort());
    for (const m of messages) expect(contentType(m)).toBe('application/json');
    const keyOf = (prefix: string): string | null | undefined =>
      messages.find((m) => m.value!.toString('latin1').startsWith(prefix))?.key?.toString() ?? null;
    expect(keyOf('{"cdr_id":"c1"')).toBe('acme-us');
    expect(keyOf('{"cdr_id":"c3"')).toBe('samba-br');
    expect(keyOf('{"cdr_id": "c2"')).toBeNull();
    expect(keyOf('{"cdr_id":"c4"')).toBe('acme-us');
    // One account's calls keep their order (same key → same partition).
    const acme = messages
      .filter((m) => m.key?.toString() === 'acme-us')
      .map((m) => m.value!.toString('latin1').slice(0, 15));
    expect(acme).toEqual(['{"cdr_id":"c1",', '{"cdr_id":"c4",', '{"cdr_id":"c5",']);
  });

  it('--format avro: valid CSV rows as Avro RawCdr, the rest as JSON', async () => {
    const topic = topicName('raw_avro');
    const file = tempFile(
      'cdrs.csv',
      [
        'cdr_id,account_id,direction,source,destination,start_time,end_time,duration_sec,disposition',
        'a1,acme-us,outbound,+12125550100,+442079460000,2026-01-05T10:00:00Z,2026-01-05T10:01:00Z,62.5,',
        'a2,acme-us,sideways,+12125550100,+442079460000,2026-01-05T10:00:00Z,2026-01-05T10:01:00Z,,',
        'a3,"broken',
      ].join('\n') + '\n',
    );
    const result = await cdr(['publish', '--file', file, '--topic', topic, '--format', 'avro']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('sent 3 CDRs');
    expect(result.stderr).toContain('as Avro 1, as JSON 2 (not a valid RawCdr)');
    const messages = await readAll(topic);
    const avro = messages.filter((m) => contentType(m) === 'avro/binary');
    expect(avro).toHaveLength(1);
    const decoded = decodeRawCdr(avro[0]!.value!);
    expect(decoded.ok && decoded.value).toEqual({
      cdr_id: 'a1',
      account_id: 'acme-us',
      direction: 'outbound',
      source: '+12125550100',
      destination: '+442079460000',
      start_time: '2026-01-05T10:00:00Z',
      end_time: '2026-01-05T10:01:00Z',
      duration_sec: 62.5,
      disposition: 'answered',
    });
    expect(avro[0]!.key?.toString()).toBe('acme-us');
    const json = messages
      .filter((m) => contentType(m) === 'application/json')
      .map((m) => m.value!.toString());
    expect(json.sort()).toEqual(
      [
        JSON.stringify({
          cdr_id: 'a2',
          account_id: 'acme-us',
          direction: 'sideways',
          source: '+12125550100',
          destination: '+442079460000',
          start_time: '2026-01-05T10:00:00Z',
          end_time: '2026-01-05T10:01:00Z',
        }),
        'a3,"broken',
      ].sort(),
    );
  });
});

describe('cdr dlq replay', () => {
  it('replays the selected dead letters byte for byte to their origin topics and remembers its position', async () => {
    const dlq = await newTopic('dlq');
    const raw = await newTopic('raw');
    const normalized = await newTopic('normalized');
    const group = uniqueName('cli_replay');
    const jsonPayload = Buffer.from('{"cdr_id":"j1","account_id":"acme-us","source":"x"}');
    const garbage = Buffer.from([0xff, 0x00, 0x7b, 0x22]);
    const avroPayload = encodeNormalizedCdr({
      cdr_id: 'n1',
      account_id: 'acme-us',
      direction: 'outbound',
      source: '+12125550100',
      source_type: 'fixed_or_mobile',
      destination: '+6799991234',
      destination_type: 'unknown',
      destination_country: 'FJ',
      start_time: Date.UTC(2026, 0, 5, 10),
      end_time: Date.UTC(2026, 0, 5, 10, 1),
      duration_ms: 60_000,
      disposition: 'answered',
      raw_source: '2125550100',
      raw_destination: '+6799991234',
      received_at: Date.UTC(2026, 0, 5, 10, 2),
    });
    const letter = (
      cdrId: string | null,
      code: string,
      stage: 'ingest' | 'rating',
      payload: Buffer,
      failedAtMs: number,
    ): { key: string | null; value: Buffer } => ({
      key: cdrId,
      value: encodeDlqRecord(
        buildDlqRecord({
          cdrId,
          errorCode: code,
          errorMessage: `${code} for the test`,
          stage,
          payload,
          origin: { topic: stage === 'ingest' ? raw : normalized, partition: 0, offset: '12' },
          failedAtMs,
        }),
      ),
    });
    await producer.send(dlq, [
      letter('j1', 'UNKNOWN_ACCOUNT', 'ingest', jsonPayload, Date.UTC(2026, 0, 6)),
      letter('n1', 'NO_RATE', 'rating', avroPayload, Date.UTC(2026, 0, 6)),
      letter(null, 'NOT_JSON', 'ingest', garbage, Date.UTC(2026, 0, 6)),
      letter('old', 'NO_RATE', 'rating', avroPayload, Date.UTC(2025, 5, 1)),
      { key: null, value: Buffer.from('not a dead letter') },
    ]);
    const base = ['dlq', 'replay', '--topic', dlq, '--group', group, '--idle-timeout', '20'];

    // Dry run: prints the matches, sends and commits nothing.
    const dry = await cdr([...base, '--code', 'NO_RATE', '--dry-run']);
    expect(dry.stderr).toMatch(/scanned 5, matched 2, would replay 2/);
    expect(dry.stderr).toContain('not DLQ records, skipped 1');
    expect(dry.code).toBe(3);
    const planned = dry.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(planned.map((p) => p['cdr_id']).sort()).toEqual(['n1', 'old']);
    expect(planned[0]).toMatchObject({
      to: normalized,
      content_type: 'avro/binary',
      key: 'acme-us',
      stage: 'rating',
    });
    expect(await readAll(normalized)).toEqual([]);

    // Real run with filters: only n1 (NO_RATE since 2026).
    const first = await cdr([...base, '--code', 'NO_RATE', '--since', '2026-01-01']);
    expect(first.stderr).toMatch(/scanned 5, matched 1, replayed 1/);
    expect(first.stderr).toMatch(/NO_RATE\s+1/);
    expect(first.stderr).toContain(`→ ${normalized} 1`);
    expect(first.stdout).toBe('');
    const replayedNormalized = await readAll(normalized);
    expect(replayedNormalized).toHaveLength(1);
    expect(replayedNormalized[0]!.value!.equals(avroPayload)).toBe(true);
    expect(contentType(replayedNormalized[0]!)).toBe('avro/binary');
    expect(replayedNormalized[0]!.key?.toString()).toBe('acme-us');

    // The group remembers: a second run sees nothing new.
    const second = await cdr([...base, '--stage', 'ingest']);
    expect(second.stderr).toMatch(/scanned 0, matched 0, replayed 0 .*\(nothing new\)/);
    expect(second.code).toBe(0);
    expect(await readAll(raw)).toEqual([]);

    // --from-beginning reads it all again (without moving the group): the ingest letters to the raw topic.
    const again = await cdr([...base, '--stage', 'ingest', '--from-beginning']);
    expect(again.stderr).toMatch(/scanned 5, matched 2, replayed 2/);
    const replayedRaw = await readAll(raw);
    const byHex = new Map(replayedRaw.map((m) => [m.value!.toString('hex'), m]));
    expect([...byHex.keys()].sort()).toEqual([jsonPayload.toString('hex'), garbage.toString('hex')].sort());
    expect(contentType(byHex.get(jsonPayload.toString('hex'))!)).toBe('application/json');
    expect(byHex.get(jsonPayload.toString('hex'))!.key?.toString()).toBe('acme-us');
    expect(byHex.get(garbage.toString('hex'))!.key).toBeNull();

    // A new dead letter: the group's next run reads only it.
    await producer.send(dlq, [letter('j2', 'UNKNOWN_ACCOUNT', 'ingest', jsonPayload, Date.UTC(2026, 0, 7))]);
    const next = await cdr([...base]);
    expect(next.stderr).toMatch(/scanned 1, matched 1, replayed 1/);
    expect(next.code).toBe(0);
    expect(await readAll(raw)).toHaveLength(3);
  });

  it('fails with exit 2 on a missing dead-letter topic', async () => {
    const result = await cdr(['dlq', 'replay', '--topic', uniqueName('cli_missing')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/does not exist/);
  });
});

describe('cdr export rated', () => {
  const database = uniqueName('cli_export');
  let clickhouse: ClickhouseClient;

  beforeAll(async () => {
    clickhouse = createClickhouse({ url: testClickhouseUrl(), database });
    await migrate(clickhouse, { dir: join(REPO, 'schemas', 'clickhouse'), database });
  });

  afterAll(async () => {
    await clickhouse.command(sql`DROP DATABASE IF EXISTS ${sql.identifier(database)}`, {
      database: 'system',
    });
    await clickhouse.close();
  });

  /** `cdr rate` output lines (by cdr_id) for CDRs of account acme-us. */
  async function rateWithTheCore(cdrs: readonly Record<string, unknown>[]): Promise<Map<string, string>> {
    const accounts = tempFile(
      'accounts.jsonl',
      [
        { account_id: 'acme-us', country: 'US', billing_start_date: '2026-01-01', numbers: ['+12125550100'] },
        { account_id: 'other', country: 'US', billing_start_date: '2026-01-01' },
      ]
        .map((a) => JSON.stringify(a))
        .join('\n') + '\n',
    );
    const input = tempFile('cdrs.jsonl', cdrs.map((c) => JSON.stringify(c)).join('\n') + '\n');
    const rated = await cdr([
      'rate',
      '--rates',
      join(REPO, 'rate-tables', 'default'),
      '--accounts',
      accounts,
      '--in',
      input,
      '--out',
      '-',
      '--rejects',
      tempFile('rejects.jsonl', ''),
      '--quiet',
    ]);
    expect(rated.code).toBe(0);
    const lines = rated.stdout.split('\n').filter((l) => l !== '');
    return new Map(lines.map((l) => [(JSON.parse(l) as { cdr_id: string }).cdr_id, l + '\n']));
  }

  /** A `cdr rate` line as the rating service publishes it (wire RatedCall) at `version`. */
  function wire(line: string, version: number, overrides: Partial<WireRatedCall> = {}): WireRatedCall {
    const call = JSON.parse(line) as Record<string, unknown>;
    return {
      cdr_id: call['cdr_id'] as string,
      account_id: call['account_id'] as string,
      call_type: call['call_type'] as WireRatedCall['call_type'],
      billable: call['billable'] as boolean,
      billable_seconds: call['billable_seconds'] as number,
      billable_minutes: call['billable_minutes'] as string,
      rate: call['rate'] as string,
      cost: call['cost'] as string,
      currency: call['currency'] as string,
      source: call['source'] as string,
      destination: call['destination'] as string,
      destination_country: call['destination_country'] as string | null,
      matched_prefix: call['matched_prefix'] as string | null,
      start_time: parseIsoInstant(call['start_time'] as string)!,
      end_time: parseIsoInstant(call['end_time'] as string)!,
      duration_ms: Math.round((call['duration_sec'] as number) * 1000),
      reason: call['reason'] as string | null,
      rated_at: version,
      rating_version: version,
      ...overrides,
    };
  }

  it('prints one latest row per call of the month, ordered, byte for byte as cdr rate does', async () => {
    const cdrBase = { account_id: 'acme-us', source: '+12125550100' };
    const lines = await rateWithTheCore([
      // International, fractional duration, later in the month.
      {
        ...cdrBase,
        cdr_id: 'jan-intl',
        destination: '+442079460000',
        start_time: '2026-01-20T08:00:00Z',
        end_time: '2026-01-20T08:01:02.5Z',
        duration_sec: 62.5,
      },
      // Domestic with milliseconds, earliest.
      {
        ...cdrBase,
        cdr_id: 'jan-dom',
        destination: '+13105550199',
        start_time: '2026-01-02T09:00:00.125Z',
        end_time: '2026-01-02T09:03:00.250Z',
      },
      // Same start as jan-dom's second: ordered by start (ms included), then cdr_id.
      {
        ...cdrBase,
        cdr_id: 'jan-busy',
        destination: '2001',
        disposition: 'busy',
        start_time: '2026-01-02T09:00:00.125Z',
        end_time: '2026-01-02T09:00:00.125Z',
      },
      // Inbound (reason, rate 0): on the last second of the month.
      {
        ...cdrBase,
        cdr_id: 'jan-last',
        direction: 'inbound',
        source: '+13105550199',
        destination: '+12125550100',
        start_time: '2026-01-31T23:59:59.999Z',
        end_time: '2026-02-01T00:00:30Z',
      },
      // Next month: not in January.
      {
        ...cdrBase,
        cdr_id: 'feb',
        destination: '+13105550199',
        start_time: '2026-02-01T00:00:00Z',
        end_time: '2026-02-01T00:01:00Z',
      },
      // Another account in January: not in this export.
      {
        ...cdrBase,
        account_id: 'other',
        cdr_id: 'other-jan',
        destination: '+13105550199',
        start_time: '2026-01-10T00:00:00Z',
        end_time: '2026-01-10T00:01:00Z',
      },
    ]);
    const line = (id: string): string => lines.get(id)!;
    const rows = [
      ratedCallRow(wire(line('jan-intl'), 2_000)),
      // A stale version of jan-intl (lower rating_version) with another price: must not show.
      ratedCallRow(wire(line('jan-intl'), 1_000, { cost: '9.99', rate: '9.99' })),
      ratedCallRow(wire(line('feb'), 1_000)),
      ratedCallRow(wire(line('jan-last'), 1_000)),
      ratedCallRow(wire(line('other-jan'), 1_000)),
      // A call corrected out of January: its latest version says February, so it is not shown here.
      ratedCallRow(wire(line('jan-dom'), 1_000, { cdr_id: 'moved' })),
      ratedCallRow(
        wire(line('feb'), 3_000, {
          cdr_id: 'moved',
          start_time: Date.UTC(2026, 1, 3),
          end_time: Date.UTC(2026, 1, 3, 0, 1),
        }),
      ),
      ratedCallRow(wire(line('jan-busy'), 1_000)),
      ratedCallRow(wire(line('jan-dom'), 5_000)),
      // The same version twice (a redelivered batch): one row out.
      ratedCallRow(wire(line('jan-dom'), 5_000)),
    ];
    await clickhouse.insertText('rated_calls', rows.join('\n') + '\n');

    const exported = await cdr([
      'export',
      'rated',
      '--account',
      'acme-us',
      '--month',
      '2026-01',
      '--database',
      database,
    ]);
    expect(exported.stderr).toMatch(/4 calls of account "acme-us" in 2026-01 in [0-9.]+ s/);
    expect(exported.code).toBe(0);
    expect(exported.stdout).toBe(line('jan-busy') + line('jan-dom') + line('jan-intl') + line('jan-last'));

    const february = await cdr([
      'export',
      'rated',
      '--account',
      'acme-us',
      '--month',
      '2026-02',
      '--database',
      database,
      '--format',
      'csv',
    ]);
    expect(february.code).toBe(0);
    const csv = february.stdout.split('\n');
    expect(csv[0]).toBe(
      'cdr_id,account_id,call_type,billable,billable_seconds,billable_minutes,rate,cost,currency,source,destination,destination_country,matched_prefix,start_time,end_time,duration_sec,reason',
    );
    expect(csv.slice(1, -1).map((l) => l.split(',')[0])).toEqual(['feb', 'moved']);

    const none = await cdr([
      'export',
      'rated',
      '--account',
      "nobody' OR '1'='1",
      '--month',
      '2026-01',
      '--database',
      database,
    ]);
    expect(none.code).toBe(0);
    expect(none.stdout).toBe('');
    expect(none.stderr).toMatch(/0 calls/);
  });

  it('exits 1 with a clear message when the database has no rated_calls', async () => {
    const result = await cdr([
      'export',
      'rated',
      '--account',
      'a',
      '--month',
      '2026-01',
      '--database',
      uniqueName('cli_none'),
    ]);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/cdr export rated: BAD_REQUEST/);
  });
});
