/**
 * Turning messages of the compacted `accounts` topic into changes of the directory's map. Pure apart from
 * the Avro decoder: no I/O, no clock.
 */
import { parseIsoDate, type Account } from '@cdrate/rating-core';
import { decodeAccount, type Account as WireAccount } from '@cdrate/schemas';

/** E.164 with `+`: the only number form allowed on the `accounts` topic. */
const E164 = /^\+[1-9][0-9]{1,14}$/;

/** Result of {@link toCoreAccount}. */
export type CoreAccountResult =
  { readonly ok: true; readonly account: Account } | { readonly ok: false; readonly message: string };

/**
 * Converts a wire `Account` into the rating core's `Account`: `billing_start_date` (`YYYY-MM-DD`) becomes
 * epoch days with the core's `parseIsoDate`, the number lists become sets. Numbers must already be E.164
 * with `+` (the account admin normalises them before publishing); anything else makes the record invalid,
 * because a number that can never match would silently change how calls are classified.
 */
export function toCoreAccount(wire: WireAccount): CoreAccountResult {
  const billingStartDay = parseIsoDate(wire.billing_start_date);
  if (billingStartDay === undefined) {
    return {
      ok: false,
      message: `billing_start_date ${JSON.stringify(wire.billing_start_date)} is not a date`,
    };
  }
  if (!/^[A-Z]{2}$/.test(wire.country)) {
    return { ok: false, message: `country ${JSON.stringify(wire.country)} is not an ISO 3166 alpha-2 code` };
  }
  for (const [name, list] of [
    ['numbers', wire.numbers],
    ['toll_free_numbers', wire.toll_free_numbers],
  ] as const) {
    const bad = list.find((number) => !E164.test(number));
    if (bad !== undefined) {
      return { ok: false, message: `${name} holds ${JSON.stringify(bad)}, which is not E.164 with +` };
    }
  }
  return {
    ok: true,
    account: {
      accountId: wire.account_id,
      country: wire.country,
      billingStartDay,
      includedMinutes: wire.included_minutes,
      overageRate: wire.overage_rate,
      currency: wire.currency,
      numbers: new Set(wire.numbers),
      tollFreeNumbers: new Set(wire.toll_free_numbers),
    },
  };
}

/** What one message of the `accounts` topic does to the directory. */
export type AccountChange =
  | { readonly kind: 'upsert'; readonly account: Account }
  | { readonly kind: 'delete'; readonly accountId: string }
  | { readonly kind: 'invalid'; readonly accountId: string | null; readonly message: string };

/**
 * Reads one message of the `accounts` topic. A `null` value is a tombstone and deletes the key's account.
 * A value must be a framed Avro `Account` whose `account_id` equals the message key (when there is one);
 * a mismatch is invalid, since compaction and tombstones work by key.
 */
export function readAccountMessage(key: Buffer | null, value: Buffer | null): AccountChange {
  const keyText = key === null ? null : key.toString('utf8');
  if (value === null) {
    return keyText === null || keyText === ''
      ? { kind: 'invalid', accountId: null, message: 'tombstone without a key' }
      : { kind: 'delete', accountId: keyText };
  }
  const decoded = decodeAccount(value);
  if (!decoded.ok) {
    return { kind: 'invalid', accountId: keyText, message: `${decoded.code}: ${decoded.message}` };
  }
  const wire = decoded.value;
  if (keyText !== null && keyText !== wire.account_id) {
    return {
      kind: 'invalid',
      accountId: keyText,
      message: `key ${JSON.stringify(keyText)} differs from account_id ${JSON.stringify(wire.account_id)}`,
    };
  }
  const converted = toCoreAccount(wire);
  return converted.ok
    ? { kind: 'upsert', account: converted.account }
    : { kind: 'invalid', accountId: wire.account_id, message: converted.message };
}
