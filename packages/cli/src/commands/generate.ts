/**
 * `cdr generate`: writes realistic sample data — an accounts file and a CDR file — for demos, tests and
 * benchmarks. Deterministic for a given seed, so a run can be reproduced exactly.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { normaliseNumber } from '@cdrate/numbering';
import type { PartyNumber } from '@cdrate/rating-core';
import { EXIT_OK, UsageError, type Command } from '../command.js';
import { defineCommand, positiveIntegerOption, usageErrors } from './shared.js';

const HELP = `cdr generate — write realistic sample accounts and CDRs (deterministic per seed)

Usage:
  cdr generate --out-dir <dir> [--count <n>] [--accounts <n>] [--bad-rate <r>]
               [--duplicate-rate <r>] [--start <YYYY-MM-DD>] [--days <n>] [--seed <n>]

Writes <dir>/accounts.jsonl and <dir>/cdrs.jsonl (the input formats of \`cdr rate\`, \`cdr accounts load\`
and \`cdr publish\`).

Options:
  --out-dir <dir>         Where to write the two files (created if missing).
  --count <n>             CDRs to write (default 10000).
  --accounts <n>          Accounts to write (default 2000; US 55 %, CA 10 %, GB 15 %, BR 20 %).
  --bad-rate <r>          Share of CDRs that are deliberately bad, 0..1 (default 0): malformed JSON,
                          missing fields, end before start, negative duration, unreadable number,
                          unknown account — each must be rejected with its code.
  --duplicate-rate <r>    Share of lines that repeat the previous good CDR byte for byte, as switches
                          resend (default 0).
  --start <YYYY-MM-DD>    First day of calls, UTC (default 2026-01-01).
  --days <n>              Days the calls spread over (default 90).
  --seed <n>              Seed of the random generator (default 1).

Data shape: 8 % internal (extension to extension), 10 % inbound (half of them to a toll-free number where
the account has one), 82 % outbound: 68 % to the account's own country, 2 % to premium-rate numbers of
it (+1 900, +44 909, +55 900), 10 % to US/CA/GB/BR, 20 % to other countries; destinations drawn with a skew from a pool of 30,000 numbers, dialled as +E.164, bare digits,
national format or with an international prefix (011, 00, Brazilian 0021); 12 % unanswered; talk time
exponential with a 3-minute mean; times with offsets Z, -05:00, -03:00, +00:00, +01:00.
`;

interface GenerateOptions {
  readonly outDir: string;
  readonly count: number;
  readonly accounts: number;
  readonly badRate: number;
  readonly duplicateRate: number;
  readonly startMs: number;
  readonly days: number;
  readonly seed: number;
}

/** Mulberry32: a small, fast, seedable PRNG (not for anything but sample data). */
function createRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// E.164 templates per destination bucket (x = random digit); each generated number is kept only when the
// normaliser reads it as a valid number of the expected country.
const TEMPLATES = {
  US: [
    '1212xxxxxxx',
    '1310xxxxxxx',
    '1415xxxxxxx',
    '1646xxxxxxx',
    '1312xxxxxxx',
    '1617xxxxxxx',
    '1713xxxxxxx',
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
  // Premium-rate numbers (rated as domestic_metered by the default tariff's premium.csv).
  P_NANP: ['1900xxxxxxx'],
  P_GB: ['44909xxxxxxx'],
  P_BR: ['55900xxxxxxx'],
} as const;
type Bucket = keyof typeof TEMPLATES;
type E164Party = Extract<PartyNumber, { kind: 'e164' }>;
const HOME_COUNTRIES = ['US', 'CA', 'GB', 'BR'] as const;
type HomeCountry = (typeof HOME_COUNTRIES)[number];
const PREMIUM_OF: Readonly<Record<HomeCountry, Bucket>> = {
  US: 'P_NANP',
  CA: 'P_NANP',
  GB: 'P_GB',
  BR: 'P_BR',
};
const OFFSETS = ['Z', 'Z', 'Z', 'Z', '-05:00', '-03:00', '+00:00', '+01:00'] as const;

interface SampleAccount {
  readonly account_id: string;
  readonly country: HomeCountry;
  readonly billing_start_date: string;
  readonly included_minutes: number;
  readonly overage_rate: string;
  readonly toll_free_numbers: readonly string[];
  readonly numbers: readonly string[];
  readonly currency: string;
}

class SampleData {
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = createRandom(seed);
  }

  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.random() * list.length)] as T;
  }

  chance(probability: number): boolean {
    return this.random() < probability;
  }

  uniform(): number {
    return this.random();
  }

  /** Mostly the first entries: popularity of destinations is skewed. */
  skewed<T>(list: readonly T[]): T {
    return list[Math.floor(list.length * Math.pow(this.random(), 2.5))] as T;
  }

  number(bucket: Bucket): E164Party {
    const expected = bucket === 'INTL' || bucket.startsWith('P_') ? undefined : bucket;
    for (;;) {
      const e164 =
        '+' + this.pick(TEMPLATES[bucket]).replace(/x/g, () => String(Math.floor(this.random() * 10)));
      const party = normaliseNumber(e164, 'US');
      if (
        party.kind === 'e164' &&
        party.type !== 'unknown' &&
        (expected === undefined || party.country === expected)
      ) {
        return party;
      }
    }
  }

  /** How a user of an account in `country` might dial `party`. */
  dialled(party: E164Party, country: HomeCountry): string {
    const e = party.e164;
    const r = this.random();
    if (r < 0.45) return e;
    if (r < 0.55) return e.slice(1);
    const nanp = country === 'US' || country === 'CA';
    const domestic = party.country === country || (country === 'US' && party.country === 'PR');
    if (domestic) {
      if (nanp) return r < 0.8 ? `(${e.slice(2, 5)}) ${e.slice(5, 8)}-${e.slice(8)}` : e.slice(2);
      if (country === 'GB') return '0' + e.slice(3);
      return `(${e.slice(3, 5)}) ${e.slice(5, -4)}-${e.slice(-4)}`;
    }
    if (nanp) {
      return party.country === 'US' || party.country === 'CA' || party.country === 'PR'
        ? '1' + e.slice(2)
        : '011' + e.slice(1);
    }
    if (country === 'GB') return '00' + e.slice(1);
    return '0021' + e.slice(1);
  }
}

function isoWithOffset(ms: number, offset: (typeof OFFSETS)[number]): string {
  if (offset === 'Z') return new Date(ms).toISOString().slice(0, 19) + 'Z';
  const sign = offset.startsWith('-') ? -1 : 1;
  const shift = sign * (Number(offset.slice(1, 3)) * 60 + Number(offset.slice(4, 6))) * 60_000;
  return new Date(ms + shift).toISOString().slice(0, 19) + offset;
}

/** One deliberately bad CDR line; each kind must end as a reject with the named code. */
function badLine(data: SampleData, good: Record<string, unknown>): string {
  const id = String(good['cdr_id']);
  switch (Math.floor(data.uniform() * 6)) {
    case 0:
      return `{"cdr_id":"${id}","account_id":` + '"truncated'; // MALFORMED_RECORD
    case 1: {
      const withoutDestination = { ...good };
      delete withoutDestination['destination'];
      return JSON.stringify(withoutDestination); // MISSING_FIELD
    }
    case 2:
      return JSON.stringify({ ...good, end_time: '2020-01-01T00:00:00Z' }); // END_BEFORE_START
    case 3:
      return JSON.stringify({ ...good, duration_sec: -5 }); // NEGATIVE_DURATION
    case 4:
      return JSON.stringify({ ...good, destination: 'not-a-number!', direction: 'outbound' }); // BAD_NUMBER
    default:
      return JSON.stringify({ ...good, account_id: 'acct-unknown' }); // UNKNOWN_ACCOUNT
  }
}

/** Writes the two files; resolves to their paths. */
export async function generateSampleData(
  options: GenerateOptions,
): Promise<{ accountsFile: string; cdrsFile: string }> {
  const data = new SampleData(options.seed);
  await mkdir(options.outDir, { recursive: true });

  const accounts: SampleAccount[] = [];
  for (let i = 0; i < options.accounts; i += 1) {
    const r = data.uniform();
    const country: HomeCountry = r < 0.55 ? 'US' : r < 0.65 ? 'CA' : r < 0.8 ? 'GB' : 'BR';
    const numbers: string[] = [];
    const n = 1 + Math.floor(data.uniform() * 3);
    for (let k = 0; k < n; k += 1) numbers.push(data.number(country).e164);
    const tollFree =
      (country === 'US' || country === 'CA') && i % 4 === 0 ? ['+1888' + String(2_000_000 + i)] : [];
    accounts.push({
      account_id: `acct-${String(i).padStart(5, '0')}`,
      country,
      billing_start_date: data.chance(0.05) ? formatDay(options.startMs + 14 * 86_400_000) : '2025-06-01',
      included_minutes: 1000,
      overage_rate: '0.02',
      toll_free_numbers: tollFree,
      numbers,
      currency: { US: 'USD', CA: 'CAD', GB: 'GBP', BR: 'BRL' }[country],
    });
  }
  const accountsFile = join(options.outDir, 'accounts.jsonl');
  const accountsOut = createWriteStream(accountsFile);
  accountsOut.end(accounts.map((a) => JSON.stringify(a)).join('\n') + '\n');
  await once(accountsOut, 'finish');

  const pool: Record<Bucket, E164Party[]> = {
    US: [],
    CA: [],
    PR: [],
    GB: [],
    BR: [],
    INTL: [],
    P_NANP: [],
    P_GB: [],
    P_BR: [],
  };
  const sizes: Partial<Record<Bucket, number>> = {
    US: 9000,
    CA: 3000,
    GB: 4500,
    BR: 6000,
    INTL: 7500,
    P_NANP: 50,
    P_GB: 50,
    P_BR: 50,
  };
  for (const [bucket, size] of Object.entries(sizes) as Array<[Bucket, number]>) {
    for (let i = 0; i < size; i += 1)
      pool[bucket].push(data.number(bucket === 'US' && i % 20 === 0 ? 'PR' : bucket));
  }

  const cdrsFile = join(options.outDir, 'cdrs.jsonl');
  const out = createWriteStream(cdrsFile);
  let buffer = '';
  let previousGoodLine = '';
  for (let i = 1; i <= options.count; i += 1) {
    if (previousGoodLine !== '' && data.chance(options.duplicateRate)) {
      // A switch resend: the same record again, byte for byte.
      buffer += previousGoodLine;
    } else {
      const record = sampleRecord(data, options, accounts, pool, `cdr-${options.seed}-${i}`);
      if (data.chance(options.badRate)) {
        buffer += badLine(data, record) + '\n';
      } else {
        previousGoodLine = JSON.stringify(record) + '\n';
        buffer += previousGoodLine;
      }
    }
    if (buffer.length > 1 << 20) {
      if (!out.write(buffer)) await once(out, 'drain');
      buffer = '';
    }
  }
  out.end(buffer);
  await once(out, 'finish');
  return { accountsFile, cdrsFile };
}

/** One good CDR of a random account. */
function sampleRecord(
  data: SampleData,
  options: GenerateOptions,
  accounts: readonly SampleAccount[],
  pool: Readonly<Record<Bucket, readonly E164Party[]>>,
  id: string,
): Record<string, unknown> {
  const account = data.pick(accounts);
  const r = data.uniform();
  let direction: 'internal' | 'inbound' | 'outbound';
  let source: string;
  let destination: string;
  if (r < 0.08) {
    direction = 'internal';
    source = String(100 + Math.floor(data.uniform() * 400));
    destination = String(100 + Math.floor(data.uniform() * 400));
  } else if (r < 0.18) {
    direction = 'inbound';
    source = data.skewed(pool[data.pick(HOME_COUNTRIES)]).e164;
    const tollFree = account.toll_free_numbers[0];
    destination = tollFree !== undefined && data.chance(0.5) ? tollFree : data.pick(account.numbers);
  } else {
    direction = 'outbound';
    source = data.pick(account.numbers);
    const d = data.uniform();
    const bucket: Bucket =
      d < 0.02
        ? PREMIUM_OF[account.country]
        : d < 0.7
          ? account.country
          : d < 0.8
            ? data.pick(HOME_COUNTRIES)
            : 'INTL';
    destination = data.dialled(data.skewed(pool[bucket]), account.country);
  }
  const startMs = options.startMs + Math.floor(data.uniform() * options.days * 86_400_000);
  const talk = data.chance(0.12) ? 0 : Math.floor(-Math.log(1 - data.uniform()) * 180);
  const disposition = talk === 0 ? data.pick(['no_answer', 'busy', 'answered'] as const) : 'answered';
  const offset = data.pick(OFFSETS);
  const record: Record<string, unknown> = { cdr_id: id, account_id: account.account_id };
  if (data.chance(0.7)) record['direction'] = direction;
  record['source'] = source;
  record['destination'] = destination;
  record['start_time'] = isoWithOffset(startMs, offset);
  record['end_time'] = isoWithOffset(startMs + (talk + 5) * 1000, offset);
  record['duration_sec'] = talk;
  record['disposition'] = disposition;
  return record;
}

function formatDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function rate(value: string | undefined, name: string): number {
  if (value === undefined) return 0;
  const parsed = Number(value);
  if (!/^(0|1|0?\.\d+)$/.test(value) || parsed < 0 || parsed > 1) {
    throw new UsageError(`--${name} must be a number from 0 to 1, got "${value}"`);
  }
  return parsed;
}

function parseOptions(args: readonly string[]): GenerateOptions | 'help' {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        'out-dir': { type: 'string' },
        count: { type: 'string' },
        accounts: { type: 'string' },
        'bad-rate': { type: 'string' },
        'duplicate-rate': { type: 'string' },
        start: { type: 'string' },
        days: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }),
  );
  if (values.help === true) return 'help';
  if (values['out-dir'] === undefined) throw new UsageError('missing --out-dir');
  const start = values.start ?? '2026-01-01';
  const startMs = /^\d{4}-\d{2}-\d{2}$/.test(start) ? Date.parse(`${start}T00:00:00Z`) : Number.NaN;
  if (!Number.isFinite(startMs)) throw new UsageError(`--start must be a date YYYY-MM-DD, got "${start}"`);
  return {
    outDir: values['out-dir'],
    count: positiveIntegerOption(values.count, 'count', 10_000),
    accounts: positiveIntegerOption(values.accounts, 'accounts', 2000),
    badRate: rate(values['bad-rate'], 'bad-rate'),
    duplicateRate: rate(values['duplicate-rate'], 'duplicate-rate'),
    startMs,
    days: positiveIntegerOption(values.days, 'days', 90),
    seed: positiveIntegerOption(values.seed, 'seed', 1),
  };
}

export const generateCommand: Command = defineCommand({
  name: ['generate'],
  summary: 'write realistic sample accounts and CDRs for demos, tests and benchmarks',
  help: HELP,
  parse: parseOptions,
  async execute(options, io) {
    const started = performance.now();
    const files = await generateSampleData(options);
    const seconds = (performance.now() - started) / 1000;
    io.stderr.write(
      `cdr generate: wrote ${options.accounts} accounts to ${files.accountsFile} and ${options.count} CDRs to ` +
        `${files.cdrsFile} in ${seconds.toFixed(1)} s\n`,
    );
    return EXIT_OK;
  },
});
