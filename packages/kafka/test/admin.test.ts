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
function racedAdmin(failures: Error[]): { admin: Admin; metadataCalls: () => number } {
  let calls = 0;
  const admin = {
    listTopics: () => Promise.resolve([]),
    createTopics: () => Promise.resolve(false),
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
