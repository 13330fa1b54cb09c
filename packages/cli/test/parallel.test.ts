// `cdr rate --jobs 2` gives byte-for-byte the output of `--jobs 1`: order, duplicates, rejects, counts.
// Runs the compiled worker (dist/rate-worker.js), which `pnpm typecheck` builds before the tests.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { runCli, type CliIo } from '@cdrate/cli';

const ROOT = join(__dirname, '..', '..', '..');
const WORKER = pathToFileURL(join(__dirname, '..', 'dist', 'rate-worker.js'));

async function rate(
  dir: string,
  jobs: number,
  format: string,
  input = `in.${format}`,
): Promise<{ code: number; stderr: string; raw: string }> {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdin: Readable.from(['']), stdout: new PassThrough(), stderr, workerScript: WORKER };
  const code = await runCli(
    [
      'rate',
      '--rates',
      join(ROOT, 'rate-tables', 'default'),
      '--accounts',
      join(dir, 'accounts.jsonl'),
      '--in',
      join(dir, input),
      '--out',
      join(dir, `out-${jobs}`),
      '--rejects',
      join(dir, `rejects-${jobs}`),
      '--jobs',
      String(jobs),
    ],
    io,
  );
  // Timing and the rejects file name differ between the runs; the counts must not. Only the file name is
  // replaced: a temporary folder named `…rejects-4abc` must not be matched instead.
  return {
    code,
    stderr: err.replace(/ in [\d.]+ s \([\d,]+ CDR\/s[^)]*\)/, '').replace(/\/rejects-\d\b/g, '/rejects'),
    raw: err,
  };
}

describe('cdr rate --jobs 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cdr-parallel-'));
  writeFileSync(
    join(dir, 'accounts.jsonl'),
    JSON.stringify({
      account_id: 'a',
      country: 'US',
      billing_start_date: '2026-01-01',
      numbers: ['+12125550100'],
    }) + '\n',
  );
  const destinations = ['+442079460958', '(212) 555-0123', '011 49 30 1234567', '+6761234567', '101'];
  const lines: string[] = [];
  // ~9,000 records (> 2 MiB, so several chunks per worker) with repeats near and far and some rejects.
  for (let i = 0; i < 9000; i++) {
    const id = i % 997 === 0 && i > 0 ? `c${i - 1}` : i % 2503 === 0 && i > 0 ? 'c1' : `c${i}`;
    lines.push(
      JSON.stringify({
        cdr_id: id,
        account_id: i % 1500 === 7 ? 'nobody' : 'a',
        source: '+12125550100',
        destination: destinations[i % destinations.length],
        start_time: '2026-03-01T10:00:00Z',
        end_time: '2026-03-01T10:01:02Z',
        duration_sec: i % 300,
        note: 'x'.repeat(150),
      }),
    );
  }
  lines.splice(4321, 0, 'not json', '');
  writeFileSync(join(dir, 'in.jsonl'), lines.join('\n') + '\n');
  writeFileSync(
    join(dir, 'in.csv'),
    'cdr_id,account_id,source,destination,start_time,end_time\n' +
      Array.from(
        { length: 30000 },
        (_, i) =>
          `k${i % 29000},a,+12125550100,+442079460958,2026-03-01T10:00:00Z,2026-03-01T10:00:0${i % 10}Z`,
      ).join('\n'),
  );

  it.each(['jsonl', 'csv'])(
    'writes the same %s output, rejects, counts and exit code as --jobs 1',
    async (format) => {
      const one = await rate(dir, 1, format);
      const two = await rate(dir, 2, format);
      expect(two.raw).toContain('with 2 worker threads');
      expect(two.code).toBe(one.code);
      expect(two.stderr).toBe(one.stderr);
      // Byte-for-byte (Buffer#equals: jest's deep equality is slow on megabytes).
      expect(readFileSync(join(dir, 'out-2')).equals(readFileSync(join(dir, 'out-1')))).toBe(true);
      expect(readFileSync(join(dir, 'rejects-2'), 'utf8')).toBe(readFileSync(join(dir, 'rejects-1'), 'utf8'));
      expect(one.stderr).toMatch(/duplicates\s+[1-9]/);
    },
    120_000, // worker threads load libphonenumber and the tables: slow on a busy CI machine
  );

  it('keeps every reject of a record that could not be read when a later repeat is dropped', async () => {
    // A repeat that would be rejected is a duplicate (no reject line); the unreadable lines before it
    // in its chunk keep theirs.
    const record = (id: string, account: string): string =>
      JSON.stringify({
        cdr_id: id,
        account_id: account,
        source: '+12125550100',
        destination: '+442079460958',
        start_time: '2026-03-01T10:00:00Z',
        end_time: '2026-03-01T10:01:02Z',
      });
    const here = mkdtempSync(join(tmpdir(), 'cdr-parallel-rejects-'));
    writeFileSync(join(here, 'accounts.jsonl'), readFileSync(join(dir, 'accounts.jsonl')));
    const body: string[] = [];
    for (let i = 0; i < 12000; i++) {
      body.push(record(`r${i}`, 'a'));
      if (i % 1000 === 999) body.push('{broken', '[1]', record(`r${i - 500}`, 'nobody'), '{"cdr_id":"x"}');
    }
    writeFileSync(join(here, 'in.jsonl'), body.join('\n') + '\n');
    const one = await rate(here, 1, 'jsonl');
    const two = await rate(here, 2, 'jsonl');
    expect(two.stderr).toBe(one.stderr);
    expect(one.stderr).toMatch(/duplicates\s+12\b/);
    const rejects = readFileSync(join(here, 'rejects-1'), 'utf8');
    expect(rejects.split('\n').filter((l) => l.includes('"MALFORMED_RECORD"'))).toHaveLength(24);
    expect(readFileSync(join(here, 'rejects-2'), 'utf8')).toBe(rejects);
    expect(readFileSync(join(here, 'out-2')).equals(readFileSync(join(here, 'out-1')))).toBe(true);
  }, 120_000);

  it('reads standard input and writes standard output like --jobs 1', async () => {
    const input = readFileSync(join(dir, 'in.jsonl'));
    const run = async (jobs: number): Promise<{ code: number; out: Buffer; rejects: string }> => {
      const stdout = new PassThrough();
      const chunks: Buffer[] = [];
      stdout.on('data', (d: Buffer) => chunks.push(d));
      // Uneven pieces, so that lines are cut across reads.
      const pieces: Buffer[] = [];
      for (let at = 0; at < input.length; at += 70_001) pieces.push(input.subarray(at, at + 70_001));
      const io: CliIo = {
        stdin: Readable.from(pieces),
        stdout,
        stderr: new PassThrough(),
        workerScript: WORKER,
      };
      const code = await runCli(
        [
          'rate',
          '--rates',
          join(ROOT, 'rate-tables', 'default'),
          '--accounts',
          join(dir, 'accounts.jsonl'),
          '--in',
          '-',
          '--out',
          '-',
          '--rejects',
          join(dir, `stdin-rejects-${jobs}`),
          '--jobs',
          String(jobs),
        ],
        io,
      );
      return {
        code,
        out: Buffer.concat(chunks),
        rejects: readFileSync(join(dir, `stdin-rejects-${jobs}`), 'utf8'),
      };
    };
    const one = await run(1);
    const two = await run(2);
    expect(two.code).toBe(one.code);
    expect(one.out.length).toBeGreaterThan(1_000_000);
    expect(two.out.equals(one.out)).toBe(true);
    expect(two.rejects).toBe(one.rejects);
  }, 120_000);

  it('finds the format and the CSV header after blank lines, with CRLF and no final line end', async () => {
    const here = mkdtempSync(join(tmpdir(), 'cdr-parallel-csv-'));
    writeFileSync(join(here, 'accounts.jsonl'), readFileSync(join(dir, 'accounts.jsonl')));
    const rows = Array.from(
      { length: 40000 },
      (_, i) =>
        `k${i % 39000},${i % 5000 === 3 ? 'nobody' : 'a'},+12125550100,${i % 7 === 0 ? '"(212) 555-0123"' : '+442079460958'},2026-03-01T10:00:00Z,2026-03-01T10:00:0${i % 10}Z`,
    );
    rows.splice(20000, 0, 'too,few', '', ' ');
    // No extension: the format is decided by the first non-blank line.
    writeFileSync(
      join(here, 'in'),
      '\r\n  \r\n\ncdr_id,account_id,source,destination,start_time,end_time\r\n' + rows.join('\r\n'),
    );
    const one = await rate(here, 1, 'csv', 'in');
    const two = await rate(here, 2, 'csv', 'in');
    expect(two.stderr).toBe(one.stderr);
    expect(one.stderr).toMatch(/rejected\s+[1-9]/);
    expect(readFileSync(join(here, 'out-2')).equals(readFileSync(join(here, 'out-1')))).toBe(true);
    expect(readFileSync(join(here, 'rejects-2'), 'utf8')).toBe(readFileSync(join(here, 'rejects-1'), 'utf8'));
    expect(readFileSync(join(here, 'rejects-1'), 'utf8')).toContain('"line":20005');
  }, 120_000);
});
