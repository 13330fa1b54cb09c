// `cdr generate`: deterministic sample data whose bad records are rejected with the intended codes.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { runCli, type CliIo } from '@cdrate/cli';

const DEFAULT_RATES = join(__dirname, '..', '..', '..', 'rate-tables', 'default');

async function cdr(args: readonly string[]): Promise<{ code: number; stderr: string }> {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdin: Readable.from(['']), stdout: new PassThrough(), stderr };
  const code = await runCli(args, io);
  return { code, stderr: err };
}

describe('cdr generate', () => {
  it('writes the same files for the same seed and different ones for another seed', async () => {
    const fresh = (): string => mkdtempSync(join(tmpdir(), 'cdr-generate-'));
    const [a, b, c] = [fresh(), fresh(), fresh()];
    for (const [dir, seed] of [
      [a, '7'],
      [b, '7'],
      [c, '8'],
    ] as const) {
      const run = await cdr([
        'generate',
        '--out-dir',
        dir,
        '--count',
        '500',
        '--accounts',
        '50',
        '--seed',
        seed,
      ]);
      expect(run.code).toBe(0);
    }
    const read = (dir: string): string => readFileSync(join(dir, 'cdrs.jsonl'), 'utf8');
    expect(read(a)).toBe(read(b));
    expect(read(a)).not.toBe(read(c));
    expect(read(a).trimEnd().split('\n')).toHaveLength(500);
    expect(readFileSync(join(a, 'accounts.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(50);
  }, 60_000); // each run builds a 30,000-number pool with libphonenumber: ~1 s, several on a busy machine

  it('makes bad records that cdr rate rejects, and resends that it counts as duplicates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdr-generate-'));
    const generated = await cdr([
      'generate',
      '--out-dir',
      dir,
      '--count',
      '3000',
      '--accounts',
      '100',
      '--bad-rate',
      '0.1',
      '--duplicate-rate',
      '0.02',
    ]);
    expect(generated.code).toBe(0);
    const rated = await cdr([
      'rate',
      '--rates',
      DEFAULT_RATES,
      '--accounts',
      join(dir, 'accounts.jsonl'),
      '--in',
      join(dir, 'cdrs.jsonl'),
      '--out',
      join(dir, 'rated.jsonl'),
      '--rejects',
      join(dir, 'rejects.jsonl'),
    ]);
    expect(rated.code).toBe(3);
    const rejects = readFileSync(join(dir, 'rejects.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { error_code: string });
    const codes = new Set(rejects.map((r) => r.error_code));
    for (const code of [
      'MALFORMED_RECORD',
      'MISSING_FIELD',
      'END_BEFORE_START',
      'NEGATIVE_DURATION',
      'BAD_NUMBER',
      'UNKNOWN_ACCOUNT',
    ]) {
      expect(codes).toContain(code);
    }
    // About 10 % of 3000 lines are bad (binomial: 300 ± 50 covers > 99.9 %).
    expect(rejects.length).toBeGreaterThan(220);
    expect(rejects.length).toBeLessThan(380);
    const ratedLines = readFileSync(join(dir, 'rated.jsonl'), 'utf8').trimEnd().split('\n').length;
    const duplicates = Number(/duplicates\s+([\d,]+)/.exec(rated.stderr)?.[1]?.replace(/,/g, '') ?? 'NaN');
    expect(ratedLines + rejects.length + duplicates).toBe(3000);
    expect(duplicates).toBeGreaterThan(0);
  }, 60_000);
});
