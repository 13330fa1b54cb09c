import { encodeAccount, type Account as WireAccount } from '@cdrate/schemas';
import { parseIsoDate } from '@cdrate/rating-core';
import { readAccountMessage, toCoreAccount } from '@cdrate/account-directory';

const wire: WireAccount = {
  account_id: 'acct-1',
  country: 'US',
  billing_start_date: '2025-07-15',
  included_minutes: 1000,
  overage_rate: '0.02',
  toll_free_numbers: ['+18005550100'],
  numbers: ['+12125550100', '+12125550101'],
  currency: 'USD',
};

describe('toCoreAccount', () => {
  it('converts every field, the billing start date to epoch days and the number lists to sets', () => {
    const result = toCoreAccount(wire);
    expect(result).toEqual({
      ok: true,
      account: {
        accountId: 'acct-1',
        country: 'US',
        billingStartDay: parseIsoDate('2025-07-15'),
        includedMinutes: 1000,
        overageRate: '0.02',
        currency: 'USD',
        numbers: new Set(['+12125550100', '+12125550101']),
        tollFreeNumbers: new Set(['+18005550100']),
      },
    });
  });

  it('refuses a number that is not E.164 with a plus', () => {
    const result = toCoreAccount({ ...wire, numbers: ['(212) 555-0100'] });
    expect(result).toEqual({ ok: false, message: expect.stringContaining('numbers holds "(212) 555-0100"') });
  });

  it('refuses a calendar date that does not exist', () => {
    expect(toCoreAccount({ ...wire, billing_start_date: '2025-02-30' }).ok).toBe(false);
  });
});

describe('readAccountMessage', () => {
  it('reads a framed Avro account keyed by its id as an upsert', () => {
    const change = readAccountMessage(Buffer.from('acct-1'), encodeAccount(wire));
    expect(change.kind).toBe('upsert');
  });

  it('reads an account without a key as an upsert', () => {
    expect(readAccountMessage(null, encodeAccount(wire)).kind).toBe('upsert');
  });

  it('reads a null value as a delete of the key', () => {
    expect(readAccountMessage(Buffer.from('acct-1'), null)).toEqual({ kind: 'delete', accountId: 'acct-1' });
  });

  it('reports a tombstone without a key as invalid', () => {
    expect(readAccountMessage(null, null).kind).toBe('invalid');
  });

  it('reports garbage bytes as invalid with the decoder code', () => {
    const change = readAccountMessage(Buffer.from('acct-1'), Buffer.from('not avro'));
    expect(change).toEqual({
      kind: 'invalid',
      accountId: 'acct-1',
      message: expect.stringMatching(/^NOT_AVRO/),
    });
  });

  it('reports a key that differs from the account id as invalid', () => {
    const change = readAccountMessage(Buffer.from('acct-2'), encodeAccount(wire));
    expect(change).toEqual({
      kind: 'invalid',
      accountId: 'acct-2',
      message: expect.stringContaining('differs'),
    });
  });
});
