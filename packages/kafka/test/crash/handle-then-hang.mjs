// Child process for the kill -9 test: consumes TOPIC in GROUP, prints the offsets of each batch it has
// handled (its "side effect") as a JSON line, then hangs before returning, so nothing is ever committed.
// The parent kills it with SIGKILL.
import { createKafka } from '../../src/index.ts';

const { BROKERS, TOPIC, GROUP } = process.env;
const kafka = createKafka({ brokers: BROKERS.split(','), clientId: 'crash-child', logger: () => undefined });
await kafka.runConsumer({
  groupId: GROUP,
  topics: [TOPIC],
  fromBeginning: true,
  sessionTimeoutMs: 6000,
  rebalanceTimeoutMs: 6000,
  handleBatch: async (batch) => {
    process.stdout.write(`${JSON.stringify(batch.messages.map((m) => m.value.toString()))}\n`);
    await new Promise(() => undefined);
  },
});
