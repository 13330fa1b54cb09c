/** Loads an accounts file (JSON lines) into accounts keyed by id, normalising their numbers. */
import { createReadStream } from 'node:fs';
import { decodeAccount, type Account } from '@cdrate/rating-core';
import { normaliseAccount, type Normaliser } from '@cdrate/numbering';
import { readLines } from './line-reader.js';

export interface AccountsError {
  readonly line: number;
  readonly message: string;
}

export type AccountsResult =
  | { readonly kind: 'loaded'; readonly accounts: ReadonlyMap<string, Account> }
  | { readonly kind: 'invalid'; readonly errors: readonly AccountsError[] };

/** Every valid account of a file and every bad line, from {@link readAccountsFile}. */
export interface AccountsFile {
  /** Valid accounts by id, numbers normalised to E.164, in file order. */
  readonly accounts: ReadonlyMap<string, Account>;
  /** Bad lines (not JSON, invalid fields, unreadable numbers, an id seen on an earlier line), in order. */
  readonly errors: readonly AccountsError[];
}

/** Reads every line of `path`; blank lines are skipped; any bad line or repeated id fails the load. */
export async function loadAccounts(path: string, normaliser: Normaliser): Promise<AccountsResult> {
  const { accounts, errors } = await readAccountsFile(path, normaliser);
  return errors.length > 0 ? { kind: 'invalid', errors } : { kind: 'loaded', accounts };
}

/**
 * Reads every line of `path` and keeps the valid accounts alongside the bad lines (`cdr accounts load`
 * publishes the valid ones). Blank lines are skipped; a repeated `account_id` is an error on the later
 * line and the first one is kept. Rejects when the file cannot be read.
 */
export async function readAccountsFile(path: string, normaliser: Normaliser): Promise<AccountsFile> {
  const accounts = new Map<string, Account>();
  const lines = new Map<string, number>();
  const errors: AccountsError[] = [];
  await readLines(createReadStream(path), (batch, first) => {
    batch.forEach((text, i) => {
      const line = first + i;
      if (text.trim() === '') return;
      let record: unknown;
      try {
        record = JSON.parse(text);
      } catch {
        errors.push({ line, message: 'not a JSON object' });
        return;
      }
      const decoded = decodeAccount(record);
      if (decoded.kind === 'invalid') {
        errors.push({ line, message: decoded.message });
        return;
      }
      const result = normaliseAccount(decoded.account, normaliser);
      if (result.kind === 'invalid') {
        errors.push({ line, message: result.message });
        return;
      }
      const id = result.account.accountId;
      const previous = lines.get(id);
      if (previous !== undefined) {
        errors.push({ line, message: `account_id ${JSON.stringify(id)} is also on line ${previous}` });
        return;
      }
      lines.set(id, line);
      accounts.set(id, result.account);
    });
  });
  return { accounts, errors };
}
