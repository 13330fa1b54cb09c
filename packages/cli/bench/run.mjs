// `cdr rate` benchmark (prints figures; not a test). Generates .local/bench/ data on first use.
//   node packages/cli/bench/run.mjs [--count N]
// Figures: line reader vs node:readline; bare JSONL parse+stringify pass; `cdr rate` end to end (same
// file, own process each); the ratio of the two.
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readLines } from '../dist/index.js';
import { benchData, rateArgs, rateSummary } from './data.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const countArg = process.argv.indexOf('--count');
const count = countArg > 0 ? Number(process.argv[countArg + 1]) : 1_000_000;
const data = benchData(root, count);
const bench = data.dir;
const input = data.cdrs;

async function time(label, f) {
  const started = performance.now();
  const n = await f();
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      benchmark: label,
      lines: n,
      seconds: +seconds.toFixed(2),
      perSecond: Math.round(n / seconds),
    }),
  );
  return seconds;
}

await time('line reader (readLines)', async () => {
  let n = 0;
  await readLines(createReadStream(input, { highWaterMark: 1 << 20 }), (lines) => void (n += lines.length));
  return n;
});
await time('node:readline', async () => {
  let n = 0;
  for await (const _ of createInterface({
    input: createReadStream(input, { highWaterMark: 1 << 20 }),
    crlfDelay: Infinity,
  }))
    n++;
  return n;
});

const baseline = JSON.parse(
  execFileSync(
    process.execPath,
    [join(root, 'packages', 'cli', 'bench', 'baseline.mjs'), input, join(bench, 'baseline-out.jsonl')],
    {
      encoding: 'utf8',
    },
  ),
);
console.log(JSON.stringify({ benchmark: 'baseline: JSONL parse + stringify', ...baseline }));

function cdrRate(jobs) {
  const started = performance.now();
  const child = spawnSync(
    process.execPath,
    [
      ...(process.env.CDR_NODE_FLAGS ?? '').split(' ').filter(Boolean),
      join(root, 'packages', 'cli', 'dist', 'main.js'),
      ...rateArgs(root, data, {
        out: join(bench, 'rated.jsonl'),
        rejects: join(bench, 'rejects.jsonl'),
        jobs,
      }),
    ],
    { encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const wall = (performance.now() - started) / 1000;
  if (child.status !== 0 && child.status !== 3)
    throw new Error(`cdr rate failed (${child.status}): ${child.stderr}`);
  const rated = rateSummary(child.stderr) ?? {};
  console.log(
    JSON.stringify({
      benchmark: `cdr rate end to end, --jobs ${jobs}`,
      ...rated,
      wallSecondsIncludingStartup: +wall.toFixed(2),
      ratioToBaseline: rated.perSecond ? +(rated.perSecond / baseline.perSecond).toFixed(2) : null,
    }),
  );
}

cdrRate(1);
cdrRate(2);
console.log(
  JSON.stringify({
    machine: {
      cpus: availableParallelism(),
      model: cpus()[0]?.model,
      node: process.version,
      loadAverage: loadavg(),
    },
  }),
);
