// `cdr rate` end to end, in-process: files in, rated calls, rejects, summary and exit code out.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli, type CliIo } from '@cdrate/cli';

const DEFAULT_RATES = join(__dirname, '..', '..', '..', 'rate-tables', 'default');

const ACCOUNTS = [
  {
    account_id: 'acme-us',
    country: 'US',
    billing_start_date: '2026-01-01',
    included_minutes: 1000,
    toll_free_numbers: ['+18005550199'],
    numbers: ['(212) 555-0100'],
  },
  {
    account_id: 'samba-br',
    country: 'BR',
    billing_start_date: '2026-01-01',
    included_minutes: 500,
    numbers: ['+551133334444'],
    currency: 'BRL',
  },
];

const cdr = (id: string, extra: Record<string, unknown>): Record<string, unknown> => ({
  cdr_id: id,
  account_id: 'acme-us',
  source: '+12125550100',
  start_time: '2026-03-01T10:00:00Z',
  end_time: '2026-03-01T10:01:02Z',
  ...extra,
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
  dir: string;
}

async function cdr_(args: readonly string[], stdin = ''): Promise<Run> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdin: Readable.from([stdin]), stdout, stderr };
  const code = await runCli(args, io);
  return { code, stdout: out, stderr: err, dir: '' };
}

function workspace(cdrs: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-rate-'));
  writeFileSync(join(dir, 'accounts.jsonl'), ACCOUNTS.map((a) => JSON.stringify(a)).join('\n') + '\n');
  writeFileSync(join(dir, 'in'), cdrs);
  return dir;
}

const jsonl = (records: readonly unknown[]): string =>
  records.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

async function rateIn(dir: string, extra: readonly string[] = []): Promise<Run> {
  const run = await cdr_([
    'rate',
    '--rates',
    DEFAULT_RATES,
    '--accounts',
    join(dir, 'accounts.jsonl'),
    '--in',
    join(dir, 'in'),
    '--out',
    join(dir, 'out'),
    '--rejects',
    join(dir, 'rejects.jsonl'),
    ...extra,
  ]);
  return { ...run, dir };
}

const lines = (path: string): unknown[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);

describe('cdr rate', () => {
  it('rates every record and exits 0', async () => {
    const dir = workspace(
      jsonl([
        // 62 s to London: 2 min × 0.012 = 0.024.
        cdr('c1', { direction: 'outbound', destination: '011 44 20 7946 0958' }),
        // BR → BR mobile, 7 s: 30 s minimum.
        cdr('c2', {
          account_id: 'samba-br',
          source: '+551133334444',
          destination: '(11) 98765-4321',
          start_time: '2026-03-01T07:00:00-03:00',
          end_time: '2026-03-01T07:00:07-03:00',
        }),
        // inbound to the toll-free number, direction inferred.
        cdr('c3', {
          source: '+442079460958',
          destination: '1 800 555 0199',
          end_time: '2026-03-01T10:02:01Z',
        }),
      ]),
    );
    const run = await rateIn(dir);
    expect(run.code).toBe(0);
    const out = lines(join(dir, 'out'));
    expect(out).toEqual([
      expect.objectContaining({
        cdr_id: 'c1',
        call_type: 'international',
        billable_seconds: 120,
        cost: '0.024',
        destination: '+442079460958',
      }),
      expect.objectContaining({
        cdr_id: 'c2',
        call_type: 'domestic',
        billable_seconds: 30,
        billable_minutes: '0.5',
        currency: 'BRL',
        start_time: '2026-03-01T10:00:00Z',
      }),
      expect.objectContaining({
        cdr_id: 'c3',
        call_type: 'inbound_toll_free',
        billable_seconds: 180,
        cost: '0.075',
      }),
    ]);
    // The hand-written JSON is the same as JSON.stringify of the record.
    const text = readFileSync(join(dir, 'out'), 'utf8').split('\n')[0]!;
    expect(JSON.stringify(JSON.parse(text))).toBe(text);
    expect(readFileSync(join(dir, 'rejects.jsonl'), 'utf8')).toBe('');
    expect(run.stderr).toMatch(/3 records in .* CDR\/s/);
    expect(run.stderr).toMatch(/rated\s+3/);
  });

  it('writes each reject with its code, message, line and record, and exits 3', async () => {
    const dir = workspace(
      jsonl([
        { cdr_id: 'm1', account_id: 'acme-us' },
        'this is not json',
        cdr('t1', { destination: '+442079460958', start_time: 'noon' }),
        cdr('e1', { destination: '+442079460958', end_time: '2026-03-01T09:00:00Z' }),
        cdr('n1', { destination: '+442079460958', duration_sec: -5 }),
        cdr('b1', { destination: 'call mom' }),
        cdr('f1', { destination: '+442079460958', disposition: 'hung_up' }),
        cdr('u1', { account_id: 'nobody', destination: '+442079460958' }),
        cdr('r1', { destination: '+6761234567' }),
        cdr('ok', { destination: '+442079460958' }),
      ]),
    );
    const run = await rateIn(dir);
    expect(run.code).toBe(3);
    const rejects = lines(join(dir, 'rejects.jsonl')) as {
      cdr_id?: string;
      error_code: string;
      line: number;
      record: unknown;
    }[];
    expect(rejects.map((r) => [r.cdr_id, r.error_code, r.line])).toEqual([
      ['m1', 'MISSING_FIELD', 1],
      [undefined, 'MALFORMED_RECORD', 2],
      ['t1', 'BAD_TIME', 3],
      ['e1', 'END_BEFORE_START', 4],
      ['n1', 'NEGATIVE_DURATION', 5],
      ['b1', 'BAD_NUMBER', 6],
      ['f1', 'BAD_FIELD', 7],
      ['u1', 'UNKNOWN_ACCOUNT', 8],
      ['r1', 'NO_RATE', 9],
    ]);
    expect(rejects[1]!.record).toBe('this is not json');
    expect(rejects[0]!.record).toEqual({ cdr_id: 'm1', account_id: 'acme-us' });
    expect(lines(join(dir, 'out'))).toHaveLength(1);
    expect(run.stderr).toMatch(/rejected\s+9/);
    expect(run.stderr).toMatch(/NO_RATE\s+1/);
  });

  it('bills a repeated cdr_id once and counts the repeat as a duplicate', async () => {
    const record = cdr('d1', { destination: '+442079460958' });
    const dir = workspace(jsonl([record, record, cdr('d2', { destination: '+442079460958' }), record]));
    const run = await rateIn(dir);
    expect(run.code).toBe(0);
    expect(lines(join(dir, 'out')).map((c) => (c as { cdr_id: string }).cdr_id)).toEqual(['d1', 'd2']);
    expect(run.stderr).toMatch(/duplicates\s+2/);
  });

  it('reads CSV with a header row and writes CSV', async () => {
    const csv = [
      'cdr_id,account_id,direction,source,destination,start_time,end_time,duration_sec,disposition',
      'k1,acme-us,outbound,+12125550100,"+44 20 7946 0958",2026-03-01T10:00:00Z,2026-03-01T10:01:02Z,62,answered',
      'k2,acme-us,,101,102,2026-03-01T10:00:00Z,2026-03-01T10:00:10Z,,',
    ].join('\r\n');
    const dir = workspace(csv + '\r\n');
    const run = await rateIn(dir, ['--format', 'csv']);
    expect(run.code).toBe(0);
    const [header, first, second] = readFileSync(join(dir, 'out'), 'utf8').trim().split('\n');
    expect(header).toBe(
      'cdr_id,account_id,call_type,billable,billable_seconds,billable_minutes,rate,cost,currency,source,destination,destination_country,matched_prefix,start_time,end_time,duration_sec,reason',
    );
    expect(first).toBe(
      'k1,acme-us,international,true,120,2,0.012,0.024,USD,+12125550100,+442079460958,GB,44,2026-03-01T10:00:00Z,2026-03-01T10:01:02Z,62,',
    );
    expect(second).toBe(
      'k2,acme-us,internal,true,60,1,0,0,USD,101,102,,,2026-03-01T10:00:00Z,2026-03-01T10:00:10Z,10,',
    );
  });

  it('reads standard input and writes standard output with -', async () => {
    const dir = workspace('');
    const run = await cdr_(
      [
        'rate',
        '--rates',
        DEFAULT_RATES,
        '--accounts',
        join(dir, 'accounts.jsonl'),
        '--in',
        '-',
        '--out',
        '-',
        '--rejects',
        join(dir, 'r.jsonl'),
        '--quiet',
      ],
      jsonl([cdr('s1', { destination: '+442079460958' })]),
    );
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ cdr_id: 's1', cost: '0.024' });
    expect(run.stderr).toBe('');
  });

  it('refuses a broken tariff with file:line: reason and exit 2', async () => {
    const dir = workspace(jsonl([cdr('x', { destination: '+442079460958' })]));
    const rates = join(dir, 'rates');
    mkdirSync(rates);
    for (const file of readdirSync(DEFAULT_RATES)) copyFileSync(join(DEFAULT_RATES, file), join(rates, file));
    writeFileSync(
      join(rates, 'premium.csv'),
      'country,prefix,rate_per_minute,description,effective_from\nUS,1900,-2.49,900,2024-01-01\n',
    );
    const run = await cdr_([
      'rate',
      '--rates',
      rates,
      '--accounts',
      join(dir, 'accounts.jsonl'),
      '--in',
      join(dir, 'in'),
      '--out',
      join(dir, 'out'),
      '--rejects',
      join(dir, 'r'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(rates, 'premium.csv')}:2: negative rate "-2.49" in rate_per_minute`);
  });

  it('refuses bad accounts with file:line and exit 2', async () => {
    const dir = workspace('');
    writeFileSync(
      join(dir, 'accounts.jsonl'),
      '{"account_id":"a","country":"US","billing_start_date":"2026-01-01"}\n{"account_id":"b","country":"United States","billing_start_date":"2026-01-01"}\n',
    );
    const run = await rateIn(dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${join(dir, 'accounts.jsonl')}:2: country "United States"`);
  });

  it('explains usage errors with exit 2 and documents everything in --help', async () => {
    const missing = await cdr_(['rate', '--rates', DEFAULT_RATES]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing --accounts, --in, --out, --rejects');
    const badFormat = await cdr_([
      'rate',
      '--rates',
      'x',
      '--accounts',
      'a',
      '--in',
      'i',
      '--out',
      'o',
      '--rejects',
      'r',
      '--format',
      'xml',
    ]);
    expect(badFormat.stderr).toContain('--format must be jsonl or csv');
    const help = await cdr_(['rate', '--help']);
    expect(help.code).toBe(0);
    for (const word of [
      '--rates',
      '--accounts',
      '--in',
      '--out',
      '--rejects',
      '--format',
      'Exit codes',
      'Examples',
      'NO_RATE',
    ]) {
      expect(help.stdout).toContain(word);
    }
    const unknown = await cdr_(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
    expect((await cdr_(['--help'])).stdout).toContain('rate');
  });

  it('reports a missing rates folder or input file as a usage error', async () => {
    const dir = workspace('');
    expect(
      (
        await cdr_([
          'rate',
          '--rates',
          join(dir, 'nope'),
          '--accounts',
          join(dir, 'accounts.jsonl'),
          '--in',
          join(dir, 'in'),
          '--out',
          join(dir, 'out'),
          '--rejects',
          join(dir, 'r'),
        ])
      ).stderr,
    ).toContain('no such directory');
    const run = await cdr_([
      'rate',
      '--rates',
      DEFAULT_RATES,
      '--accounts',
      join(dir, 'accounts.jsonl'),
      '--in',
      join(dir, 'missing.jsonl'),
      '--out',
      join(dir, 'out'),
      '--rejects',
      join(dir, 'r'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot read --in');
  });
});
