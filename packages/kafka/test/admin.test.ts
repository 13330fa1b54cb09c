import { InfraError } from '@cdrate/errors';
import type { Admin } from 'kafkajs';
import { wrapAdmin } from '../src/admin.js';
import { KafkaJSProtocolError } from '../src/kafkajs.js';

/** A protocol error as kafkajs builds it from a broker error code (`createErrorFromCode`). */
function protocolError(type: string, code: number): Error {
  return new KafkaJSProtocolError(
    Object.assign(new Error(`broker said ${type}`), { type, code, retriable: true }),
  );
}

/**
 * A kafkajs admin as another process's concurrent create leaves it: the topic exists (our create finds it
 * so and returns false without waiting for leaders), and the metadata fails `failures` times first.
 */
function racedAdmin(
  failures: Error[],
  createTopics: () => Promise<boolean> = () => Promise.resolve(false),
): { admin: Admin; metadataCalls: () => number } {
  let calls = 0;
  const admin = {
    listTopics: () => Promise.resolve([]),
    createTopics,
    fetchTopicMetadata: ({ topics }: { topics: string[] }) => {
      const failure = failures[calls++];
      if (failure !== undefined) return Promise.reject(failure);
      return Promise.resolve({
        topics: topics.map((name) => ({
          name,
          partitions: [0, 1, 2].map((partitionId) => ({ partitionId })),
        })),
      });
    },
  } as unknown as Admin;
  return { admin, metadataCalls: () => calls };
}

const noLog = (): void => undefined;

describe('ensureTopics', () => {
  it('asks again for the metadata of a topic another process created a moment ago', async () => {
    const { admin, metadataCalls } = racedAdmin([
      protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3),
      protocolError('LEADER_NOT_AVAILABLE', 5),
    ]);
    const result = await wrapAdmin(admin, noLog, 5000).ensureTopics([{ topic: 't', partitions: 3 }]);
    expect(result).toEqual({ created: ['t'], existing: [], fewerPartitions: [] });
    expect(metadataCalls()).toBe(3);
  });

  it('asks again when kafkajs gave up waiting for the leaders because the metadata did not know the topic yet', async () => {
    // kafkajs's createTopics retries LEADER_NOT_AVAILABLE only; KRaft can answer UNKNOWN_TOPIC_OR_PARTITION
    // for a moment after the create (failed a pipeline start at 15:45 on 2026-11-26).
    const { admin, metadataCalls } = racedAdmin([protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3)], () =>
      Promise.reject(protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3)),
    );
    const result = await wrapAdmin(admin, noLog, 5000).ensureTopics([{ topic: 't', partitions: 3 }]);
    expect(result).toEqual({ created: ['t'], existing: [], fewerPartitions: [] });
    expect(metadataCalls()).toBe(2);

    const denied = racedAdmin([], () => Promise.reject(protocolError('TOPIC_AUTHORIZATION_FAILED', 29)));
    await expect(
      wrapAdmin(denied.admin, noLog, 5000).ensureTopics([{ topic: 't', partitions: 3 }]),
    ).rejects.toMatchObject({ vendorCode: 'TOPIC_AUTHORIZATION_FAILED' });
    expect(denied.metadataCalls()).toBe(0);
  });

  it('gives up after the request timeout, and at once on other errors', async () => {
    const unknown = Array.from({ length: 100 }, () => protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3));
    const slow = wrapAdmin(racedAdmin(unknown).admin, noLog, 250).ensureTopics([
      { topic: 't', partitions: 3 },
    ]);
    await expect(slow).rejects.toMatchObject({
      code: 'BROKER_UNAVAILABLE',
      vendorCode: 'UNKNOWN_TOPIC_OR_PARTITION',
    });

    const other = racedAdmin([protocolError('TOPIC_AUTHORIZATION_FAILED', 29)]);
    const refused = wrapAdmin(other.admin, noLog, 5000).ensureTopics([{ topic: 't', partitions: 3 }]);
    await expect(refused).rejects.toBeInstanceOf(InfraError);
    expect(other.metadataCalls()).toBe(1);
  });
});
