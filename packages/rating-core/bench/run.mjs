// Benchmarks of the pure rating core (prints figures; not a test). Run after `tsc -b`:
//   node packages/rating-core/bench/run.mjs
// 1. rate(): decoded, normalised CDRs in (numbers already E.164), rated calls out, default tariff.
// 2. Loading a tariff with a synthetic 50,000-prefix international table (written under
//    .local/bench/tariff-50k/): read + compile time and memory, in a child process so that the figures
//    are the tariff's own.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { compileTariff, rate, TARIFF_FILES } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const tariffDir = join(here, '..', '..', '..', 'rate-tables', 'default');

const bigTariffDir = join(here, '..', '..', '..', '.local', 'bench', 'tariff-50k');

if (process.argv[2] === '--load-50k') {
  // Child: read the 50k-prefix tariff folder from disk and compile it, as `cdr rate` does at start-up.
  const baseRss = process.memoryUsage().rss;
  globalThis.gc?.();
  const before = process.memoryUsage();
  const started = performance.now();
  const sources = {};
  for (const file of TARIFF_FILES) sources[file] = readFileSync(join(bigTariffDir, file), 'utf8');
  const result = compileTariff(sources);
  const ms = performance.now() - started;
  if (result.kind !== 'compiled') throw new Error(JSON.stringify(result.errors.slice(0, 3)));
  for (const file of TARIFF_FILES) sources[file] = undefined;
  // Twice: on Node 24 one full collection sometimes leaves the CSV text counted (24-30 MB instead of 19).
  globalThis.gc?.();
  globalThis.gc?.();
  const after = process.memoryUsage();
  console.log(
    JSON.stringify({
      prefixes: result.tariff.stats().internationalPrefixes,
      loadAndCompileMs: Math.round(ms),
      retainedHeapMB: +(
        (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) /
        1048576
      ).toFixed(1),
      peakRssMB: +(process.resourceUsage().maxRSS / 1024).toFixed(1),
      peakRssAboveNodeStartMB: +((process.resourceUsage().maxRSS * 1024 - baseRss) / 1048576).toFixed(1),
    }),
  );
  process.exit(0);
}

/** Writes a copy of the default tariff whose international.csv has 50,000 distinct prefixes. */
function writeBigTariff() {
  mkdirSync(bigTariffDir, { recursive: true });
  for (const file of TARIFF_FILES)
    writeFileSync(join(bigTariffDir, file), readFileSync(join(tariffDir, file)));
  const rows = ['origin_country,prefix,rate_per_minute,description,effective_from'];
  let seed = 7;
  const next = () => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return (t ^ (t >>> 14)) >>> 0;
  };
  const seen = new Set();
  while (seen.size < 50_000) {
    const prefix = String(20 + (next() % 980)) + String(next() % 1_000_000).slice(0, 1 + (next() % 6));
    if (seen.has(prefix)) continue;
    seen.add(prefix);
    rows.push(
      `*,${prefix},0.${String(next() % 1_000_000).padStart(6, '0')},Destination ${seen.size},2024-01-01`,
    );
  }
  writeFileSync(join(bigTariffDir, 'international.csv'), rows.join('\n') + '\n');
}

const sources = {};
for (const file of TARIFF_FILES) sources[file] = readFileSync(join(tariffDir, file), 'utf8');
const compiled = compileTariff(sources);
if (compiled.kind !== 'compiled') throw new Error('default tariff invalid');
const tariff = compiled.tariff;

const account = (country, tollFree = []) => ({
  accountId: 'acct-' + country,
  country,
  billingStartDay: 20_000,
  includedMinutes: 1000,
  overageRate: '0.02',
  currency: 'USD',
  numbers: new Set(),
  tollFreeNumbers: new Set(tollFree),
});
const accounts = [account('US', ['+18885550100']), account('CA'), account('GB'), account('BR')];
const party = (e164, country, type) => ({ kind: 'e164', e164, country, type });
const destinations = [
  party('+12125550123', 'US', 'fixed_or_mobile'),
  party('+14165550123', 'CA', 'fixed_or_mobile'),
  party('+442079460958', 'GB', 'fixed'),
  party('+447400123456', 'GB', 'mobile'),
  party('+5511987654321', 'BR', 'mobile'),
  party('+551133334444', 'BR', 'fixed'),
  party('+4915112345678', 'DE', 'mobile'),
  party('+33612345678', 'FR', 'mobile'),
  party('+17875551234', 'PR', 'fixed_or_mobile'),
  party('+912212345678', 'IN', 'fixed'),
  party('+19005551234', 'US', 'premium'),
  party('+18885550100', 'US', 'toll_free'),
  { kind: 'extension', extension: '102' },
];
const source = party('+12125550100', 'US', 'fixed_or_mobile');
const N = 100_000;
const cdrs = [];
const base = Date.UTC(2026, 0, 1);
for (let i = 0; i < N; i++) {
  const destination = destinations[(i * 7) % destinations.length];
  const tollFree = destination.e164 === '+18885550100';
  const startMs = base + ((i * 7919) % (90 * 86400)) * 1000;
  const durationSec = (i * 37) % 900;
  cdrs.push({
    cdr: {
      cdrId: 'c' + i,
      accountId: 'a',
      direction: tollFree ? 'inbound' : i % 3 === 0 ? undefined : 'outbound',
      source,
      destination,
      startMs,
      endMs: startMs + durationSec * 1000,
      durationSec,
      disposition: i % 10 === 0 ? 'no_answer' : 'answered',
    },
    account: tollFree ? accounts[0] : accounts[i % accounts.length],
  });
}

function pass() {
  let check = 0;
  for (let i = 0; i < N; i++) {
    const item = cdrs[i];
    const result = rate(item.cdr, item.account, tariff);
    if (result.kind === 'rated') check += result.call.billable_seconds;
  }
  return check;
}
for (let i = 0; i < 5; i++) pass(); // warm up
const runs = [];
for (let r = 0; r < 5; r++) {
  const started = performance.now();
  for (let i = 0; i < 10; i++) pass();
  runs.push((10 * N) / ((performance.now() - started) / 1000));
}
runs.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    benchmark: 'rating-core rate()',
    cdrs: 10 * N,
    medianPerSecond: Math.round(runs[2]),
    bestPerSecond: Math.round(runs[4]),
    nsPerCdr: Math.round(1e9 / runs[2]),
    node: process.version,
  }),
);
writeBigTariff();
const load = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--load-50k'], {
  encoding: 'utf8',
});
console.log(JSON.stringify({ benchmark: 'compileTariff 50k international prefixes', ...JSON.parse(load) }));
