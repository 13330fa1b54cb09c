#!/usr/bin/env bash
# The demo, from a fresh clone: installs what it needs, starts Kafka and ClickHouse, starts the ingest,
# rating and aggregation services, publishes sample accounts and a few thousand realistic CDRs (some of
# them bad, some resent), waits until every CDR is rated or dead-lettered, and prints the rated summary
# next to what the offline rater (`cdr rate`) says about the same file. Everything keeps running
# afterwards so you can look around; `pnpm pipeline:down && pnpm stack:down` stops it.
#   bash deploy/local/demo.sh            (DEMO_CDRS=5000 by default)
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"

echo "== build"
pnpm run --silent build
echo "== local stack (Kafka, ClickHouse)"
node deploy/local/stack.mjs up
node deploy/local/demo.mjs
