// Cluster ids for `kafka-storage format`, generated the way Kafka's own `Uuid.randomUuid()` does.
// Contract: 16 random bytes in URL-safe base64 without padding (22 characters), never the two ids Kafka
// reserves (all zero; 0…01, the metadata topic's) and never starting with '-'. The last rule matters
// here: the id is a command-line argument, and `-t -abc…` makes the storage tool's parser read it as an
// option and fail with "argument --cluster-id/-t: expected one argument" (one id in 64 did).
import { randomBytes } from 'node:crypto';

/**
 * A new cluster id. `random(16)` supplies the bytes (crypto by default; tests script it).
 * @param {(size: number) => Buffer} [random]
 * @returns {string}
 */
export function newKafkaClusterId(random = randomBytes) {
  for (;;) {
    const bytes = random(16);
    const reserved = bytes.subarray(0, 15).every((byte) => byte === 0) && bytes[15] <= 1;
    const id = bytes.toString('base64url');
    if (!reserved && !id.startsWith('-')) return id;
  }
}
