import type { Message } from 'kafkajs';
import { SendCoalescer, type TopicPart } from '../src/send-coalescer.js';

/** A send function that records each request and settles it when told to. */
function recordingSend() {
  const requests: { parts: TopicPart[]; settle: (error?: Error) => void }[] = [];
  const send = (parts: TopicPart[]): Promise<string> =>
    new Promise<string>((resolve, reject) => {
      requests.push({
        parts,
        settle: (error) => (error ? reject(error) : resolve(`request ${requests.length}`)),
      });
    });
  return { requests, send };
}

const message = (value: string, partition = 0): Message => ({ key: null, value, partition });
const values = (parts: TopicPart[]) => parts.map((p) => [p.topic, p.messages.map((m) => m.value)]);
const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('SendCoalescer', () => {
  it('sends the first send at once and merges those made meanwhile into the next request, in order', async () => {
    const { requests, send } = recordingSend();
    const coalescer = new SendCoalescer({ send, maxPartitionBytes: 1024 });
    const first = coalescer.submit([{ topic: 'a', messages: [message('1')] }]);
    const second = coalescer.submit([{ topic: 'a', messages: [message('2'), message('3')] }]);
    const third = coalescer.submit([
      { topic: 'b', messages: [message('x')] },
      { topic: 'a', messages: [message('4')] },
    ]);
    await tick();
    expect(requests.map((r) => values(r.parts))).toEqual([[['a', ['1']]]]);
    requests[0]!.settle();
    await expect(first).resolves.toBe('request 1');
    await tick();
    // One request for the two waiting sends; topic a's messages in submission order.
    expect(values(requests[1]!.parts)).toEqual([
      ['a', ['2', '3', '4']],
      ['b', ['x']],
    ]);
    requests[1]!.settle();
    await expect(second).resolves.toBe('request 2');
    await expect(third).resolves.toBe('request 2');
  });

  it('keeps a merged request within the bytes per partition; a larger single send goes alone', async () => {
    const { requests, send } = recordingSend();
    // 16 bytes of overhead per message plus its value: each 84-byte value counts 100.
    const coalescer = new SendCoalescer({ send, maxPartitionBytes: 250 });
    const big = 'v'.repeat(84);
    const sends = [
      coalescer.submit([{ topic: 't', messages: [message('first')] }]),
      coalescer.submit([{ topic: 't', messages: [message(big, 0), message(big, 0)] }]),
      coalescer.submit([{ topic: 't', messages: [message(big, 0)] }]), // 300 on partition 0: next request
      coalescer.submit([{ topic: 't', messages: [message(big, 1)] }]), // other partition: fits with it
      coalescer.submit([{ topic: 't', messages: [message(big, 0), message(big, 0), message(big, 0)] }]),
    ];
    for (let i = 0; i < 4; i++) {
      await tick();
      requests[i]!.settle();
    }
    await Promise.all(sends);
    expect(requests.map((r) => r.parts[0]!.messages.length)).toEqual([1, 2, 2, 3]);
    expect(requests[2]!.parts[0]!.messages.map((m) => m.partition)).toEqual([0, 1]);
  });

  it('fails every send of a failed request with its error, and goes on with the next ones', async () => {
    const { requests, send } = recordingSend();
    const coalescer = new SendCoalescer({ send, maxPartitionBytes: 1024 });
    const first = coalescer.submit([{ topic: 'a', messages: [message('1')] }]);
    const second = coalescer.submit([{ topic: 'a', messages: [message('2')] }]);
    const third = coalescer.submit([{ topic: 'a', messages: [message('3')] }]);
    await tick();
    requests[0]!.settle();
    await first;
    await tick();
    requests[1]!.settle(new Error('broker gone'));
    await expect(second).rejects.toThrow('broker gone');
    await expect(third).rejects.toThrow('broker gone');
    const fourth = coalescer.submit([{ topic: 'a', messages: [message('4')] }]);
    await tick();
    expect(values(requests[2]!.parts)).toEqual([['a', ['4']]]);
    requests[2]!.settle();
    await expect(fourth).resolves.toBe('request 3');
  });
});
