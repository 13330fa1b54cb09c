// `pnpm bench:compare <rev>`: is this checkout's `cdr rate` faster or slower than revision <rev>'s?
//
//   node test/bench/compare.mjs <rev> [--runs N] [--node lts|host|<path to node>] [--count N] [--jobs N]
//
// Runs the two builds' `cdr rate` on the benchmark file and this checkout's default tariff (the same input for
// both) at the same time, N times (default 6), each pair started in the other order than the one before, and
// prints each pair's ratio (this checkout's CDR/s over <rev>'s) and their median. Both processes share the
// cores and meet the same machine: on this machine the speed of one build moves by ±15 % between runs minutes
// apart, while two identical builds run side by side gave pair ratios of 0.966–1.068 and medians of
// 0.989–1.025 (docs/performance.md, "Comparing two builds"): a change under ~3 % is not told from none. It
// also checks that both wrote the same rated calls (exit 1 when not). <rev> is checked out once, with its own
// dependencies and build, in .local/bench/compare/<commit> (a git worktree; `git worktree remove` it when
// done). Expects this checkout built (`pnpm bench:compare` builds first). --node as for `pnpm bench` (default:
// the LTS release).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeFor } from '../../deploy/local/node-lts.mjs';
import { benchData, rateArgs, rateSummary } from '../../packages/cli/bench/data.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const usage =
  'usage: node test/bench/compare.mjs <rev> [--runs N] [--node lts|host|<path>] [--count N] [--jobs N]';

function fail(message) {
  process.stderr.write(`bench:compare: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const options = { runs: 6, node: 'lts', count: 1_000_000, jobs: 2 };
let rev;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === '--help' || arg === '-h') {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  if (!arg.startsWith('--')) {
    if (rev !== undefined) fail(`one revision only (got ${rev} and ${arg})\n${usage}`);
    rev = arg;
    continue;
  }
  const name = arg.slice(2);
  const value = args[++i];
  if (!(name in options) || value === undefined) fail(`unknown option or missing value: ${arg}\n${usage}`);
  if (name === 'node') options.node = value;
  else if (!/^[1-9]\d*$/.test(value)) fail(`--${name} needs a positive whole number, got ${value}`);
  else options[name] = Number(value);
}
if (rev === undefined) fail(`which revision to compare with?\n${usage}`);

function git(...gitArgs) {
  const result = spawnSync('git', gitArgs, { cwd: root, encoding: 'utf8' });
  if (result.status !== 0) fail(`git ${gitArgs.join(' ')}: ${result.stderr.trim()}`);
  return result.stdout.trim();
}

function run(command, commandArgs, cwd) {
  process.stderr.write(`bench:compare: ${command} ${commandArgs.join(' ')} (in ${cwd})\n`);
  const result = spawnSync(command, commandArgs, { cwd, stdio: 'inherit' });
  if (result.status !== 0) fail(`${command} ${commandArgs.join(' ')} failed in ${cwd}`);
}

const commit = git('rev-parse', '--verify', `${rev}^{commit}`);
const base = join(root, '.local', 'bench', 'compare', commit);
if (!existsSync(base)) {
  mkdirSync(dirname(base), { recursive: true });
  git('worktree', 'prune'); // forgets a worktree whose folder was deleted by hand
  git('worktree', 'add', '--detach', base, commit);
}
if (!existsSync(join(base, 'packages', 'cli', 'dist', 'main.js'))) {
  run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], base);
  run('pnpm', ['run', 'build'], base);
}

let node;
try {
  node = nodeFor(options.node);
} catch (error) {
  fail(error instanceof Error ? error.message : String(error));
}
const data = benchData(root, options.count);
const outDir = join(root, '.local', 'bench', 'compare');
const builds = {
  base: { root: base, label: `${rev} (${commit.slice(0, 8)})` },
  head: { root, label: 'this checkout' },
};

function rateWith(name) {
  const build = builds[name];
  const out = join(outDir, `rated-${name}.jsonl`);
  const child = spawn(
    node,
    [
      join(build.root, 'packages', 'cli', 'dist', 'main.js'),
      ...rateArgs(root, data, { out, rejects: join(outDir, `rejects-${name}.jsonl`), jobs: options.jobs }),
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      const summary = rateSummary(stderr);
      if ((status !== 0 && status !== 3) || summary === undefined)
        reject(new Error(`${build.label}: cdr rate failed (exit ${status}): ${stderr}`));
      else resolve({ ...summary, out });
    });
  });
}

function sha1(path) {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha1');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolve(hash.digest('hex')));
  });
}

process.stderr.write(
  `bench:compare: ${builds.head.label} against ${builds.base.label}, ${options.runs} pairs run side by side, ` +
    `--jobs ${options.jobs}, ${options.count.toLocaleString('en-US')} CDRs, ${node}\n`,
);
const ratios = [];
let sameOutput = true;
for (let pair = 1; pair <= options.runs; pair++) {
  // Alternate which build starts first (a few milliseconds ahead).
  const order = pair % 2 === 1 ? ['base', 'head'] : ['head', 'base'];
  let first;
  let second;
  try {
    [first, second] = await Promise.all(order.map((name) => rateWith(name)));
  } catch (error) {
    process.stderr.write(`bench:compare: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
  const result = order[0] === 'base' ? { base: first, head: second } : { base: second, head: first };
  const same = (await sha1(result.base.out)) === (await sha1(result.head.out));
  sameOutput &&= same;
  const ratio = result.head.perSecond / result.base.perSecond;
  ratios.push(ratio);
  console.log(
    JSON.stringify({
      pair,
      startedFirst: order[0],
      basePerSecond: result.base.perSecond,
      headPerSecond: result.head.perSecond,
      ratio: +ratio.toFixed(3),
      sameOutput: same,
    }),
  );
}
const sorted = [...ratios].sort((a, b) => a - b);
const middle = sorted.length >> 1;
const median = sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
console.log(
  JSON.stringify({
    benchmark: `cdr rate --jobs ${options.jobs}: ${builds.head.label} / ${builds.base.label}, side by side`,
    pairs: ratios.length,
    ratioMedian: +median.toFixed(3),
    ratioMin: +sorted[0].toFixed(3),
    ratioMax: +sorted[sorted.length - 1].toFixed(3),
    sameOutput,
    node: spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim(),
  }),
);
if (!sameOutput) {
  process.stderr.write('bench:compare: the two builds wrote different rated calls\n');
  process.exit(1);
}
