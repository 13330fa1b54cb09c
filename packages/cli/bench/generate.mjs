// Generates the `cdr rate` benchmark data under .local/bench/ (git-ignored):
//   accounts.jsonl  2,000 accounts (US 55 %, CA 10 %, GB 15 %, BR 20 %), 1–3 numbers each, a toll-free
//                   number on every 4th US/CA account
//   cdrs-1m.jsonl   1,000,000 CDRs (count = first argument), shape documented in docs/performance.md
// Deterministic (seeded PRNG). Usage: node packages/cli/bench/generate.mjs [count]
import { mkdirSync, createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normaliseNumber } from '../../numbering/dist/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const outDir = join(root, '.local', 'bench');
const count = Number(process.argv[2] ?? 1_000_000);

let seed = 0x9e3779b9;
function random() {
  seed |= 0;
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const pick = (list) => list[Math.floor(random() * list.length)];
const digits = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += String(Math.floor(random() * 10));
  return s;
};

// Templates of E.164 numbers per destination (x = random digit). Each generated number is checked with
// the normaliser and kept only when it is a valid number of the expected country.
const TEMPLATES = {
  US: [
    '1212xxxxxxx',
    '1310xxxxxxx',
    '1415xxxxxxx',
    '1646xxxxxxx',
    '1312xxxxxxx',
    '1617xxxxxxx',
    '1713xxxxxxx',
    '1305xxxxxxx',
  ],
  CA: ['1416xxxxxxx', '1604xxxxxxx', '1514xxxxxxx', '1613xxxxxxx'],
  PR: ['1787xxxxxxx'],
  GB: ['4420xxxxxxxx', '44161xxxxxxx', '447xxxxxxxxx'],
  BR: ['5511xxxxxxxx', '55119xxxxxxxx', '55219xxxxxxxx', '5521xxxxxxxx', '55319xxxxxxxx'],
  INTL: [
    '4930xxxxxxxx',
    '49151xxxxxxxx',
    '331xxxxxxxx',
    '336xxxxxxxx',
    '3491xxxxxxx',
    '390xxxxxxxxx',
    '5255xxxxxxxx',
    '9122xxxxxxxx',
    '8610xxxxxxxx',
    '6128xxxxxxxx',
    '8190xxxxxxxx',
    '27xxxxxxxxx',
    '3531xxxxxxx',
    '5411xxxxxxxx',
  ],
};
const COUNTRY_OF = { US: 'US', CA: 'CA', PR: 'PR', GB: 'GB', BR: 'BR' };

function makeNumber(bucket) {
  for (;;) {
    const e164 = '+' + pick(TEMPLATES[bucket]).replace(/x/g, () => digits(1));
    const party = normaliseNumber(e164, 'US');
    if (
      party.kind === 'e164' &&
      party.type !== 'unknown' &&
      (COUNTRY_OF[bucket] === undefined || party.country === COUNTRY_OF[bucket])
    ) {
      return party;
    }
  }
}

/** Dialled forms of `party` for an account of `country`. */
function dialled(party, country) {
  const e = party.e164;
  const r = random();
  if (r < 0.45) return e; // +E.164
  if (r < 0.55) return e.slice(1); // bare E.164 digits
  const nanp = country === 'US' || country === 'CA';
  const domestic = party.country === country || (country === 'US' && party.country === 'PR');
  if (domestic) {
    if (nanp) return r < 0.8 ? `(${e.slice(2, 5)}) ${e.slice(5, 8)}-${e.slice(8)}` : e.slice(2);
    if (country === 'GB') return '0' + e.slice(3);
    if (country === 'BR') return `(${e.slice(3, 5)}) ${e.slice(5, -4)}-${e.slice(-4)}`;
  }
  if (nanp)
    return party.country === 'US' || party.country === 'CA' || party.country === 'PR'
      ? '1' + e.slice(2)
      : '011' + e.slice(1);
  if (country === 'GB') return '00' + e.slice(1);
  if (country === 'BR') return '0021' + e.slice(1);
  return e;
}

mkdirSync(outDir, { recursive: true });

// Accounts.
const accounts = [];
for (let i = 0; i < 2000; i++) {
  const r = random();
  const country = r < 0.55 ? 'US' : r < 0.65 ? 'CA' : r < 0.8 ? 'GB' : 'BR';
  const numbers = [];
  const n = 1 + Math.floor(random() * 3);
  for (let k = 0; k < n; k++) numbers.push(makeNumber(country).e164);
  const tollFree =
    (country === 'US' || country === 'CA') && i % 4 === 0 ? ['+1888' + String(2000000 + i)] : [];
  accounts.push({
    account_id: `acct-${String(i).padStart(5, '0')}`,
    country,
    billing_start_date: random() < 0.05 ? '2026-02-15' : '2025-06-01',
    included_minutes: 1000,
    overage_rate: '0.02',
    toll_free_numbers: tollFree,
    numbers,
    currency: country === 'BR' ? 'BRL' : country === 'GB' ? 'GBP' : country === 'CA' ? 'CAD' : 'USD',
  });
}
const accountsOut = createWriteStream(join(outDir, 'accounts.jsonl'));
accountsOut.end(accounts.map((a) => JSON.stringify(a)).join('\n') + '\n');
await once(accountsOut, 'finish');

// Destination pool: 30,000 distinct numbers, domestic-heavy per country, skewed popularity.
const pool = { US: [], CA: [], GB: [], BR: [], INTL: [] };
const sizes = { US: 9000, CA: 3000, GB: 4500, BR: 6000, INTL: 7500 };
for (const [bucket, size] of Object.entries(sizes)) {
  for (let i = 0; i < size; i++)
    pool[bucket].push(makeNumber(bucket === 'US' && i % 20 === 0 ? 'PR' : bucket));
}
const skewed = (list) => list[Math.floor(list.length * Math.pow(random(), 2.5))];

const out = createWriteStream(join(outDir, `cdrs-${count >= 1e6 ? count / 1e6 + 'm' : count}.jsonl`));
const start = Date.parse('2026-01-01T00:00:00Z');
const span = 90 * 86_400_000;
const OFFSETS = ['Z', 'Z', 'Z', 'Z', '-05:00', '-03:00', '+00:00', '+01:00'];
function iso(ms, offset) {
  if (offset === 'Z') return new Date(ms).toISOString().slice(0, 19) + 'Z';
  const sign = offset[0] === '-' ? -1 : 1;
  const shift = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  return new Date(ms + shift).toISOString().slice(0, 19) + offset;
}
let buffer = '';
let previousId = 'bench-0';
for (let i = 1; i <= count; i++) {
  const account = pick(accounts);
  const country = account.country;
  const r = random();
  let direction;
  let source;
  let destination;
  if (r < 0.08) {
    direction = 'internal';
    source = String(100 + Math.floor(random() * 400));
    destination = String(100 + Math.floor(random() * 400));
  } else if (r < 0.18) {
    direction = 'inbound';
    source = skewed(pool[pick(['US', 'CA', 'GB', 'BR'])]).e164;
    destination =
      account.toll_free_numbers.length > 0 && random() < 0.5
        ? account.toll_free_numbers[0]
        : pick(account.numbers);
  } else {
    direction = 'outbound';
    source = pick(account.numbers);
    const d = random();
    const bucket = d < 0.7 ? country : d < 0.8 ? pick(['US', 'CA', 'GB', 'BR']) : 'INTL';
    destination = dialled(skewed(pool[bucket]), country);
  }
  const startMs = start + Math.floor(random() * span);
  const talk = random() < 0.12 ? 0 : Math.floor(-Math.log(1 - random()) * 180);
  const disposition = talk === 0 ? pick(['no_answer', 'busy', 'answered']) : 'answered';
  const offset = pick(OFFSETS);
  let id = `bench-${i}`;
  if (random() < 0.01) id = previousId; // switch resend
  previousId = id;
  const record = { cdr_id: id, account_id: account.account_id };
  if (random() < 0.7) record.direction = direction;
  record.source = source;
  record.destination = destination;
  record.start_time = iso(startMs, offset);
  record.end_time = iso(startMs + (talk + 5) * 1000, offset);
  record.duration_sec = talk;
  record.disposition = disposition;
  buffer += JSON.stringify(record) + '\n';
  if (buffer.length > 1 << 20) {
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  }
}
out.end(buffer);
await once(out, 'finish');
console.log(`wrote ${count} CDRs and ${accounts.length} accounts to ${outDir}`);
