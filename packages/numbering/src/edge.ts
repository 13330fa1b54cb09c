/**
 * Normalisation of whole records at the edge: the bridge between decoded records (`@cdrate/rating-core`
 * `decodeCdr` / `decodeAccount`) and `rate`, shared by every reader of CDRs (CLI, streaming service).
 */
import {
  reject,
  type Account,
  type AccountRecord,
  type DecodedCdr,
  type NormalisedCdr,
  type Rejection,
} from '@cdrate/rating-core';
import type { Normaliser } from './normaliser.js';

/**
 * Normalises both numbers of `cdr` for `account`. The called number must be a phone number or an
 * extension (`BAD_NUMBER` otherwise); the calling number may be anything (a withheld caller id is
 * kept as received).
 */
export function normaliseCdr(
  cdr: DecodedCdr,
  account: Account,
  normaliser: Normaliser,
): NormalisedCdr | Rejection {
  const destination = normaliser.normalise(cdr.destination, account.country);
  if (destination.kind === 'unparsed') {
    return reject(
      'BAD_NUMBER',
      `destination ${JSON.stringify(cdr.destination)} is neither a phone number nor an extension (account country ${account.country})`,
    );
  }
  return {
    cdrId: cdr.cdrId,
    accountId: cdr.accountId,
    direction: cdr.direction,
    source: normaliser.normalise(cdr.source, account.country),
    destination,
    startMs: cdr.startMs,
    endMs: cdr.endMs,
    durationSec: cdr.durationSec,
    disposition: cdr.disposition,
  };
}

/** Result of {@link normaliseAccount}. */
export type AccountResult =
  | { readonly kind: 'account'; readonly account: Account }
  | { readonly kind: 'invalid'; readonly message: string };

/** Normalises an account's numbers to E.164 in the account's country; any unreadable number is an error. */
export function normaliseAccount(record: AccountRecord, normaliser: Normaliser): AccountResult {
  const numbers = new Set<string>();
  const tollFreeNumbers = new Set<string>();
  for (const [list, into, name] of [
    [record.numbers, numbers, 'numbers'],
    [record.tollFreeNumbers, tollFreeNumbers, 'toll_free_numbers'],
  ] as const) {
    for (const raw of list) {
      const party = normaliser.normalise(raw, record.country);
      if (party.kind !== 'e164') {
        return {
          kind: 'invalid',
          message: `${name} holds ${JSON.stringify(raw)}, which is not a phone number in ${record.country}`,
        };
      }
      into.add(party.e164);
    }
  }
  return {
    kind: 'account',
    account: {
      accountId: record.accountId,
      country: record.country,
      billingStartDay: record.billingStartDay,
      includedMinutes: record.includedMinutes,
      overageRate: record.overageRate,
      currency: record.currency,
      numbers,
      tollFreeNumbers,
    },
  };
}
