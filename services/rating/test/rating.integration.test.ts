import { loadConfig } from '@cdrate/config';
import {
  createKafka,
  createKeyPartitioner,
  type ConsumedMessage,
  type ConsumerHandle,
  type KafkaAdmin,
  type KafkaClient,
  type KafkaProducer,
} from '@cdrate/kafka';
import {
  formatIsoInstant,
  rate,
  type NormalisedCdr,
  type RatedCall as CoreRatedCall,
  type Tariff,
} from '@cdrate/rating-core';
import {
  decodeDlqRecord,
  decodeRatedCalls,
  encodeAccount,
  encodeNormalizedCdr,
  type NormalizedCdr,
  type RatedCall,
} from '@cdrate/schemas';
import { toCoreAccount } from '@cdrate/account-directory';
import { createLogger } from '@cdrate/service-runtime';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { testKafkaBrokers, uniqueName } from '../../../test/support/stack.js';
import { createRatingApp, type RatingApp } from '../src/app.js';
import { ratingConfigSpec, type RatingConfig } from '../src/config.js';
import { loadTariff } from '../src/tariff.js';

jest.setTimeout(90_000);

let kafka: KafkaClient;
let admin: KafkaAdmin;
let producer: KafkaProducer;
let tariff: Tariff;
const topics: string[] = [];
const consumers: ConsumerHandle[] = [];
const apps: RatingApp[] = [];

const wireAccount = {
  account_id: 'acct-us',
  country: 'US',
  billing_start_date: '2025-01-01',
  included_minutes: 100,
  overage_rate: '0.02',
  toll_free_numbers: ['+18005550199'],
  numbers: ['+12125550100'],
  currency: 'USD',
};

beforeAll(async () => {
  kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: uniqueName('rating_it'),
    logger: () => undefined,
  });
  admin = await kafka.connectAdmin();
  producer = await kafka.connectProducer();
  const loaded = await loadTariff(join(__dirname, '../../../rate-tables/default'));
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  tariff = loaded.tariff;
});

afterAll(async () => {
  await Promise.allSettled(apps.map((a) => a.stop()));
  await Promise.allSettled(consumers.map((c) => c.stop()));
  await producer.disconnect();
  await admin.deleteTopics(topics);
  await admin.disconnect();
});

async function waitFor(condition: () => boolean, what: string, timeoutMs = 40_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function collect(topic: string): Promise<Collected[]> {
  const messages: Collected[] = [];
  consumers.push(
    await kafka.runConsumer({
      groupId: uniqueName('rating_it_reader'),
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

/** Config with unique topics; the accounts topic is created and filled before any app starts. */
async function setup(partitions: number): Promise<RatingConfig> {
  const name = uniqueName('rating_it');
  const config = loadConfig(ratingConfigSpec, {
    KAFKA_BROKERS: testKafkaBrokers().join(','),
    TOPIC_NORMALIZED: `${name}.normalized`,
    TOPIC_RATED: `${name}.rated`,
    TOPIC_DLQ: `${name}.dlq`,
    TOPIC_ACCOUNTS: `${name}.accounts`,
    TOPIC_PARTITIONS: String(partitions),
    CONSUMER_GROUP: `${name}-rating`,
    LOG_LEVEL: 'warn',
  });
  topics.push(config.topicNormalized, config.topicRated, config.topicDlq, config.topicAccounts);
  await admin.ensureTopics([
    { topic: config.topicAccounts, partitions: 3, configs: { 'cleanup.policy': 'compact' } },
  ]);
  await producer.send(config.topicAccounts, [{ key: 'acct-us', value: encodeAccount(wireAccount) }]);
  return config;
}

async function startApp(
  config: RatingConfig,
  instanceId: string,
): Promise<{ app: RatingApp; registry: Registry }> {
  const registry = new Registry();
  const app = createRatingApp({
    config: { ...config, instanceId },
    logger: createLogger('rating', 'silent'),
    registry,
    tariff,
    sessionTimeoutMs: 6000,
  });
  app.done.catch(() => undefined);
  apps.push(app);
  await app.start();
  return { app, registry };
}

function normalized(cdrId: string, overrides: Partial<NormalizedCdr> = {}): NormalizedCdr {
  const start = Date.UTC(2026, 2, 1, 14, 0, 0);
  return {
    cdr_id: cdrId,
    account_id: 'acct-us',
    direction: null,
    source: '+12125550100',
    source_type: 'fixed_or_mobile',
    destination: '+442079460958',
    destination_type: 'fixed',
    destination_country: 'GB',
    start_time: start,
    end_time: start + 125_500,
    duration_ms: 125_500,
    disposition: 'answered',
    received_at: start + 126_000,
    raw_source: '(212) 555-0100',
    raw_destination: '011 44 20 7946 0958',
    ...overrides,
  };
}

/** A consumed message and the partition it was read from. */
type Collected = ConsumedMessage & { readonly partition: number };

/** The rated calls of `cdr.rated` messages (batch frames), each with the partition it came in. */
function decodeRated(messages: readonly Collected[]): (RatedCall & { partition: number })[] {
  return messages.flatMap((m) => {
    const decoded = decodeRatedCalls(m.value!);
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value.items.map((item) => {
      if (!item.ok) throw new Error(item.message);
      return { ...item.value, partition: m.partition };
    });
  });
}

it('rates normalised CDRs exactly as the core does, dead-letters UNKNOWN_ACCOUNT and NO_RATE, and commits on a graceful stop', async () => {
  const config = await setup(3);
  const { app, registry } = await startApp(config, 'one');
  const rated = await collect(config.topicRated);
  const deadLetters = await collect(config.topicDlq);
  expect(app.isReady()).toBe(true);

  const inputs = [
    normalized('intl-1'),
    normalized('domestic-1', { destination: '+13125550100', destination_country: 'US' }),
    normalized('tollfree-1', {
      source: '+447911123456',
      source_type: 'mobile',
      destination: '+18005550199',
      destination_type: 'toll_free',
      destination_country: 'US',
    }),
    normalized('ext-1', { destination: '204', destination_type: 'extension', destination_country: null }),
    normalized('unknown-1', { account_id: 'nobody' }),
    normalized('norate-1', { destination: '+999123456789', destination_country: 'ZZ' }),
  ];
  const before = Date.now();
  await producer.send(
    config.topicNormalized,
    inputs.map((cdr) => ({ key: cdr.account_id, value: encodeNormalizedCdr(cdr) })),
  );
  await waitFor(
    () => decodeRated(rated).length >= 4 && deadLetters.length >= 2,
    'rated calls and dead letters',
  );

  // What the core gives for the same calls, built independently (the caller's real country included).
  const account = toCoreAccount(wireAccount);
  if (!account.ok) throw new Error(account.message);
  const expectedCore = new Map<string, CoreRatedCall>();
  for (const input of inputs.slice(0, 4)) {
    const cdr: NormalisedCdr = {
      cdrId: input.cdr_id,
      accountId: input.account_id,
      direction: undefined,
      source: {
        kind: 'e164',
        e164: input.source,
        country: input.source.startsWith('+44') ? 'GB' : 'US',
        type: 'mobile',
      },
      destination:
        input.destination_type === 'extension'
          ? { kind: 'extension', extension: input.destination }
          : { kind: 'e164', e164: input.destination, country: input.destination_country!, type: 'fixed' },
      startMs: input.start_time,
      endMs: input.end_time,
      durationSec: input.duration_ms / 1000,
      disposition: input.disposition,
    };
    const result = rate(cdr, account.account, tariff);
    if (result.kind !== 'rated') throw new Error(result.message);
    expectedCore.set(input.cdr_id, result.call);
  }

  const calls = decodeRated(rated).map(({ partition, ...call }) => call);
  expect(calls.map((c) => c.cdr_id).sort()).toEqual(['domestic-1', 'ext-1', 'intl-1', 'tollfree-1']);
  for (const call of calls) {
    const core = expectedCore.get(call.cdr_id)!;
    const { start_time, end_time, duration_ms, rated_at, rating_version, ...rest } = call;
    const { start_time: coreStart, end_time: coreEnd, duration_sec, ...coreRest } = core;
    expect(rest).toEqual(coreRest);
    expect(formatIsoInstant(start_time)).toBe(coreStart);
    expect(formatIsoInstant(end_time)).toBe(coreEnd);
    expect(duration_ms / 1000).toBe(duration_sec);
    expect(rating_version).toBe(rated_at);
    expect(rated_at).toBeGreaterThanOrEqual(before);
  }
  expect(Object.fromEntries(calls.map((c) => [c.cdr_id, c.call_type]))).toEqual({
    'intl-1': 'international',
    'domestic-1': 'domestic',
    'tollfree-1': 'inbound_toll_free',
    'ext-1': 'internal',
  });
  // In batch frames on the partition a message keyed by the account would go to.
  const partitionOf = createKeyPartitioner();
  const partitions = await admin.partitionCount(config.topicRated);
  expect(decodeRated(rated).map((c) => c.partition)).toEqual(
    calls.map(() => partitionOf('acct-us', partitions)),
  );
  expect(rated.every((m) => m.key === null && m.value![1] === 6)).toBe(true);

  const records = deadLetters.map((m) => {
    const decoded = decodeDlqRecord(m.value!);
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value;
  });
  expect(records.map((r) => [r.cdr_id, r.error_code, r.stage]).sort()).toEqual([
    ['norate-1', 'NO_RATE', 'rating'],
    ['unknown-1', 'UNKNOWN_ACCOUNT', 'rating'],
  ]);
  expect(await registry.metrics()).toMatch(/^cdrate_rated_total\{call_type="international"\} 1$/m);

  const stopStarted = Date.now();
  await app.stop();
  expect(Date.now() - stopStarted).toBeLessThan(10_000);
  await expect(app.done).resolves.toBeUndefined();
  expect((await admin.consumerLag(config.consumerGroup, [config.topicNormalized])).total).toBe(0);
});

it('splits the partitions between two instances of one group, which together rate every message once', async () => {
  const config = await setup(4);
  const [one, two] = await Promise.all([startApp(config, 'one'), startApp(config, 'two')]);
  const rated = await collect(config.topicRated);
  // Let the group settle (the first member rejoins after the second joined) before producing.
  await new Promise((resolve) => setTimeout(resolve, 7000));

  const count = 400;
  const accountIds = Array.from({ length: 8 }, (_, i) => `acct-${i}`);
  await producer.send(
    config.topicAccounts,
    accountIds.map((id) => ({ key: id, value: encodeAccount({ ...wireAccount, account_id: id }) })),
  );
  await waitFor(
    () => accountIds.every((id) => one.app.directory()?.get(id) && two.app.directory()?.get(id)),
    'accounts',
  );
  for (let i = 0; i < count; i += 100) {
    await producer.send(
      config.topicNormalized,
      Array.from({ length: 100 }, (_, j) => {
        const cdr = normalized(`c-${i + j}`, { account_id: accountIds[(i + j) % accountIds.length]! });
        return { key: cdr.account_id, value: encodeNormalizedCdr(cdr) };
      }),
    );
  }
  await waitFor(() => decodeRated(rated).length >= count, `${count} rated calls`);
  await new Promise((resolve) => setTimeout(resolve, 1000)); // nothing more should come

  const ids = decodeRated(rated).map((c) => c.cdr_id);
  expect(ids).toHaveLength(count);
  expect(new Set(ids).size).toBe(count);
  const consumed = async (registry: Registry): Promise<number> =>
    (await registry.getSingleMetric('cdrate_consumed_total')!.get()).values.reduce(
      (sum, v) => sum + v.value,
      0,
    );
  const [byOne, byTwo] = [await consumed(one.registry), await consumed(two.registry)];
  expect(byOne).toBeGreaterThan(0);
  expect(byTwo).toBeGreaterThan(0);
  expect(byOne + byTwo).toBe(count);

  await Promise.all([one.app.stop(), two.app.stop()]);
  expect((await admin.consumerLag(config.consumerGroup, [config.topicNormalized])).total).toBe(0);
});
