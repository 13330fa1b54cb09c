#!/usr/bin/env bash
# The modern-ClickHouse check: every DDL statement and query the project issues, run on ClickHouse 26.x
# embedded in-process by chDB (PyPI chdb-core), against the same schema and fixture data as the 18.16 tests.
#   bash test/modern-clickhouse/run.sh [extra jest options, e.g. --json --outputFile=FILE]
# Creates .local/venv-chdb with chdb-core (pinned) when missing (about 20 s here; ~890 MB installed), renders the
# SQL with the project's own builders into .local/modern-sql/, runs it through run_sql.py and checks the
# answers (test/modern-clickhouse/modern.check.ts). Fails on any error. Needs no server.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

CHDB_CORE_VERSION=26.9.0
venv="$root/.local/venv-chdb"
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('chdb-core') != '$CHDB_CORE_VERSION')" 2>/dev/null; then
  echo "== modern ClickHouse: installing chdb-core $CHDB_CORE_VERSION into $venv"
  rm -rf "$venv"
  if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' 2>/dev/null; then
    # Debian ships venv support separately (python3-venv).
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo -n"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3 python3-venv
  fi
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "chdb-core==$CHDB_CORE_VERSION"
fi

echo "== modern ClickHouse: project SQL on chDB"
export COREPACK_INTEGRITY_KEYS=0
CHDB_PYTHON="$venv/bin/python" pnpm exec jest -c test/modern-clickhouse/jest.config.cjs "$@"
