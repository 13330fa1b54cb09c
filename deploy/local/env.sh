# Sourced by the project's entry scripts (test/run.sh, deploy/local/demo.sh, .ci/run).
# Makes the pinned pnpm (package.json "packageManager") available through corepack on a machine that has
# only Node 20, then installs the workspace's dependencies. Safe to source twice.
set -euo pipefail

CDRATE_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CDRATE_ROOT
export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
CDRATE_STATE_DIR="${CDRATE_STATE_DIR:-$CDRATE_ROOT/.local}"
export CDRATE_STATE_DIR

cdrate_need() {
  command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is required ($2)" >&2; exit 1; }
}
cdrate_need node "Node.js 20 or newer"
cdrate_need java "Java 17 runs the Kafka broker: apt-get install openjdk-17-jre-headless"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)' \
  || { echo "error: Node.js 20 or newer is required (found $(node --version))" >&2; exit 1; }

# pnpm through corepack, with shims in the state folder so nested `pnpm` calls in scripts resolve too.
if ! command -v pnpm >/dev/null 2>&1 || ! pnpm --version >/dev/null 2>&1; then
  mkdir -p "$CDRATE_STATE_DIR/bin"
  corepack enable --install-directory "$CDRATE_STATE_DIR/bin" pnpm
  export PATH="$CDRATE_STATE_DIR/bin:$PATH"
fi
if ! pnpm --version >/dev/null 2>&1; then
  # Some npm registry mirrors serve no package signatures, which corepack < 0.35 refuses. The download is
  # still checked against the registry's integrity hash.
  echo "note: corepack could not verify pnpm's registry signature; retrying with COREPACK_INTEGRITY_KEYS=0" >&2
  export COREPACK_INTEGRITY_KEYS=0
  pnpm --version >/dev/null
fi

cd "$CDRATE_ROOT"
if [ ! -f node_modules/.modules.yaml ] || [ pnpm-lock.yaml -nt node_modules/.modules.yaml ]; then
  pnpm install --frozen-lockfile --reporter=append-only
fi

# Installs Debian packages when a command is missing (as root, or with passwordless sudo).
cdrate_apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo -n"
  echo "installing Debian packages: $*" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}
