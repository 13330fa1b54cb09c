// Jest globalSetup for integration tests: makes sure the local stack (real Kafka + real ClickHouse) is up.
// `deploy/local/stack.mjs up` is idempotent, so this is cheap when the stack already runs.
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function integrationSetup() {
  if (process.env.CDRATE_TEST_BACKEND === 'testcontainers') {
    const { startTestcontainers } = require('./testcontainers-backend.cjs');
    await startTestcontainers();
    return;
  }
  execFileSync(process.execPath, [path.join(__dirname, '..', 'deploy', 'local', 'stack.mjs'), 'up'], {
    stdio: 'inherit',
  });
};
