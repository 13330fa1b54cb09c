/** @cdrate/cli: the `cdr` command line, importable for tests and for new subcommand modules. */
export { COMMANDS, runCli } from './cli.js';
export { EXIT_OK, EXIT_REJECTS, EXIT_USAGE, UsageError, type CliIo, type Command } from './command.js';
export { rateCommand, rateFiles, type RateFilesOptions, type RateSummary } from './commands/rate.js';
export { loadAccounts, type AccountsError, type AccountsResult } from './io/accounts.js';
export {
  RATED_COLUMNS,
  ratedCsvLine,
  ratedJsonLine,
  type OutputFormat,
  type RejectLine,
} from './io/formats.js';
export { readLines, type LinesHandler } from './io/line-reader.js';
export { BatchedWriter } from './io/output.js';
export { RatingRun, type RecordOutcome, type RunCounts } from './pipeline.js';
