import { createKafka, type KafkaAdmin, type KafkaClient, type KafkaProducer } from '@cdrate/kafka';
import { encodeAccount, type Account as WireAccount } from '@cdrate/schemas';
import {
  accountDirectoryGroupId,
  startAccountDirectory,
  type AccountDirectory,
} from '@cdrate/account-directory';
import { testKafkaBrokers, uniqueName } from '../../../test/support/stack.js';
// Test only: the @cdrate/kafka producer refuses null values, so tombstones are written with kafkajs itself.
import { Kafka } from '../../kafka/src/kafkajs.js';

jest.setTimeout(40_000);

const silent = { info: () => undefined, warn: () => undefined };
let kafka: KafkaClient;
let admin: KafkaAdmin;
let producer: KafkaProducer;
const topics: string[] = [];
const directories: AccountDirectory[] = [];

function account(id: string, overrides: Partial<WireAccount> = {}): WireAccount {
  return {
    account_id: id,
    country: 'US',
    billing_start_date: '2025-01-01',
    included_minutes: 100,
    overage_rate: '0.02',
    toll_free_numbers: [],
    numbers: ['+12125550100'],
    currency: 'USD',
    ...overrides,
  };
}

async function newTopic(): Promise<string> {
  const topic = uniqueName('accounts_it');
  topics.push(topic);
  await admin.ensureTopics([{ topic, partitions: 3, configs: { 'cleanup.policy': 'compact' } }]);
  return topic;
}

async function sendTombstone(topic: string, key: string): Promise<void> {
  const raw = new Kafka({
    brokers: testKafkaBrokers(),
    clientId: uniqueName('tombstone'),
    logLevel: 0,
  }).producer();
  await raw.connect();
  try {
    await raw.send({ topic, messages: [{ key, value: null }] });
  } finally {
    await raw.disconnect();
  }
}

async function start(topic: string): Promise<AccountDirectory> {
  const directory = await startAccountDirectory({
    kafka,
    topic,
    groupId: accountDirectoryGroupId('it', 'instance 1'),
    logger: silent,
    sessionTimeoutMs: 6000,
  });
  directories.push(directory);
  return directory;
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

beforeAll(async () => {
  kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: uniqueName('accounts_it'),
    logger: () => undefined,
  });
  admin = await kafka.connectAdmin();
  producer = await kafka.connectProducer();
});

afterAll(async () => {
  await Promise.allSettled(directories.map((d) => d.stop()));
  await producer.disconnect();
  await admin.deleteTopics(topics);
  await admin.disconnect();
});

it('loads every partition from the beginning, applies tombstones, skips invalid records and keeps following', async () => {
  const topic = await newTopic();
  const accounts = Array.from({ length: 50 }, (_, i) => account(`acct-${i}`));
  await producer.send(
    topic,
    accounts.map((a) => ({ key: a.account_id, value: encodeAccount(a) })),
  );
  await producer.send(topic, [
    { key: 'acct-3', value: encodeAccount(account('acct-3', { country: 'CA' })) }, // newer version wins
    { key: 'acct-5', value: Buffer.from('garbage') }, // invalid: acct-5 keeps its previous version
  ]);
  await sendTombstone(topic, 'acct-4');

  const directory = await start(topic);
  await directory.waitUntilLoaded(20_000);
  expect(directory.isLoaded()).toBe(true);
  expect(directory.size).toBe(49);
  expect(directory.get('acct-3')?.country).toBe('CA');
  expect(directory.get('acct-4')).toBeUndefined();
  expect(directory.get('acct-5')?.accountId).toBe('acct-5');
  expect(directory.get('acct-0')?.numbers.has('+12125550100')).toBe(true);
  expect(directory.stats()).toEqual({ upserts: 51, deletes: 1, invalid: 1 });

  await producer.send(topic, [{ key: 'acct-new', value: encodeAccount(account('acct-new')) }]);
  await waitFor(() => directory.get('acct-new') !== undefined, 'the update after loading');
});

it('is loaded at once on an empty topic', async () => {
  const topic = await newTopic();
  const directory = await start(topic);
  await directory.waitUntilLoaded(1000);
  expect(directory.size).toBe(0);
});

it('gives each instance its own group, so two directories both see every account', async () => {
  const topic = await newTopic();
  await producer.send(
    topic,
    Array.from({ length: 12 }, (_, i) => ({ key: `a${i}`, value: encodeAccount(account(`a${i}`)) })),
  );
  const [one, two] = await Promise.all([start(topic), start(topic)]);
  await Promise.all([one.waitUntilLoaded(20_000), two.waitUntilLoaded(20_000)]);
  expect([one.size, two.size]).toEqual([12, 12]);
});
