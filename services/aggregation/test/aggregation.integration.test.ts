import { connect, createServer } from 'node:net';
import type { Server, Socket } from 'node:net';
import { createClickhouse } from '@cdrate/clickhouse';
import type { ClickhouseClient } from '@cdrate/clickhouse';
import { createKafka } from '@cdrate/kafka';
import type { KafkaAdmin, KafkaClient, KafkaProducer } from '@cdrate/kafka';
import {
  CONTENT_TYPE_AVRO,
  CONTENT_TYPE_HEADER,
  encodeDlqRecord,
  encodeRatedCall,
  frameRatedCallBatch,
} from '@cdrate/schemas';
import type { RatedCall } from '@cdrate/schemas';
import { createLogger } from '@cdrate/service-runtime';
import type { ServiceApp } from '@cdrate/service-runtime';
import { Registry } from 'prom-client';
import { createAggregationApp } from '../src/app.js';
import type { AggregationSettings } from '../src/app.js';
import { defaultMigrationsDir } from '../src/config.js';
import { testClickhouseUrl, testKafkaBrokers, uniqueName } from '../../../test/support/stack.js';
import { dlqRecord, ratedCall } from './fixtures.js';

jest.setTimeout(60_000);

let kafka: KafkaClient;
let admin: KafkaAdmin;
let producer: KafkaProducer;
let verify: ClickhouseClient;
const cleanups: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  kafka = createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('agg_it') });
  admin = await kafka.connectAdmin();
  verify = createClickhouse({ url: testClickhouseUrl() });
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

afterAll(async () => {
  await admin.disconnect();
  await verify.close();
});

/** A TCP proxy to ClickHouse that a test can close (connections refused and cut) and open again. */
async function clickhouseProxy(): Promise<{ url: string; close(): Promise<void>; open(): Promise<void> }> {
  const target = new URL(testClickhouseUrl());
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const open = async () => {
    const listening = createServer((client) => {
      const upstream = connect(Number(target.port), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => listening.listen(port, '127.0.0.1', resolve));
    const address = listening.address();
    if (typeof address === 'object' && address !== null) port = address.port;
    server = listening;
  };
  const close = async () => {
    const closing = server;
    server = undefined;
    for (const socket of sockets) socket.destroy();
    if (closing) await new Promise<void>((resolve) => closing.close(() => resolve()));
  };
  await open();
  cleanups.push(close);
  return { url: `http://127.0.0.1:${port}`, close, open };
}

interface Started {
  readonly app: ServiceApp;
  readonly registry: Registry;
  readonly settings: AggregationSettings;
}

async function startApp(overrides: Partial<AggregationSettings> & { url?: string } = {}): Promise<Started> {
  const { url, ...settingOverrides } = overrides;
  const database = settingOverrides.clickhouseDatabase ?? uniqueName('agg_it');
  const settings: AggregationSettings = {
    topicRated: uniqueName('agg_it_rated'),
    topicDlq: uniqueName('agg_it_dlq'),
    topicPartitions: 3,
    consumerGroup: uniqueName('agg_it_group'),
    clickhouseDatabase: database,
    clickhouseMigrationsDir: defaultMigrationsDir(process.cwd()),
    batchMaxRows: 50_000,
    batchMaxWaitMs: 200,
    ...settingOverrides,
  };
  const registry = new Registry();
  const app = createAggregationApp({
    settings,
    kafka: createKafka({
      brokers: testKafkaBrokers(),
      clientId: uniqueName('agg_it_app'),
      logLevel: 'error',
    }),
    clickhouse: createClickhouse({
      url: url ?? testClickhouseUrl(),
      database,
      requestTimeoutMs: 5000,
    }),
    logger: createLogger('aggregation-it', process.env['AGG_IT_LOGS'] ? 'debug' : 'silent'),
    registry,
    consumer: { sessionTimeoutMs: 6000, backoff: { initialMs: 100, maxMs: 500 } },
  });
  cleanups.push(async () => {
    await admin.deleteTopics([settings.topicRated, settings.topicDlq]);
    await verify.command(`DROP DATABASE IF EXISTS ${database}`);
  });
  cleanups.push(() => app.stop());
  await app.start();
  // A producer per test: kafkajs keeps refreshing metadata of every topic it ever sent to, and the
  // topics of earlier tests are deleted.
  producer = await kafka.connectProducer();
  cleanups.push(() => producer.disconnect());
  return { app, registry, settings };
}

async function produceCalls(topic: string, calls: readonly RatedCall[]): Promise<void> {
  await producer.send(
    topic,
    calls.map((call) => ({
      key: call.account_id,
      value: encodeRatedCall(call),
      headers: { [CONTENT_TYPE_HEADER]: CONTENT_TYPE_AVRO },
    })),
  );
}

async function count(database: string, table: string, final = ''): Promise<number> {
  const rows = await verify.query<{ n: string }>(
    `SELECT toString(count()) AS n FROM ${database}.${table} ${final}`,
  );
  return Number(rows[0]?.n ?? 0);
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function committedTotal(settings: AggregationSettings, topic: string): Promise<number> {
  const lag = await admin.consumerLag(settings.consumerGroup, [topic]);
  return lag.partitions.reduce((sum, p) => sum + Number(p.committedOffset ?? 0), 0);
}

async function metricValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = (metric?.values as { labels: Record<string, unknown>; value: number }[] | undefined)?.find(
    (v) => Object.entries(labels).every(([key, expected]) => v.labels[key] === expected),
  );
  return value?.value ?? 0;
}

function calls(count: number, from = 0, overrides: Partial<RatedCall> = {}): RatedCall[] {
  return Array.from({ length: count }, (_, i) =>
    ratedCall({ cdr_id: `cdr-${from + i}`, account_id: `acct-${(from + i) % 7}`, ...overrides }),
  );
}

describe('aggregation service against Kafka and ClickHouse', () => {
  it('lands rated calls in rated_calls exactly: decimals, times with ms parts, duration, nullables, hostile text', async () => {
    const { settings, registry } = await startApp();
    const db = settings.clickhouseDatabase;
    const hostile = 'quote " backslash \\ newline \n tab \t cr \r nul \0 é 😀 \r';
    await produceCalls(settings.topicRated, [
      ratedCall(),
      ratedCall({
        cdr_id: 'cdr-2',
        call_type: 'inbound',
        billable: false,
        billable_seconds: 0,
        billable_minutes: '0',
        rate: '0',
        cost: '0.00000000001',
        destination_country: null,
        matched_prefix: null,
        reason: hostile,
        duration_ms: 1,
        start_time: Date.UTC(2026, 1, 28, 23, 59, 59, 999),
        end_time: Date.UTC(2026, 2, 1, 0, 0, 0, 0),
      }),
    ]);
    await waitFor(async () => (await count(db, 'rated_calls')) === 2, 'two rows');
    const rows = await verify.query(
      `SELECT cdr_id, account_id, toString(call_type) AS type, billable, billable_seconds,
              toString(billable_minutes) AS minutes, toString(rate) AS rate_text, toString(cost) AS cost_text,
              currency, source, destination, destination_country, matched_prefix,
              toUnixTimestamp(start_time) AS start_s, toUnixTimestamp(end_time) AS end_s, start_time_ms, end_time_ms,
              toString(duration_sec) AS duration, reason, toUnixTimestamp(rated_at) AS rated_s,
              toString(rating_version) AS version
       FROM ${db}.rated_calls ORDER BY cdr_id`,
    );
    expect(rows).toEqual([
      {
        cdr_id: 'cdr-1',
        account_id: 'acct-1',
        type: 'international',
        billable: 1,
        billable_seconds: 120,
        minutes: '2.000000',
        rate_text: '0.123456789',
        cost_text: '1234567.12345678901',
        currency: 'USD',
        source: '+14155550100',
        destination: '+442071838750',
        destination_country: 'GB',
        matched_prefix: '4420',
        start_s: 1768472430,
        end_s: 1768472492,
        start_time_ms: 250,
        end_time_ms: 750,
        duration: '62.500',
        reason: '',
        rated_s: 1768472700,
        version: '1768472700007',
      },
      expect.objectContaining({
        cdr_id: 'cdr-2',
        type: 'inbound',
        billable: 0,
        cost_text: '0.00000000001',
        destination_country: '',
        matched_prefix: '',
        start_s: Math.floor(Date.UTC(2026, 1, 28, 23, 59, 59) / 1000),
        start_time_ms: 999,
        end_time_ms: 0,
        duration: '0.001',
        reason: hostile,
      }),
    ]);
    await waitFor(async () => (await committedTotal(settings, settings.topicRated)) === 2, 'the commit');
    expect(await metricValue(registry, 'cdrate_inserted_rows_total', { table: 'rated_calls' })).toBe(2);
  });

  it('keeps one logical row per call when messages are replayed, and the highest rating_version wins', async () => {
    const { settings } = await startApp();
    const db = settings.clickhouseDatabase;
    const batch = calls(300);
    await produceCalls(settings.topicRated, batch);
    await produceCalls(settings.topicRated, batch); // a replay of the same messages
    const rerated = ratedCall({
      cdr_id: 'cdr-5',
      account_id: 'acct-5',
      cost: '9.5',
      rating_version: 1768472700008,
    });
    await produceCalls(settings.topicRated, [rerated]);
    await waitFor(async () => (await count(db, 'rated_calls')) === 601, 'all 601 inserted rows');

    expect(await count(db, 'rated_calls', 'FINAL')).toBe(300);
    const latest = await verify.query<{ cost: string; n: string }>(
      `SELECT toString(argMax(cost, rating_version)) AS cost, toString(count()) AS n
       FROM ${db}.rated_calls WHERE account_id = 'acct-5' AND cdr_id = 'cdr-5' GROUP BY account_id, cdr_id`,
    );
    expect(latest).toEqual([{ cost: '9.50000000000', n: '3' }]);
    const final = await verify.query<{ cost: string }>(
      `SELECT toString(cost) AS cost FROM ${db}.rated_calls FINAL WHERE cdr_id = 'cdr-5'`,
    );
    expect(final).toEqual([{ cost: '9.50000000000' }]);
  });

  it('lands DLQ records in rejected_cdrs, dead-letters undecodable and refused rated calls, skips unreadable dead letters', async () => {
    const { settings, registry } = await startApp();
    const db = settings.clickhouseDatabase;
    // Make ClickHouse refuse one call type: an 'inbound' row is a poison row for this table.
    await verify.command(
      `ALTER TABLE ${db}.rated_calls MODIFY COLUMN call_type Enum8('domestic' = 1, 'internal' = 2,
       'domestic_metered' = 3, 'international' = 4, 'inbound_toll_free' = 5)`,
    );
    await producer.send(settings.topicDlq, [
      { key: 'cdr-9', value: encodeDlqRecord(dlqRecord()) },
      { value: Buffer.from('not json at all') }, // unreadable: skipped
      // Readable, but 18.16 refuses a lone surrogate: skipped, never dead-lettered again.
      { value: encodeDlqRecord(dlqRecord({ cdr_id: 'cdr-lone', error_message: 'lone \ud800 surrogate' })) },
    ]);
    await producer.send(settings.topicRated, [
      { key: 'acct-1', value: Buffer.from([0xcd, 0x03, 0x01, 0xff]) },
    ]);
    await produceCalls(settings.topicRated, [
      ...calls(4),
      ratedCall({ cdr_id: 'cdr-poison', call_type: 'inbound' }),
    ]);

    await waitFor(async () => (await count(db, 'rejected_cdrs')) === 3, 'three rejected rows');
    await waitFor(async () => (await count(db, 'rated_calls')) === 4, 'the four good calls');
    const rejected = await verify.query<Record<string, unknown>>(
      `SELECT cdr_id, error_code, error_message, toString(stage) AS stage_name, payload, toString(payload_encoding) AS encoding,
              origin_topic, origin_partition, toString(origin_offset) AS offset_text, toUnixTimestamp(failed_at) AS failed_s
       FROM ${db}.rejected_cdrs FINAL ORDER BY cdr_id`,
    );
    expect(rejected).toEqual([
      expect.objectContaining({
        cdr_id: '',
        stage_name: 'aggregation',
        origin_topic: settings.topicRated,
        encoding: 'base64',
        payload: Buffer.from([0xcd, 0x03, 0x01, 0xff]).toString('base64'),
      }),
      expect.objectContaining({
        cdr_id: 'cdr-9',
        error_code: 'NO_RATE',
        stage_name: 'rating',
        failed_s: 1768472700,
      }),
      expect.objectContaining({
        cdr_id: 'cdr-poison',
        error_code: 'SINK_REJECTED',
        stage_name: 'aggregation',
        origin_topic: settings.topicRated,
        encoding: 'base64',
      }),
    ]);
    expect(rejected[0]!['error_code']).toBe('MALFORMED_RECORD');
    expect(rejected[0]!['error_message']).toMatch(/^(TRUNCATED|CORRUPT): /);
    await waitFor(
      async () => (await metricValue(registry, 'cdrate_rejected_total', { code: 'DLQ_UNREADABLE' })) === 2,
      'two skipped dead letters',
    );
    await waitFor(
      async () =>
        (await committedTotal(settings, settings.topicDlq)) === 5 &&
        (await committedTotal(settings, settings.topicRated)) === 6,
      'everything committed',
    );
  });

  it('lands each record of a batch frame on its own: refused and unreadable records are dead-lettered alone with their own frame', async () => {
    const { settings, registry } = await startApp();
    const db = settings.clickhouseDatabase;
    // ClickHouse refuses 'inbound' rows in this test's table.
    await verify.command(
      `ALTER TABLE ${db}.rated_calls MODIFY COLUMN call_type Enum8('domestic' = 1, 'internal' = 2,
       'domestic_metered' = 3, 'international' = 4, 'inbound_toll_free' = 5)`,
    );
    const good = calls(300, 0);
    const poison = ratedCall({ cdr_id: 'cdr-poison', call_type: 'inbound' });
    const unstorable = ratedCall({ cdr_id: 'cdr-unstorable', start_time: 2 ** 32 * 1000 });
    const poisonFrame = encodeRatedCall(poison);
    const unstorableFrame = encodeRatedCall(unstorable);
    const version = poisonFrame[2]!;
    const unreadableFrame = Buffer.from([0xcd, 0x03, version, 0xff]);
    const first = [
      ...good.slice(0, 100).map(encodeRatedCall),
      poisonFrame,
      ...good.slice(100, 200).map(encodeRatedCall),
      unreadableFrame,
      unstorableFrame,
    ];
    await producer.send(settings.topicRated, [
      { key: 'acct-1', value: frameRatedCallBatch(first) },
      { key: 'acct-1', value: frameRatedCallBatch(good.slice(200).map(encodeRatedCall)) },
      { key: 'acct-1', value: poisonFrame }, // the same call again as a single frame
    ]);

    await waitFor(async () => (await count(db, 'rated_calls')) === 300, 'the 300 good calls');
    await waitFor(async () => (await count(db, 'rejected_cdrs')) === 4, 'four dead letters landed');
    // Not FINAL: the table's key is the origin message, which the three dead letters of offset 0 share.
    const rejected = await verify.query<Record<string, unknown>>(
      `SELECT cdr_id, error_code, payload, toString(payload_encoding) AS encoding, origin_topic,
              toString(origin_offset) AS offset_text
       FROM ${db}.rejected_cdrs ORDER BY offset_text, cdr_id, error_code`,
    );
    expect(rejected).toEqual([
      {
        cdr_id: '',
        error_code: 'MALFORMED_RECORD',
        payload: unreadableFrame.toString('base64'),
        encoding: 'base64',
        origin_topic: settings.topicRated,
        offset_text: '0',
      },
      {
        cdr_id: 'cdr-poison',
        error_code: 'SINK_REJECTED',
        payload: poisonFrame.toString('base64'),
        encoding: 'base64',
        origin_topic: settings.topicRated,
        offset_text: '0',
      },
      {
        cdr_id: 'cdr-unstorable',
        error_code: 'SINK_REJECTED',
        payload: unstorableFrame.toString('base64'),
        encoding: 'base64',
        origin_topic: settings.topicRated,
        offset_text: '0',
      },
      {
        cdr_id: 'cdr-poison',
        error_code: 'SINK_REJECTED',
        payload: poisonFrame.toString('base64'),
        encoding: 'base64',
        origin_topic: settings.topicRated,
        offset_text: '2',
      },
    ]);
    const landed = await verify.query<{ cdr_id: string }>(
      `SELECT cdr_id FROM ${db}.rated_calls ORDER BY cdr_id`,
    );
    expect(landed.map((row) => row.cdr_id)).toEqual(good.map((call) => call.cdr_id).sort());
    await waitFor(
      async () => (await committedTotal(settings, settings.topicRated)) === 3,
      'the three messages committed',
    );
    expect(await metricValue(registry, 'cdrate_inserted_rows_total', { table: 'rated_calls' })).toBe(300);
    expect(await metricValue(registry, 'cdrate_rejected_total', { code: 'SINK_REJECTED' })).toBe(3);
  });

  it('survives a ClickHouse outage: nothing committed meanwhile, everything landed after, no row twice', async () => {
    const proxy = await clickhouseProxy();
    const { settings, app } = await startApp({ url: proxy.url });
    const db = settings.clickhouseDatabase;
    await produceCalls(settings.topicRated, calls(100));
    await waitFor(async () => (await count(db, 'rated_calls')) === 100, 'the first 100 rows');
    await waitFor(
      async () => (await committedTotal(settings, settings.topicRated)) === 100,
      'the first commit',
    );

    await proxy.close();
    await produceCalls(settings.topicRated, calls(200, 100));
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(await committedTotal(settings, settings.topicRated)).toBe(100);
    expect(await count(db, 'rated_calls')).toBe(100);
    expect(app.isReady()).toBe(false);

    await proxy.open();
    await waitFor(async () => (await count(db, 'rated_calls')) === 300, 'all 300 rows after the outage');
    await waitFor(
      async () => (await committedTotal(settings, settings.topicRated)) === 300,
      'the commit after it',
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await count(db, 'rated_calls')).toBe(300); // no row twice
    expect(app.isReady()).toBe(true);
  });

  it('graceful stop flushes the partial buffer and commits it', async () => {
    const { settings, app, registry } = await startApp({ batchMaxWaitMs: 60_000 });
    const db = settings.clickhouseDatabase;
    // One account, so one partition and one record batch that a single fetch returns whole. Spread over
    // partitions, the calls could come in two fetches, and kafkajs fetches again from a broker only when
    // every batch of its last fetch was handled: the second part would wait for the 60 s flush (failed CI
    // at bfcd3da).
    await produceCalls(settings.topicRated, calls(25, 0, { account_id: 'acct-graceful' }));
    await waitFor(
      async () =>
        (await metricValue(registry, 'cdrate_consumed_total', { topic: settings.topicRated })) === 25,
      'the 25 calls in the buffer',
    );
    expect(await count(db, 'rated_calls')).toBe(0);
    expect(await committedTotal(settings, settings.topicRated)).toBe(0);

    const started = Date.now();
    await app.stop();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await count(db, 'rated_calls')).toBe(25);
    expect(await committedTotal(settings, settings.topicRated)).toBe(25);
    await app.done;
  });
});
