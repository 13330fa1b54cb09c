import { spawn } from 'node:child_process';
import { InfraError } from '@cdrate/errors';
import { createKafka, DEAD_LETTER_HEADERS, toDeadLetter } from '@cdrate/kafka';
import type {
  ConsumedBatch,
  ConsumedMessage,
  ConsumerHandle,
  ConsumerOptions,
  KafkaAdmin,
  KafkaClient,
  KafkaProducer,
  LogEntry,
} from '@cdrate/kafka';
import { testKafkaBrokers, uniqueName } from '../../../test/support/stack.js';

jest.setTimeout(30_000);

const logs: LogEntry[] = [];
let kafka: KafkaClient;
let admin: KafkaAdmin;
let producer: KafkaProducer;
const topicsToDelete: string[] = [];
const consumers: ConsumerHandle[] = [];

/** Fast settings for tests: the broker's minimum session timeout and a short backoff. */
const FAST: Pick<ConsumerOptions, 'sessionTimeoutMs' | 'rebalanceTimeoutMs' | 'backoff'> = {
  sessionTimeoutMs: 6000,
  rebalanceTimeoutMs: 6000,
  backoff: { initialMs: 100, maxMs: 1000 },
};

beforeAll(async () => {
  kafka = createKafka({
    brokers: testKafkaBrokers(),
    clientId: uniqueName('kafka_it'),
    logger: (entry) => logs.push(entry),
  });
  admin = await kafka.connectAdmin();
  producer = await kafka.connectProducer();
});

afterAll(async () => {
  if (process.env['KAFKA_IT_LOGS']) {
    for (const e of logs)
      process.stdout.write(`${e.level} ${e.source} ${e.message} ${JSON.stringify(e.fields)}\n`);
  }
  await Promise.allSettled(consumers.map((c) => c.stop()));
  await producer.disconnect();
  await admin.deleteTopics(topicsToDelete);
  await admin.disconnect();
});

async function newTopic(partitions: number): Promise<string> {
  const topic = uniqueName('kafka_it');
  topicsToDelete.push(topic);
  await admin.ensureTopics([{ topic, partitions }]);
  return topic;
}

async function start(options: ConsumerOptions): Promise<ConsumerHandle> {
  const handle = await kafka.runConsumer({ ...FAST, ...options });
  consumers.push(handle);
  return handle;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function values(messages: readonly ConsumedMessage[]): string[] {
  return messages.map((m) => m.value?.toString() ?? '<null>');
}

async function produceNumbered(topic: string, count: number, key?: (i: number) => string): Promise<void> {
  const messages = Array.from({ length: count }, (_, i) => ({ key: key ? key(i) : null, value: `m${i}` }));
  for (let i = 0; i < messages.length; i += 200) await producer.send(topic, messages.slice(i, i + 200));
}

function isJson(bytes: Buffer): boolean {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
    return true;
  } catch {
    return false;
  }
}

async function committed(groupId: string, topic: string): Promise<(string | null)[]> {
  const lag = await admin.consumerLag(groupId, [topic]);
  return lag.partitions.map((p) => p.committedOffset);
}

describe('admin', () => {
  it('ensureTopics creates a topic with the asked partitions once and leaves it alone the second time', async () => {
    const topic = uniqueName('kafka_it');
    topicsToDelete.push(topic);
    const spec = { topic, partitions: 4, configs: { 'retention.ms': '3600000' } };

    const first = await admin.ensureTopics([spec]);
    const second = await admin.ensureTopics([spec]);
    const wider = await admin.ensureTopics([{ topic, partitions: 8 }]);

    expect(first).toEqual({ created: [topic], existing: [], fewerPartitions: [] });
    expect(second).toEqual({ created: [], existing: [topic], fewerPartitions: [] });
    expect(wider.fewerPartitions).toEqual([{ topic, partitions: 4, requested: 8 }]);
    expect((await admin.fetchTopicOffsets(topic)).map((p) => p.partition)).toEqual([0, 1, 2, 3]);
    expect(await admin.partitionCount(topic)).toBe(4);
    expect(await admin.listTopics()).toContain(topic);
  });

  it('ensureTopics run at the same time by several processes for the same new topics succeeds in each', async () => {
    // As the services do at start: each creates the topics it needs; all but one find them created meanwhile.
    const admins = await Promise.all(
      Array.from({ length: 8 }, () =>
        createKafka({ brokers: testKafkaBrokers(), clientId: uniqueName('kafka_it_admin') }).connectAdmin(),
      ),
    );
    try {
      for (let round = 0; round < 10; round++) {
        const topics = Array.from({ length: 3 }, () => uniqueName('kafka_it'));
        topicsToDelete.push(...topics);
        const specs = topics.map((topic) => ({ topic, partitions: 6 }));
        const results = await Promise.all(admins.map((a) => a.ensureTopics(specs)));
        for (const result of results) expect(result.fewerPartitions).toEqual([]);
        for (const topic of topics) expect(await admin.partitionCount(topic)).toBe(6);
      }
    } finally {
      await Promise.all(admins.map((a) => a.disconnect()));
    }
  });

  it('deleteTopics removes existing topics and ignores absent ones', async () => {
    const topic = await newTopic(1);
    await admin.deleteTopics([topic, uniqueName('never_created')]);
    expect(await admin.listTopics()).not.toContain(topic);
  });

  it('consumerLag counts a new group from the low watermark and reaches zero once everything is committed', async () => {
    const topic = await newTopic(3);
    const groupId = uniqueName('kafka_it_group');
    await produceNumbered(topic, 30, (i) => `acct-${i % 5}`);

    const before = await admin.consumerLag(groupId, [topic]);
    expect(before.total).toBe(30);
    expect(before.partitions.every((p) => p.committedOffset === null)).toBe(true);

    let seen = 0;
    const handle = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handleBatch: (batch) => {
        seen += batch.messages.length;
        return Promise.resolve();
      },
    });
    await waitFor(() => seen === 30, '30 messages');
    await handle.stop();

    const after = await admin.consumerLag(groupId, [topic]);
    expect(after.total).toBe(0);
    expect(after.partitions.map((p) => p.committedOffset)).toEqual(after.partitions.map((p) => p.high));
  });
});

describe('producer', () => {
  it('maps a message above the broker limit to a non-retryable BAD_REQUEST and keeps working after it', async () => {
    const topic = await newTopic(1);
    const tooLarge = Buffer.alloc(3 * 1024 * 1024, 1); // broker message.max.bytes is 2 MiB

    const error = await producer.send(topic, [{ value: tooLarge }]).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(InfraError);
    expect(error).toMatchObject({ code: 'BAD_REQUEST', retryable: false, vendorCode: 'MESSAGE_TOO_LARGE' });
    const [record] = await producer.send(topic, [{ value: 'fine' }]);
    expect(record).toEqual({ topic, partition: 0, baseOffset: '0' });
  });

  it('sends to several topics in one sendBatch and rejects malformed messages before sending', async () => {
    const [a, b] = [await newTopic(1), await newTopic(2)];
    const records = await producer.sendBatch([
      { topic: a, messages: [{ value: 'a0' }, { value: 'a1' }] },
      { topic: b, messages: [{ key: 'k', value: 'b0' }] },
    ]);
    expect(records.map((r) => r.topic).sort()).toEqual([a, b].sort());
    expect((await admin.fetchTopicOffsets(a))[0]!.high).toBe('2');

    await expect(producer.send(a, [{ value: 'x', partition: -1 }])).rejects.toMatchObject({ code: 'CONFIG' });
    await expect(producer.send('not a topic!', [{ value: 'x' }])).rejects.toMatchObject({ code: 'CONFIG' });
  });

  it('reports an unreachable broker as retryable BROKER_UNAVAILABLE', async () => {
    const nowhere = createKafka({ brokers: ['127.0.0.1:1'], clientId: 'nowhere', logger: () => undefined });
    const error = await nowhere.connectAdmin().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'BROKER_UNAVAILABLE', retryable: true });
  });
});

describe('consumer', () => {
  it('delivers 1000 keyed messages through a group, each key in order on one partition', async () => {
    const topic = await newTopic(6);
    const groupId = uniqueName('kafka_it_group');
    const keys = 25;
    const messages = Array.from({ length: 1000 }, (_, i) => ({
      key: `acct-${i % keys}`,
      value: JSON.stringify({ key: `acct-${i % keys}`, seq: Math.floor(i / keys) }),
    }));
    for (let i = 0; i < messages.length; i += 100) await producer.send(topic, messages.slice(i, i + 100));

    const received: { partition: number; key: string; seq: number }[] = [];
    const batchSizes: number[] = [];
    await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      maxBatchSize: 100,
      handleBatch: (batch) => {
        batchSizes.push(batch.messages.length);
        for (const m of batch.messages) {
          const parsed = JSON.parse(m.value!.toString()) as { key: string; seq: number };
          expect(m.key?.toString()).toBe(parsed.key);
          received.push({ partition: batch.partition, ...parsed });
        }
        return Promise.resolve();
      },
    });
    await waitFor(() => received.length >= 1000, '1000 messages');

    expect(received).toHaveLength(1000);
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(100);
    for (let k = 0; k < keys; k++) {
      const ofKey = received.filter((r) => r.key === `acct-${k}`);
      expect(ofKey.map((r) => r.seq)).toEqual(Array.from({ length: 1000 / keys }, (_, i) => i));
      expect(new Set(ofKey.map((r) => r.partition)).size).toBe(1);
    }
    expect(new Set(received.map((r) => r.partition)).size).toBeGreaterThan(1);
  });

  it('round-trips messages of every shape byte for byte: keys, empty and large values, shared and repeated-looking headers', async () => {
    // The producer's and the consumer's kafkajs internals are replaced at load (kafkajs-patches.ts); the broker
    // checks every batch's CRC-32C on the way in.
    const topic = await newTopic(3);
    const groupId = uniqueName('kafka_it_group');
    const shared = { 'content-type': 'application/json' };
    const sent = Array.from({ length: 1200 }, (_, i) => {
      // Each message says which it is: in its value, or (empty value) in its seq header.
      let value: Buffer;
      if (i % 97 === 0) {
        value = Buffer.alloc(200_000, i & 0xff);
        value.writeUInt32BE(i, 0);
      } else if (i % 11 === 0) value = Buffer.alloc(0);
      else value = Buffer.from(`{"i":${i},"text":"caf\u00e9 \u2603 ${'x'.repeat(i % 300)}"}`);
      const key =
        i % 5 === 0 ? null : i % 5 === 1 ? Buffer.from([0xff, i & 0xff, 0]) : `acct-\u00e9-${i % 13}`;
      const headers =
        i % 11 === 0 || i % 4 === 2
          ? { seq: String(i), 'n\u00e4me-\u2603': Buffer.from([i & 0xff]), empty: '' }
          : i % 4 === 1
            ? shared
            : undefined;
      return { key, value, ...(headers === undefined ? {} : { headers }) };
    });
    const whichOf = (m: ConsumedMessage): number =>
      m.value!.length === 0
        ? Number(m.headers['seq']!.toString())
        : m.value!.length === 200_000
          ? m.value!.readUInt32BE(0)
          : (JSON.parse(m.value!.toString()) as { i: number }).i;
    for (let i = 0; i < sent.length; i += 300) await producer.send(topic, sent.slice(i, i + 300));

    const received = new Map<number, ConsumedMessage>();
    await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handleBatch: (batch) => {
        for (const m of batch.messages) received.set(whichOf(m), m);
        return Promise.resolve();
      },
    });
    await waitFor(() => received.size >= sent.length, `${sent.length} messages`);

    expect(received.size).toBe(sent.length);
    for (const [i, m] of received) {
      const s = sent[i]!;
      expect([i, m.value!.equals(s.value)]).toEqual([i, true]); // (toEqual on 200 kB Buffers takes seconds)
      expect(m.key).toEqual(s.key === null ? null : Buffer.from(s.key));
      const headers: Record<string, Buffer> = {};
      for (const [name, v] of Object.entries(s.headers ?? {})) headers[name] = Buffer.from(v);
      expect(m.headers).toEqual(headers);
      expect(m.offset).toMatch(/^\d+$/);
      expect(Math.abs(Number(m.timestamp) - Date.now())).toBeLessThan(120_000);
    }
  });

  it('resumes a group from its committed offset: nothing twice, nothing lost', async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName('kafka_it_group');
    await produceNumbered(topic, 100);

    const first: ConsumedMessage[] = [];
    const firstHandle: ConsumerHandle = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      maxBatchSize: 10,
      handleBatch: (batch) => {
        first.push(...batch.messages);
        // Stopping from inside the handler: this batch still finishes and is committed.
        if (first.length >= 30) firstHandle.stop().catch(() => undefined);
        return Promise.resolve();
      },
    });
    await firstHandle.done;
    expect(values(first)).toEqual(Array.from({ length: 30 }, (_, i) => `m${i}`));
    expect(await committed(groupId, topic)).toEqual(['30']);

    const second: ConsumedMessage[] = [];
    const secondHandle = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handleBatch: (batch) => {
        second.push(...batch.messages);
        return Promise.resolve();
      },
    });
    await waitFor(() => second.length >= 70, 'the remaining 70 messages');
    await secondHandle.stop();

    expect(values(second)).toEqual(Array.from({ length: 70 }, (_, i) => `m${i + 30}`));
    expect(await committed(groupId, topic)).toEqual(['100']);
  });

  it('redelivers the same messages after a retryable handler error, committing nothing in between', async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName('kafka_it_group');
    await produceNumbered(topic, 20);

    const deliveries: { offsets: string[]; at: number; committedDuring: (string | null)[] }[] = [];
    const reported: unknown[] = [];
    const handle = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      onError: (error, context) => reported.push({ code: error.code, ...context }),
      handleBatch: async (batch: ConsumedBatch) => {
        deliveries.push({
          offsets: batch.messages.map((m) => m.offset),
          at: Date.now(),
          committedDuring: await committed(groupId, topic),
        });
        if (deliveries.length === 1) throw new InfraError('SINK_UNAVAILABLE', 'clickhouse is down');
      },
    });
    await waitFor(() => deliveries.length >= 2, 'a redelivery');
    await new Promise((resolve) => setTimeout(resolve, 300)); // room for a wrong third delivery
    await handle.stop();

    const expectedOffsets = Array.from({ length: 20 }, (_, i) => String(i));
    expect(deliveries.map((d) => d.offsets)).toEqual([expectedOffsets, expectedOffsets]);
    expect(deliveries.map((d) => d.committedDuring)).toEqual([[null], [null]]);
    expect(deliveries[1]!.at - deliveries[0]!.at).toBeGreaterThanOrEqual(100);
    expect(reported).toEqual([{ code: 'SINK_UNAVAILABLE', topic, partition: 0, retrying: true, attempt: 1 }]);
    expect(await committed(groupId, topic)).toEqual(['20']);
  });

  it('stops promptly while a partition waits out its backoff, leaving the batch uncommitted', async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName('kafka_it_group');
    await produceNumbered(topic, 5);

    let deliveries = 0;
    const handle = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      backoff: { initialMs: 5000, maxMs: 5000 },
      handleBatch: () => {
        deliveries++;
        return Promise.reject(new InfraError('SINK_UNAVAILABLE', 'clickhouse is down'));
      },
    });
    await waitFor(() => deliveries === 1, 'the first delivery');

    const started = Date.now();
    await handle.stop();
    await handle.done;

    expect(Date.now() - started).toBeLessThan(2000);
    expect(deliveries).toBe(1);
    expect(await committed(groupId, topic)).toEqual([null]);
  });

  it('replays a batch that was handled but not committed (crash before commit) to the next consumer', async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName('kafka_it_group');
    await produceNumbered(topic, 10);

    // The handler's side effects happen, then it fails with a bug (a plain Error): the consumer stops
    // without committing, as a process killed between handling and commit would.
    const sideEffects: string[] = [];
    const crashing = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handleBatch: (batch) => {
        sideEffects.push(...values(batch.messages));
        return Promise.reject(new Error('bug after the side effects'));
      },
    });
    const failure = await crashing.done.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 'INTERNAL', retryable: false });
    expect((failure as InfraError).cause).toEqual(new Error('bug after the side effects'));
    expect(crashing.isRunning()).toBe(false);
    expect(await committed(groupId, topic)).toEqual([null]);

    const replayed: string[] = [];
    const next = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handleBatch: (batch) => {
        replayed.push(...values(batch.messages));
        return Promise.resolve();
      },
    });
    await waitFor(() => replayed.length >= 10, 'the replay');
    await next.stop();

    expect(sideEffects).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(replayed).toEqual(sideEffects);
    expect(await committed(groupId, topic)).toEqual(['10']);
  });

  it('replays to the next member what a process killed with SIGKILL had handled but not committed', async () => {
    const topic = await newTopic(1);
    const groupId = uniqueName('kafka_it_group');
    await produceNumbered(topic, 10);

    const child = spawn(
      process.execPath,
      ['--import', './crash/register.mjs', './crash/handle-then-hang.mjs'],
      {
        cwd: __dirname,
        env: { ...process.env, BROKERS: testKafkaBrokers().join(','), TOPIC: topic, GROUP: groupId },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    await waitFor(() => output.includes('\n'), 'the child to handle a batch', 20_000);
    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    const handledByChild = JSON.parse(output.split('\n')[0]!) as string[];
    expect(handledByChild).toEqual(Array.from({ length: 10 }, (_, i) => `m${i}`));
    expect(await committed(groupId, topic)).toEqual([null]);

    // The dead member still holds the partition until its 6 s session expires; then it is replayed.
    const replayed: string[] = [];
    const next = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handleBatch: (batch) => {
        replayed.push(...values(batch.messages));
        return Promise.resolve();
      },
    });
    await waitFor(() => replayed.length >= 10, 'the replay', 25_000);
    await next.stop();
    expect(replayed).toEqual(handledByChild);
  }, 60_000);

  it('shares partitions with a member that joins mid-stream, losing nothing and committing everything handled', async () => {
    const topic = await newTopic(4);
    const groupId = uniqueName('kafka_it_group');
    await produceNumbered(topic, 600, (i) => `acct-${i % 16}`);

    const handledBy: Map<string, number>[] = [new Map(), new Map()];
    const handler =
      (member: number) =>
      async (batch: ConsumedBatch): Promise<void> => {
        // Alone, the first member would need 9 s: the join lands mid-stream even on a busy machine.
        const alone = handledBy[1]!.size === 0;
        await new Promise((resolve) => setTimeout(resolve, alone ? 150 : 10));
        for (const m of batch.messages) {
          const id = `${batch.partition}:${m.offset}`;
          handledBy[member]!.set(id, (handledBy[member]!.get(id) ?? 0) + 1);
        }
      };
    const options = { groupId, topics: [topic], fromBeginning: true, maxBatchSize: 10 };
    const first = await start({ ...options, handleBatch: handler(0) });
    await waitFor(() => handledBy[0]!.size >= 20, 'the first member to start');
    const second = await start({ ...options, handleBatch: handler(1) });

    const all = (): Set<string> => new Set([...handledBy[0]!.keys(), ...handledBy[1]!.keys()]);
    await waitFor(() => all().size >= 600, 'all 600 messages', 25_000);
    await Promise.all([first.stop(), second.stop()]);

    expect({ first: handledBy[0]!.size > 0, second: handledBy[1]!.size > 0, all: all().size }).toEqual({
      first: true,
      second: true,
      all: 600,
    });
    const lag = await admin.consumerLag(groupId, [topic]);
    expect(lag.total).toBe(0);
  });

  it('hands garbage bytes and a 1 MiB message to the handler, which dead-letters what is not JSON', async () => {
    const topic = await newTopic(1);
    const deadLetters = await newTopic(1);
    const groupId = uniqueName('kafka_it_group');
    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]);
    const big = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) % 251;
    await producer.send(topic, [
      { key: Buffer.from([0xff, 0x00]), value: garbage, headers: { 'content-type': Buffer.from([0xc3]) } },
      { value: big },
      { value: '{"ok":true}' },
    ]);

    const received: ConsumedMessage[] = [];
    const handle = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handleBatch: async (batch) => {
        received.push(...batch.messages);
        const malformed = batch.messages.filter((m) => m.value === null || !isJson(m.value));
        const letters = malformed.map((m) =>
          toDeadLetter(batch, m, { code: 'MALFORMED', message: 'not JSON' }),
        );
        if (letters.length > 0) await producer.send(deadLetters, letters);
      },
    });
    const dead: ConsumedMessage[] = [];
    const deadReader = await start({
      groupId: uniqueName('kafka_it_group'),
      topics: [deadLetters],
      fromBeginning: true,
      handleBatch: (batch) => {
        dead.push(...batch.messages);
        return Promise.resolve();
      },
    });
    await waitFor(() => received.length >= 3 && dead.length >= 2, 'three messages and two dead letters');
    expect(handle.isRunning()).toBe(true);
    await Promise.all([handle.stop(), deadReader.stop()]);

    expect(received[0]!.value).toEqual(garbage);
    expect(received[0]!.key).toEqual(Buffer.from([0xff, 0x00]));
    expect(received[0]!.headers).toEqual({ 'content-type': Buffer.from([0xc3]) });
    expect(received[1]!.value!.equals(big)).toBe(true);
    expect(received[2]!.value!.toString()).toBe('{"ok":true}');
    expect(dead).toHaveLength(2);
    expect(dead[0]!.value).toEqual(garbage);
    expect(dead[1]!.value!.equals(big)).toBe(true);
    expect(dead[0]!.headers[DEAD_LETTER_HEADERS.code]?.toString()).toBe('MALFORMED');
    expect(dead[0]!.headers[DEAD_LETTER_HEADERS.offset]?.toString()).toBe('0');
  });

  it('handles batches of different partitions at the same time with partitionsConsumedConcurrently, committing each after its handler', async () => {
    const topic = await newTopic(3);
    const groupId = uniqueName('kafka_it_group');
    // One message per partition, so that one fetch holds three batches.
    for (let partition = 0; partition < 3; partition++) {
      await producer.send(topic, [{ value: `p${partition}`, partition }]);
    }

    // Each handler waits until all three are in flight: with one partition at a time this never happens.
    let inFlight = 0;
    let maxInFlight = 0;
    let releaseAll!: () => void;
    const allInFlight = new Promise<void>((resolve) => (releaseAll = resolve));
    const handled: string[] = [];
    const committedWhileWaiting: (string | null)[][] = [];
    const handle = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      partitionsConsumedConcurrently: 3,
      handleBatch: async (batch) => {
        inFlight++;
        maxInFlight = Math.max(maxInFlight, inFlight);
        if (inFlight === 3) {
          committedWhileWaiting.push(await committed(groupId, topic));
          releaseAll();
        }
        await allInFlight;
        handled.push(...values(batch.messages));
        inFlight--;
      },
    });
    await waitFor(() => handled.length === 3, 'three partitions handled together', 15_000);
    await handle.stop();

    expect(maxInFlight).toBe(3);
    expect(handled.sort()).toEqual(['p0', 'p1', 'p2']);
    expect(committedWhileWaiting).toEqual([[null, null, null]]);
    expect(await committed(groupId, topic)).toEqual(['1', '1', '1']);
  });

  it('stops gracefully within 10 s while messages flow, committing exactly what was handled', async () => {
    const topic = await newTopic(3);
    const groupId = uniqueName('kafka_it_group');
    let producing = true;
    const flowing = (async () => {
      for (let round = 0; producing; round++) {
        await produceNumbered(topic, 30, (i) => `acct-${(round * 30 + i) % 7}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();

    const lastHandled = new Map<number, bigint>();
    let afterStop = 0;
    let stopped = false;
    const handle = await start({
      groupId,
      topics: [topic],
      fromBeginning: true,
      maxBatchSize: 20,
      handleBatch: async (batch) => {
        if (stopped) afterStop++;
        await new Promise((resolve) => setTimeout(resolve, 30));
        lastHandled.set(batch.partition, BigInt(batch.messages[batch.messages.length - 1]!.offset));
      },
    });
    await waitFor(() => lastHandled.size > 0, 'some messages');
    await new Promise((resolve) => setTimeout(resolve, 500));

    const started = Date.now();
    await handle.stop();
    const stopMs = Date.now() - started;
    stopped = true;
    producing = false;
    await flowing;
    await handle.done;

    if (process.env['KAFKA_IT_LOGS']) process.stdout.write(`graceful stop took ${stopMs} ms\n`);
    expect(stopMs).toBeLessThan(10_000);
    expect(afterStop).toBe(0);
    expect(handle.isRunning()).toBe(false);
    const lag = await admin.consumerLag(groupId, [topic]);
    for (const p of lag.partitions) {
      const handled = lastHandled.get(p.partition);
      expect(p.committedOffset).toBe(handled === undefined ? null : String(handled + 1n));
    }
  });
});
