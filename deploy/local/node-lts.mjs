#!/usr/bin/env node
// A pinned Node.js LTS release, for the tests and benchmarks to run on a maintained runtime. Node 20, the
// oldest release this project supports (and the one this machine has), reached end of life on 2026-04-30;
// a billing team deploying today runs a newer LTS line. `bash test/run.sh` runs the tests on it too,
// and `pnpm bench` measures on it (docs/performance.md compares the two).
//
//   node deploy/local/node-lts.mjs path                   print the runtime's `node` (fetching it once)
//   node deploy/local/node-lts.mjs run <script> [args…]   run a script under it (exit code passed through)
//
// Contract:
// - The release is pinned (NODE_LTS_VERSION, default below) and fetched once from the npm registry, where
//   the Node.js project's binaries are published as `node-<platform>-<arch>` packages; `npm pack` checks
//   the download against the registry's integrity hash. It is unpacked under CDRATE_CACHE_DIR (default
//   ~/.cache/cdrate), next to the Kafka jars, never into the repository.
// - A half-finished fetch is never used: the folder counts only once its marker file is written.
// Uses only Node's standard library (and the npm that ships with Node), so it runs before `pnpm install`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { cacheDir } from './cache-dir.mjs';

/** Node 24 "Krypton": the newest LTS release line on the npm registry here (Node 26 is not LTS yet). */
export const DEFAULT_NODE_LTS_VERSION = '24.21.0';

/**
 * The `node` binary of the pinned LTS release, fetched and unpacked first when it is not there yet.
 * Throws with a message saying what failed and what to do instead.
 */
export function ensureNodeLts({ log = (message) => process.stderr.write(`node-lts: ${message}\n`) } = {}) {
  const version = process.env.NODE_LTS_VERSION || DEFAULT_NODE_LTS_VERSION;
  if (!/^\d+\.\d+\.\d+$/.test(version))
    throw new Error(`NODE_LTS_VERSION=${version} is not a version like 24.21.0`);
  // Linux and macOS builds keep `bin/node` in the package (the project's scripts are bash: no Windows).
  const pkg = `node-${process.platform}-${process.arch}`;
  const home = path.join(cacheDir(), `node-v${version}-${process.platform}-${process.arch}`);
  const binary = path.join(home, 'bin', 'node');
  const marker = path.join(home, '.complete');
  if (fs.existsSync(marker) && fs.existsSync(binary)) return binary;

  log(`fetching Node.js ${version} (${pkg} from the npm registry) into ${home} (once, ~30 MB)`);
  fs.rmSync(home, { recursive: true, force: true });
  fs.mkdirSync(cacheDir(), { recursive: true });
  const staging = fs.mkdtempSync(path.join(cacheDir(), '.node-fetch-'));
  try {
    const packed = spawnSync(
      'npm',
      ['pack', `${pkg}@${version}`, '--loglevel=error', '--pack-destination', staging],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (packed.status !== 0)
      throw new Error(
        `npm pack ${pkg}@${version} failed (${packed.error?.message ?? `exit ${packed.status}`}): ` +
          `${(packed.stderr || '').trim()}\nCheck the npm registry is reachable, or run the benchmark on this ` +
          `machine's Node with --node host.`,
      );
    const tarball = path.join(staging, packed.stdout.trim().split('\n').pop());
    const unpacked = spawnSync('tar', ['-xzf', tarball, '-C', staging], { stdio: 'inherit' });
    if (unpacked.status !== 0) throw new Error(`could not unpack ${tarball} (tar exit ${unpacked.status})`);
    fs.renameSync(path.join(staging, 'package'), home);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
  const reported = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout?.trim();
  if (reported !== `v${version}`)
    throw new Error(`${binary} reports ${JSON.stringify(reported)}, expected v${version}`);
  fs.writeFileSync(marker, `${new Date().toISOString()}\n`);
  return binary;
}

/**
 * The `node` binary a `--node` option names: `lts` the pinned LTS release ({@link ensureNodeLts}), `host` the
 * one running this script, anything else a path taken as given. Throws as {@link ensureNodeLts} does.
 */
export function nodeFor(choice) {
  if (choice === 'lts') return ensureNodeLts();
  return choice === 'host' ? process.execPath : choice;
}

const usage = `usage: node deploy/local/node-lts.mjs path | run <script> [args…]

  path   print the pinned Node.js LTS runtime's node binary, fetching it from the npm registry once
  run    run a script with it (the exit code is the script's)

environment: NODE_LTS_VERSION (default ${DEFAULT_NODE_LTS_VERSION}) CDRATE_CACHE_DIR
`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const [command, ...rest] = process.argv.slice(2);
  try {
    if (command === 'path') {
      process.stdout.write(`${ensureNodeLts()}\n`);
    } else if (command === 'run' && rest.length > 0) {
      const child = spawnSync(ensureNodeLts(), rest, { stdio: 'inherit' });
      process.exitCode = child.status ?? 1;
    } else {
      process.stderr.write(usage);
      process.exitCode = 2;
    }
  } catch (error) {
    process.stderr.write(`node-lts: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
