/**
 * `@cdrate/account-directory`: the in-memory view of the compacted `accounts` topic that ingest and rating
 * both need. Reads every partition from the beginning, converts Avro `Account` records into the rating
 * core's `Account`, applies tombstones, and keeps following updates.
 */
export { accountDirectoryGroupId, startAccountDirectory } from './directory.js';
export type {
  AccountDirectory,
  AccountDirectoryOptions,
  AccountDirectoryStats,
  DirectoryLogger,
} from './directory.js';
export { readAccountMessage, toCoreAccount } from './convert.js';
export type { AccountChange, CoreAccountResult } from './convert.js';
