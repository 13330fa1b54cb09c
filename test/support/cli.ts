/**
 * Runs the built `cdr` command (packages/cli/dist/main.js) as a user would, for end-to-end tests.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from './pipeline.js';

export interface CdrRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

const cliMain = path.join(repoRoot, 'packages', 'cli', 'dist', 'main.js');

/** Runs `cdr <args>` to completion. */
export function cdr(args: readonly string[], env: Record<string, string> = {}): Promise<CdrRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliMain, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Like {@link cdr} but fails with the command's output when the exit code is not one of `accepted`. */
export async function cdrOk(args: readonly string[], accepted: readonly number[] = [0]): Promise<CdrRun> {
  const run = await cdr(args);
  if (run.code === null || !accepted.includes(run.code)) {
    throw new Error(
      `cdr ${args.join(' ')} exited ${String(run.code)}:\n${run.stderr}\n${run.stdout.slice(0, 2000)}`,
    );
  }
  return run;
}

/** What `cdr generate` is asked for: counts and rates as the command's options take them. */
export interface GeneratedFile {
  readonly count: number;
  readonly accounts: number;
  readonly badRate: string;
  readonly duplicateRate: string;
  readonly seed: number;
  readonly days?: number;
}

/** The files of {@link generateAndRateOffline} and the offline rater's run. */
export interface OfflineRun {
  readonly accountsFile: string;
  readonly cdrsFile: string;
  readonly ratedFile: string;
  readonly rejectsFile: string;
  readonly rate: CdrRun;
}

/**
 * `cdr generate` into `workDir` (accounts.jsonl, cdrs.jsonl), then `cdr rate` of that file with the
 * default tariff into rated.jsonl and rejects.jsonl; fails unless `cdr rate` exits with one of
 * `acceptedRateCodes`.
 */
export async function generateAndRateOffline(
  workDir: string,
  file: GeneratedFile,
  acceptedRateCodes: readonly number[],
): Promise<OfflineRun> {
  await cdrOk([
    'generate',
    '--out-dir',
    workDir,
    '--count',
    String(file.count),
    '--accounts',
    String(file.accounts),
    '--bad-rate',
    file.badRate,
    '--duplicate-rate',
    file.duplicateRate,
    ...(file.days === undefined ? [] : ['--days', String(file.days)]),
    '--seed',
    String(file.seed),
  ]);
  const files = {
    accountsFile: path.join(workDir, 'accounts.jsonl'),
    cdrsFile: path.join(workDir, 'cdrs.jsonl'),
    ratedFile: path.join(workDir, 'rated.jsonl'),
    rejectsFile: path.join(workDir, 'rejects.jsonl'),
  };
  const rate = await cdrOk(
    [
      'rate',
      '--rates',
      path.join(repoRoot, 'rate-tables', 'default'),
      '--accounts',
      files.accountsFile,
      '--in',
      files.cdrsFile,
      '--out',
      files.ratedFile,
      '--rejects',
      files.rejectsFile,
    ],
    acceptedRateCodes,
  );
  return { ...files, rate };
}
