#!/usr/bin/env bash
# The whole test suite, from a fresh clone: installs what it needs (pnpm via corepack, npm packages,
# clickhouse-server via apt, Kafka jars via Maven, chdb-core via pip, a Node.js LTS release via npm), starts
# the real Kafka and ClickHouse, runs static checks, unit tests, the modern-ClickHouse check (chDB),
# integration and end-to-end tests (unit, integration and end-to-end on this machine's Node and on the LTS),
# and stops the stack again if it started it.
#   bash test/run.sh            everything
#   bash test/run.sh unit       static checks, unit tests and the chDB check only (no servers)
# Ends with one line "tests: N passed, N failed" and exits non-zero on any failure.
source "$(dirname "${BASH_SOURCE[0]}")/../deploy/local/env.sh"

scope="${1:-all}"
results="$CDRATE_STATE_DIR/test-results"
rm -rf "$results" && mkdir -p "$results"

stack_was_up=0
if [ "$scope" = all ] && node deploy/local/stack.mjs status >/dev/null 2>&1; then stack_was_up=1; fi
stop_stack() {
  if [ "$scope" = all ] && [ "$stack_was_up" = 0 ] && [ "${KEEP_STACK:-0}" != 1 ]; then
    node deploy/local/stack.mjs down || true
  fi
}
trap stop_stack EXIT

echo "== build and static checks"
pnpm run typecheck
pnpm run lint
pnpm run format:check

status=0
echo "== unit tests"
pnpm exec jest --selectProjects unit --json --outputFile="$results/unit.json" || status=1

# The same tests on the pinned Node.js LTS release (deploy/local/node-lts.mjs fetches it once from the npm
# registry), so that both ends are tested: the steps above and below run on this machine's Node (20 here,
# the floor of package.json "engines", past its end of life), the LTS steps on the line users deploy on.
# NODE_LTS_TESTS=0 leaves them out (quick local iterations; CI always runs them).
lts_node=""
if [ "${NODE_LTS_TESTS:-1}" != 0 ]; then
  if lts_node="$(node deploy/local/node-lts.mjs path)"; then
    echo "== unit tests on Node.js $("$lts_node" --version) (LTS)"
    "$lts_node" node_modules/jest/bin/jest.js --selectProjects unit --json \
      --outputFile="$results/unit-node-lts.json" || status=1
  else
    echo "error: the Node.js LTS release could not be fetched, so the tests on it did not run" >&2
    lts_node=""
    status=1
  fi
fi

# Every DDL statement and query the project issues, on a modern ClickHouse (26.x, embedded by chDB).
echo "== modern ClickHouse (chDB)"
bash test/modern-clickhouse/run.sh --json --outputFile="$results/modern.json" || status=1

if [ "$scope" = all ]; then
  # kcat (librdkafka) is the independent Kafka client the stack tests check interoperability with.
  command -v kcat >/dev/null 2>&1 || cdrate_apt_install kcat
  echo "== local stack"
  node deploy/local/stack.mjs up
  echo "== integration tests (real Kafka and ClickHouse)"
  pnpm exec jest --selectProjects integration --runInBand --json --outputFile="$results/integration.json" || status=1
  if [ -n "$lts_node" ]; then
    # Every service and command an integration test starts runs on the runtime jest runs on.
    echo "== integration tests on Node.js $("$lts_node" --version) (LTS)"
    "$lts_node" node_modules/jest/bin/jest.js --selectProjects integration --runInBand --json \
      --outputFile="$results/integration-node-lts.json" || status=1
  fi
fi

node -e '
  const fs = require("fs"); const dir = process.argv[1];
  let passed = 0, failed = 0;
  for (const f of fs.readdirSync(dir)) {
    const r = JSON.parse(fs.readFileSync(dir + "/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
    if (r.numPendingTests > 0) { console.error(f + ": " + r.numPendingTests + " skipped tests (not allowed)"); failed += r.numPendingTests; }
    if (r.numTotalTests === 0) { console.error(f + ": no tests ran"); failed += 1; }
  }
  console.log("tests: " + passed + " passed, " + failed + " failed");
  process.exit(failed > 0 ? 1 : 0);
' "$results" || status=1
exit $status
