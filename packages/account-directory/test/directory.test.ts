import { InfraError } from '@cdrate/errors';
import type { ConsumedBatch, ConsumerOptions, KafkaAdmin, KafkaClient } from '@cdrate/kafka';
import { encodeAccount } from '@cdrate/schemas';
import { startAccountDirectory } from '@cdrate/account-directory';

const silent = { info: () => undefined, warn: () => undefined };

/** A fake client: watermarks fail `failures` times (retryably), then are `high` per partition. */
function fakeKafka(highs: readonly number[], failures = 0) {
  let calls = 0;
  let options: ConsumerOptions | undefined;
  let finish!: () => void;
  const admin = {
    fetchTopicOffsets: () => {
      calls++;
      if (calls <= failures) return Promise.reject(new InfraError('BROKER_UNAVAILABLE', 'no leader yet'));
      return Promise.resolve(highs.map((high, partition) => ({ partition, low: '0', high: String(high) })));
    },
    disconnect: () => Promise.resolve(),
  } as unknown as KafkaAdmin;
  const kafka = {
    connectAdmin: () => Promise.resolve(admin),
    runConsumer: (o: ConsumerOptions) => {
      options = o;
      return Promise.resolve({
        stop: () => {
          finish();
          return Promise.resolve();
        },
        done: new Promise<void>((resolve) => (finish = resolve)),
        isRunning: () => true,
      });
    },
  } as unknown as KafkaClient;
  const deliver = (partition: number, offsets: number[]): Promise<void> =>
    options!.handleBatch({
      topic: 'accounts',
      partition,
      highWatermark: '0',
      messages: offsets.map((offset) => ({
        key: Buffer.from(`a${offset}`),
        value: encodeAccount({
          account_id: `a${offset}`,
          country: 'US',
          billing_start_date: '2025-01-01',
          included_minutes: 0,
          overage_rate: '0.02',
          toll_free_numbers: [],
          numbers: [],
          currency: 'USD',
        }),
        headers: {},
        offset: String(offset),
        timestamp: '0',
      })),
    } satisfies ConsumedBatch);
  return { kafka, deliver, calls: () => calls, options: () => options };
}

describe('startAccountDirectory', () => {
  it('retries reading the watermarks while the topic has no leader, then reads every partition from the beginning', async () => {
    const fake = fakeKafka([2, 0, 1], 2);
    const directory = await startAccountDirectory({
      kafka: fake.kafka,
      topic: 'accounts',
      groupId: 'g',
      logger: silent,
    });
    expect(fake.calls()).toBe(3);
    expect(fake.options()).toMatchObject({ groupId: 'g', topics: ['accounts'], fromBeginning: true });
    expect(directory.isLoaded()).toBe(false);
    await fake.deliver(0, [0, 1]);
    expect(directory.isLoaded()).toBe(false); // partition 2 is still behind; partition 1 is empty
    await fake.deliver(2, [0]);
    await expect(directory.waitUntilLoaded(10)).resolves.toBeUndefined();
    expect(directory.get('a1')?.country).toBe('US');
    await directory.stop();
    await expect(directory.done).resolves.toBeUndefined();
  });

  it('times out waiting when the topic is not read in time, naming the partitions behind', async () => {
    const fake = fakeKafka([1, 1]);
    const directory = await startAccountDirectory({
      kafka: fake.kafka,
      topic: 'accounts',
      groupId: 'g',
      logger: silent,
    });
    await expect(directory.waitUntilLoaded(20)).rejects.toThrow(/partitions still behind: 0, 1/);
    await directory.stop();
  });

  it('rejects waiters when stopped before it loaded', async () => {
    const fake = fakeKafka([1]);
    const directory = await startAccountDirectory({
      kafka: fake.kafka,
      topic: 'accounts',
      groupId: 'g',
      logger: silent,
    });
    const waiting = directory.waitUntilLoaded(5000);
    await directory.stop();
    await expect(waiting).rejects.toThrow(/stopped before it loaded/);
  });
});
