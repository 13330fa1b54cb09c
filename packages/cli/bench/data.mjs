// The `cdr rate` benchmark's input and how a benchmark runs the command on it; shared by run.mjs (this
// folder) and test/bench/compare.mjs.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The benchmark files for `count` CDRs under `<root>/.local/bench/cli-<count>/`, generated on first use
 * by the CLI of the checkout at `root` (built). The data shape is `cdr generate`'s (docs/performance.md);
 * seeded, so every run rates the same file.
 */
export function benchData(root, count) {
  const dir = join(root, '.local', 'bench', `cli-${count}`);
  const data = { dir, cdrs: join(dir, 'cdrs.jsonl'), accounts: join(dir, 'accounts.jsonl') };
  if (!existsSync(data.cdrs) || !existsSync(data.accounts)) {
    execFileSync(
      process.execPath,
      [
        join(root, 'packages', 'cli', 'dist', 'main.js'),
        'generate',
        '--out-dir',
        dir,
        '--count',
        String(count),
        '--accounts',
        '2000',
        '--duplicate-rate',
        '0.01',
        '--seed',
        '1',
      ],
      { stdio: 'inherit' },
    );
  }
  return data;
}

/** Arguments of `cdr rate` over `data` with the default tariff of `root`, after the script's path. */
export function rateArgs(root, data, { out, rejects, jobs }) {
  return [
    'rate',
    '--rates',
    join(root, 'rate-tables', 'default'),
    '--accounts',
    data.accounts,
    '--in',
    data.cdrs,
    '--out',
    out,
    '--rejects',
    rejects,
    '--jobs',
    String(jobs),
  ];
}

/** `{ records, seconds, perSecond }` from `cdr rate`'s summary on stderr, or `undefined`. */
export function rateSummary(stderr) {
  const match = /([\d,]+) records in ([\d.]+) s \(([\d,]+) CDR\/s/.exec(stderr);
  if (match === null) return undefined;
  return {
    records: Number(match[1].replace(/,/g, '')),
    seconds: Number(match[2]),
    perSecond: Number(match[3].replace(/,/g, '')),
  };
}
