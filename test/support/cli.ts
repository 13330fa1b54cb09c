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
