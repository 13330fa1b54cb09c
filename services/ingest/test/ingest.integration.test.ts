import {
  createKafka,
  createKeyPartitioner,
  type ConsumedMessage,
  type ConsumerHandle,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaProducer,
} from '@cdrate/kafka';
import { loadConfig } from '@cdrate/config';
import {
  decodeDlqRecord,
  decodeNormalizedCdrs,
  encodeAccount,
  encodeRawCdr,
  type NormalizedCdr,
} from '@cdrate/schemas';
import { createLogger } from '@cdrate/service-runtime';
import { Registry } from 'prom-client';
import { testKafkaBrokers, uniqueName } from '../../../test/support/stack.js';
import { createIngestApp, type IngestApp } from '../src/app.js';
import { ingestConfigSpec } from '../src/config.js';

jest.setTimeout(60_000);

let kafka: KafkaClient;
let admin: KafkaAdmin;
let producer: KafkaProducer;
const topics: string[] = [];
const consumers: ConsumerHandle[] = [];

beforeAll(async () => {
  kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: uniqueName('ingest_it'),
    logger: () => undefined,
  });
  admin = await kafka.connectAdmin();
  producer = await kafka.connectProducer();
});

afterAll(async () => {
  await Promise.allSettled(consumers.map((c) => c.stop()));
  await producer.disconnect();
  await admin.deleteTopics(topics);
  await admin.disconnect();
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A consumed message and the partition it was read from. */
type Collected = ConsumedMessage & { readonly partition: number };

/** The normalised CDRs of `cdr.normalized` messages (batch frames), each with the partition it came in. */
function cdrsOf(messages: readonly Collected[]): (NormalizedCdr & { partition: number })[] {
  return messages.flatMap((m) => {
    const decoded = decodeNormalizedCdrs(m.value!);
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value.items.map((item) => {
      if (!item.ok) throw new Error(item.message);
      return { ...item.value, partition: m.partition };
    });
  });
}

/** Collects every message of `topic` from the beginning. */
async function collect(topic: string): Promise<Collected[]> {
  const messages: Collected[] = [];
  consumers.push(
    await kafka.runConsumer({
      groupId: uniqueName('ingest_it_reader'),
      topics: [topic],
      fromBeginning: true,
      sessionTimeoutMs: 6000,
      handleBatch: (batch) => {
        for (const message of batch.messages) messages.push({ ...message, partition: batch.partition });
        return Promise.resolve();
      },
    }),
  );
  return messages;
}

function setup() {
  const name = uniqueName('ingest_it');
  const env = {
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    TOPIC_RAW: `${name}.raw`,
    TOPIC_NORMALIZED: `${name}.normalized`,
    TOPIC_RATED: `${name}.rated`,
    TOPIC_DLQ: `${name}.dlq`,
    TOPIC_ACCOUNTS: `${name}.accounts`,
    TOPIC_PARTITIONS: '3',
    CONSUMER_GROUP: `${name}-ingest`,
    INSTANCE_ID: 'it',
    LOG_LEVEL: 'warn',
  };
  topics.push(env.TOPIC_RAW, env.TOPIC_NORMALIZED, env.TOPIC_DLQ, env.TOPIC_ACCOUNTS);
  return loadConfig(ingestConfigSpec, env);
}

const goodRaw = {
  cdr_id: 'json-1',
  account_id: 'acct-us',
  direction: 'outbound',
  source: '(212) 555-0100',
  destination: '011 44 20 7946 0958',
  start_time: '2026-03-01T09:00:00-05:00',
  end_time: '2026-03-01T09:02:05-05:00',
  duration_sec: 125,
  disposition: 'answered',
} as const;

const json = (value: unknown) => ({
  key: 'acct-us',
  value: JSON.stringify(value),
  headers: { 'content-type': 'application/json' },
});

it('turns a mixed batch into normalised CDRs and DLQ records, keeps going, and commits everything on a graceful stop', async () => {
  const config = setup();
  await admin.ensureTopics([
    { topic: config.topicAccounts, partitions: 3, configs: { 'cleanup.policy': 'compact' } },
  ]);
  await producer.send(config.topicAccounts, [
    {
      key: 'acct-us',
      value: encodeAccount({
        account_id: 'acct-us',
        country: 'US',
        billing_start_date: '2025-01-01',
        included_minutes: 100,
        overage_rate: '0.02',
        toll_free_numbers: [],
        numbers: ['+12125550100'],
        currency: 'USD',
      }),
    },
  ]);

  const registry = new Registry();
  const app: IngestApp = createIngestApp({
    config,
    logger: createLogger('ingest', 'silent'),
    registry,
    sessionTimeoutMs: 6000,
  });
  app.done.catch(() => undefined);
  expect(app.isReady()).toBe(false);
  await app.start();
  expect(app.isReady()).toBe(true);
  expect(app.directory()?.get('acct-us')?.country).toBe('US');

  const normalized = await collect(config.topicNormalized);
  const deadLetters = await collect(config.topicDlq);

  await producer.send(config.topicRaw, [
    json(goodRaw),
    {
      key: null,
      value: encodeRawCdr({ ...goodRaw, cdr_id: 'avro-1' }),
      headers: { 'content-type': 'avro/binary' },
    },
    { key: 'x', value: Buffer.from([0xde, 0xad, 0xbe, 0xef]) },
    {
      key: 'acct-us',
      value: Buffer.alloc(1024 * 1024, 0x7b),
      headers: { 'content-type': 'application/json' },
    },
    json({ ...goodRaw, cdr_id: 'typed-1', duration_sec: [1] }),
    json([goodRaw]),
    json({ ...goodRaw, cdr_id: 'unknown-1', account_id: 'nobody' }),
    json(goodRaw), // duplicate of json-1
  ]);

  await waitFor(
    () => cdrsOf(normalized).length >= 2 && deadLetters.length >= 5,
    'the output of the mixed batch',
  );
  // The consumer keeps going after poison input.
  await producer.send(config.topicRaw, [json({ ...goodRaw, cdr_id: 'after-1' })]);
  await waitFor(() => cdrsOf(normalized).length >= 3, 'a CDR after the poison');

  const cdrs = cdrsOf(normalized);
  expect(cdrs.map((c) => c.cdr_id).sort()).toEqual(['after-1', 'avro-1', 'json-1']);
  // In batch frames on the partition a message keyed by the account would go to.
  const partitionOf = createKeyPartitioner();
  const partitions = await admin.partitionCount(config.topicNormalized);
  expect(cdrs.map((c) => c.partition)).toEqual(cdrs.map(() => partitionOf('acct-us', partitions)));
  expect(normalized.every((m) => m.key === null && m.value![1] === 5)).toBe(true);
  expect(cdrs.find((c) => c.cdr_id === 'json-1')).toMatchObject({
    source: '+12125550100',
    destination: '+442079460958',
    destination_country: 'GB',
    duration_ms: 125_000,
  });

  const records = deadLetters.map((m) => {
    const decoded = decodeDlqRecord(m.value!);
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value;
  });
  expect(records.map((r) => r.error_code).sort()).toEqual(
    ['BAD_FIELD', 'MALFORMED_RECORD', 'MALFORMED_RECORD', 'MALFORMED_RECORD', 'UNKNOWN_ACCOUNT'].sort(),
  );
  for (const record of records) {
    expect(record.stage).toBe('ingest');
    expect(record.origin.topic).toBe(config.topicRaw);
  }
  expect(records.find((r) => r.error_message.startsWith('TOO_LARGE'))!.payload).toHaveLength(1024 * 1024);

  const metrics = await registry.metrics();
  expect(metrics).toMatch(/^cdrate_duplicates_total 1$/m);
  expect(metrics).toMatch(/cdrate_rejected_total\{stage="ingest",code="UNKNOWN_ACCOUNT"\} 1/);

  const stopStarted = Date.now();
  await app.stop();
  expect(Date.now() - stopStarted).toBeLessThan(10_000);
  await expect(app.done).resolves.toBeUndefined();
  const lag = await admin.consumerLag(config.consumerGroup, [config.topicRaw]);
  expect(lag.total).toBe(0);
});
