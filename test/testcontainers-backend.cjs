// Alternative integration-test backend for machines with a Docker engine: CDRATE_TEST_BACKEND=testcontainers.
// Starts Kafka and a modern ClickHouse in containers and exports the addresses the tests read
// (KAFKA_BROKERS, CLICKHOUSE_URL; see test/support/stack.ts). Containers are removed by testcontainers'
// reaper when the jest process exits. Not run in this project's CI (no container engine there).
async function startTestcontainers() {
  const { GenericContainer, Wait } = require('testcontainers');
  const kafkaHostPort = 19092;
  const kafka = await new GenericContainer('apache/kafka:4.1.1')
    .withExposedPorts({ container: 9092, host: kafkaHostPort })
    .withEnvironment({
      KAFKA_NODE_ID: '1',
      KAFKA_PROCESS_ROLES: 'broker,controller',
      KAFKA_LISTENERS: 'PLAINTEXT://:9092,CONTROLLER://:9093',
      KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${kafkaHostPort}`,
      KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
      KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      KAFKA_CONTROLLER_QUORUM_VOTERS: '1@localhost:9093',
      KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
      KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
      KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
      KAFKA_NUM_PARTITIONS: '6',
      KAFKA_MESSAGE_MAX_BYTES: '2097152',
    })
    .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/))
    .start();
  const clickhouse = await new GenericContainer('clickhouse/clickhouse-server:25.8')
    .withExposedPorts(8123)
    .withEnvironment({ CLICKHOUSE_SKIP_USER_SETUP: '1' })
    .withWaitStrategy(Wait.forHttp('/ping', 8123))
    .start();
  process.env.KAFKA_BROKERS = `127.0.0.1:${kafkaHostPort}`;
  process.env.CLICKHOUSE_URL = `http://${clickhouse.getHost()}:${clickhouse.getMappedPort(8123)}`;
  globalThis.__cdrateContainers = [kafka, clickhouse];
}

module.exports = { startTestcontainers };
