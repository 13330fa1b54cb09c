/**
 * Where integration tests find the real servers. `test/integration-setup.cjs` (jest globalSetup) starts the
 * local stack, or containers when CDRATE_TEST_BACKEND=testcontainers, and exports these variables; the
 * defaults are the local stack's ports.
 */
export function testKafkaBrokers(): string[] {
  const fromEnv = process.env['KAFKA_BROKERS'];
  if (fromEnv) return fromEnv.split(',');
  return [`127.0.0.1:${process.env['KAFKA_PORT'] ?? '9092'}`];
}

export function testClickhouseUrl(): string {
  return process.env['CLICKHOUSE_URL'] ?? `http://127.0.0.1:${process.env['CLICKHOUSE_HTTP_PORT'] ?? '8123'}`;
}

/** A name unique to this test run, for topics, consumer groups, databases and tables (`[a-z0-9_]`). */
export function uniqueName(prefix: string): string {
  const random = Math.floor(Math.random() * 0xffffff).toString(16);
  return `${prefix}_${Date.now().toString(36)}_${random}`;
}
