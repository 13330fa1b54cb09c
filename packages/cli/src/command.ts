/** The shape every `cdr` subcommand module implements. */
import type { Readable, Writable } from 'node:stream';

/** Exit codes of `cdr`. */
export const EXIT_OK = 0;
/** Bad usage, unreadable or invalid rate tables or accounts: nothing (more) was done. */
export const EXIT_USAGE = 2;
/** The run completed but some records were rejected (see the rejects file). */
export const EXIT_REJECTS = 3;

/** The process streams a command may use (injected so tests can run commands in-process). */
export interface CliIo {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable & { readonly isTTY?: boolean };
  /**
   * The compiled worker script of `cdr rate --jobs` (`dist/rate-worker.js`); set by the binary. When
   * absent, commands run single-threaded.
   */
  readonly workerScript?: URL;
}

export interface Command {
  /** Words that select the command, e.g. `['rate']` or `['accounts', 'load']`. */
  readonly name: readonly string[];
  /** One line for `cdr --help`. */
  readonly summary: string;
  /** Full help text printed by `cdr <name> --help`. */
  readonly help: string;
  /** Runs with the arguments after the command words; resolves to the exit code. */
  run(args: readonly string[], io: CliIo): Promise<number>;
}

/** Thrown by argument parsing; printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
