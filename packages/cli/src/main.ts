#!/usr/bin/env node
// The `cdr` binary: wires process streams into the command line; all logic is in cli.ts and commands/.
import { runCli } from './cli.js';

process.exitCode = await runCli(process.argv.slice(2), {
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  workerScript: new URL('./rate-worker.js', import.meta.url),
});
