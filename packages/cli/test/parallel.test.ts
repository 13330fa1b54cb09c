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
      join(dir, `in.${format}`),
      '--out',
      join(dir, `out-${jobs}`),
      '--rejects',
      join(dir, `rejects-${jobs}`),
      '--jobs',
      String(jobs),
    ],
    io,
  );
  // Timing and the rejects file name differ between the runs; the counts must not.
  return {
    code,
    stderr: err.replace(/ in [\d.]+ s \([\d,]+ CDR\/s[^)]*\)/, '').replace(/rejects-\d/, 'rejects'),
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
});
