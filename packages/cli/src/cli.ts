/**
 * The `cdr` command line: dispatches to subcommand modules. A new subcommand is a module exporting a
 * {@link Command}, added to {@link COMMANDS}.
 */
import { EXIT_OK, EXIT_USAGE, type CliIo, type Command } from './command.js';
import { accountsLoadCommand } from './commands/accounts-load.js';
import { dlqReplayCommand } from './commands/dlq-replay.js';
import { exportBcdCommand } from './commands/export-bcd.js';
import { exportRatedCommand } from './commands/export-rated.js';
import { generateCommand } from './commands/generate.js';
import { publishCommand } from './commands/publish.js';
import { rateCommand } from './commands/rate.js';
import { usageCommand } from './commands/usage.js';

/**
 * Every subcommand, in `--help` order. The pipeline commands take their connection defaults from the
 * environment (`KAFKA_BROKERS`, `TOPIC_*`, `CLICKHOUSE_*`), read here, at the entry.
 */
export const COMMANDS: readonly Command[] = [
  rateCommand,
  generateCommand,
  accountsLoadCommand(process.env),
  publishCommand(process.env),
  dlqReplayCommand(process.env),
  exportRatedCommand(process.env),
  usageCommand(process.env),
  exportBcdCommand(process.env),
];

function overview(commands: readonly Command[]): string {
  const width = Math.max(...commands.map((c) => c.name.join(' ').length));
  return [
    'cdr — the cdrate command line',
    '',
    'Usage: cdr <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.join(' ').padEnd(width)}  ${c.summary}`),
    '',
    'Run `cdr <command> --help` for the options of a command.',
    '',
  ].join('\n');
}

/** Runs `cdr` with `argv` (without node and script); resolves to the exit code. */
export async function runCli(
  argv: readonly string[],
  io: CliIo,
  commands: readonly Command[] = COMMANDS,
): Promise<number> {
  if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
    const text = overview(commands);
    if (argv.length === 0) {
      io.stderr.write(text);
      return EXIT_USAGE;
    }
    io.stdout.write(text);
    return EXIT_OK;
  }
  let best: Command | undefined;
  for (const command of commands) {
    const words = command.name;
    if (
      words.every((word, i) => argv[i] === word) &&
      (best === undefined || words.length > best.name.length)
    ) {
      best = command;
    }
  }
  if (best === undefined) {
    io.stderr.write(`cdr: unknown command "${argv[0] ?? ''}"\n\n${overview(commands)}`);
    return EXIT_USAGE;
  }
  return best.run(argv.slice(best.name.length), io);
}
