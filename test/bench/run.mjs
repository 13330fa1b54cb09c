// `pnpm bench`: the benchmarks (prints figures; not tests).
//
//   node test/bench/run.mjs [all|rating|pipeline] [--node host|lts|<path to node>] [bench options…]
//
// all (default): the rating core (packages/rating-core/bench/run.mjs), `cdr rate` (packages/cli/bench/
// run.mjs), then the pipeline (test/bench/pipeline.mjs) twice: paced at 50,000 CDRs/s after a warm-up, then
// unpaced and cold (see `suites`). rating: the first two. pipeline: the last.
// --node lts (default): the pinned Node.js LTS release, fetched once by deploy/local/node-lts.mjs — the
// runtime to deploy on, so the one the figures in docs/performance.md are measured on (Node 20, which this
// machine has, reached end of life on 2026-04-30; docs/performance.md compares the two). --node host: the
// Node that runs this script. Every process a benchmark starts (`cdr rate`, the three services, the
// publisher) runs on the same runtime. Any other options go to each benchmark instead
// of its own (e.g. `--count 200000`; `pipeline --rate 60000` runs the pipeline once, paced at 60,000/s).
// Expects built packages (`pnpm bench` builds first).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFor } from '../../deploy/local/node-lts.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * Runs of a suite: a script and its arguments. The pipeline runs twice: a switch sending a steady
 * 50,000 CDRs/s to a running (warm) pipeline — the issue's "sustained" goal, see docs/performance.md — and
 * a million CDRs sent at once to services just started, which measures how fast a backlog drains.
 */
const suites = {
  rating: [['packages/rating-core/bench/run.mjs'], ['packages/cli/bench/run.mjs']],
  pipeline: [
    ['test/bench/pipeline.mjs', '--rate', '50000', '--warmup', '100000'],
    ['test/bench/pipeline.mjs'],
  ],
};
suites.all = [...suites.rating, ...suites.pipeline];

const args = process.argv.slice(2);
let selection = 'all';
if (args[0] !== undefined && args[0] in suites) selection = args.shift();
let runtime = 'lts';
const nodeAt = args.indexOf('--node');
if (nodeAt >= 0) {
  runtime = args[nodeAt + 1];
  if (runtime === undefined || runtime.startsWith('--')) {
    process.stderr.write('bench: --node needs a value: lts, host or the path of a node binary\n');
    process.exit(2);
  }
  args.splice(nodeAt, 2);
}

let node;
try {
  node = nodeFor(runtime);
} catch (error) {
  process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
const version = spawnSync(node, ['--version'], { encoding: 'utf8' });
if (version.status !== 0) {
  process.stderr.write(
    `bench: ${node} does not run (${version.error?.message ?? `exit ${version.status}`})\n`,
  );
  process.exit(1);
}
process.stderr.write(`bench: ${selection} on Node.js ${version.stdout.trim()} (${node})\n`);

for (const [script, ...defaults] of suites[selection]) {
  // Options given on the command line replace a run's own (and make the pipeline run once, as told).
  if (args.length > 0 && script === 'test/bench/pipeline.mjs' && defaults.length === 0) continue;
  const child = spawnSync(node, [join(root, script), ...(args.length > 0 ? args : defaults)], {
    stdio: 'inherit',
  });
  if (child.status !== 0) {
    process.stderr.write(`bench: ${script} failed (${child.error?.message ?? `exit ${child.status}`})\n`);
    process.exit(child.status || 1);
  }
}
