// Normalisation of real numbers of the US, Canada, the UK, Brazil and Puerto Rico in the forms
// switches send them.
import { createNormaliser, normaliseAccount, normaliseCdr, normaliseNumber } from '@cdrate/numbering';
import { decodeAccount, decodeCdr, type AccountRecord, type DecodedCdr } from '@cdrate/rating-core';
import type * as LibPhoneNumber from 'libphonenumber-js/max';

const cases: readonly (readonly [string, string, string, string, string])[] = [
  // raw, account country → e164, country, type
  ['+1 212 555 0123', 'US', '+12125550123', 'US', 'fixed_or_mobile'],
  ['(212) 555-0123', 'US', '+12125550123', 'US', 'fixed_or_mobile'],
  ['2125550123', 'US', '+12125550123', 'US', 'fixed_or_mobile'],
  ['1-212-555-0123', 'US', '+12125550123', 'US', 'fixed_or_mobile'],
  ['+18005550199', 'US', '+18005550199', 'US', 'toll_free'],
  ['1 900 555 1234', 'US', '+19005551234', 'US', 'premium'],
  ['416 234 5678', 'CA', '+14162345678', 'CA', 'fixed_or_mobile'],
  ['+14162345678', 'US', '+14162345678', 'CA', 'fixed_or_mobile'],
  ['787 234 5678', 'US', '+17872345678', 'PR', 'fixed_or_mobile'],
  ['020 7946 0958', 'GB', '+442079460958', 'GB', 'fixed'],
  ['07400 123456', 'GB', '+447400123456', 'GB', 'mobile'],
  ['0044 20 7946 0958', 'GB', '+442079460958', 'GB', 'fixed'],
  ['011 44 20 7946 0958', 'US', '+442079460958', 'GB', 'fixed'],
  ['447400123456', 'US', '+447400123456', 'GB', 'mobile'],
  ['(11) 98765-4321', 'BR', '+5511987654321', 'BR', 'mobile'],
  ['11 3333-4444', 'BR', '+551133334444', 'BR', 'fixed'],
  ['021 11 98765 4321', 'BR', '+5511987654321', 'BR', 'mobile'],
  ['0021 44 20 7946 0958', 'BR', '+442079460958', 'GB', 'fixed'],
  ['0800 123 4567', 'BR', '+558001234567', 'BR', 'toll_free'],
  ['+55 21 98765 4321', 'US', '+5521987654321', 'BR', 'mobile'],
  ['5511987654321', 'US', '+5511987654321', 'BR', 'mobile'],
];

describe('normaliseNumber', () => {
  it.each(cases)('reads %s for a %s account as %s (%s, %s)', (raw, country, e164, destination, type) => {
    expect(normaliseNumber(raw, country)).toEqual({ kind: 'e164', e164, country: destination, type });
  });

  it('reads up to 6 digits without + as an extension', () => {
    expect(normaliseNumber('101', 'US')).toEqual({ kind: 'extension', extension: '101' });
    expect(normaliseNumber('20 01 99', 'GB')).toEqual({ kind: 'extension', extension: '200199' });
    expect(normaliseNumber('1234567', 'US').kind).toBe('unparsed');
  });

  // 07700 900000–900999 is Ofcom's range for drama: possible in the UK, valid nowhere. +44 is shared by
  // GB, GG, IM and JE, so libphonenumber gives the international form no country; the account's country
  // decides, as it does for the national form.
  it.each([
    ['07700 900007', 'GB'],
    ['+44 7700 900007', 'GB'],
    ['0044 7700 900007', 'GB'],
    ['447700900007', 'GB'],
  ])('reads the possible, not valid %s for a %s account as GB, type unknown', (raw, country) => {
    expect(normaliseNumber(raw, country)).toEqual({
      kind: 'e164',
      e164: '+447700900007',
      country: 'GB',
      type: 'unknown',
    });
  });

  it('gives a possible number of a shared calling code the country of an account that has that code', () => {
    // 555-01xx is reserved for fiction in NANP: possible, not valid.
    expect(normaliseNumber('+1 555 010 0123', 'CA')).toMatchObject({ e164: '+15550100123', country: 'CA' });
    expect(normaliseNumber('555 010 0123', 'CA')).toMatchObject({ e164: '+15550100123', country: 'CA' });
    expect(normaliseNumber('+1 555 010 0123', 'US')).toMatchObject({ e164: '+15550100123', country: 'US' });
    // From an account of another calling code the country cannot be told: unreadable.
    for (const [raw, country] of [
      ['+44 7700 900007', 'US'],
      ['011 44 7700 900007', 'US'],
      ['+1 555 010 0123', 'GB'],
    ] as const) {
      expect(normaliseNumber(raw, country)).toEqual({ kind: 'unparsed', raw });
    }
  });

  it('leaves text, feature codes and impossible numbers unparsed', () => {
    for (const raw of ['anonymous', '*72', '', '+', '+1 212 555', '12-AB-34']) {
      expect(normaliseNumber(raw, 'US')).toEqual({ kind: 'unparsed', raw });
    }
  });
});

describe('createNormaliser', () => {
  it('gives the same answers as normaliseNumber, from its cache the second time', () => {
    const normaliser = createNormaliser({ cacheSize: 1000 });
    for (const [raw, country] of cases)
      expect(normaliser.normalise(raw, country)).toEqual(normaliseNumber(raw, country));
    for (const [raw, country] of cases) normaliser.normalise(raw, country);
    expect(normaliser.stats().hits).toBe(cases.length);
  });

  it('keys the cache by default country: the same digits mean different numbers', () => {
    const normaliser = createNormaliser();
    const uk = normaliser.normalise('02079460958', 'GB');
    const us = normaliser.normalise('02079460958', 'US');
    expect(uk).toMatchObject({ e164: '+442079460958' });
    expect(us).not.toEqual(uk);
  });

  it('reuses a known number for its other dialled forms without parsing again', () => {
    const normaliser = createNormaliser();
    normaliser.normalise('+12125550123', 'US');
    normaliser.normalise('(212) 555-0123', 'US');
    normaliser.normalise('12125550123', 'US');
    normaliser.normalise('011 44 20 7946 0958', 'US');
    normaliser.normalise('+442079460958', 'US');
    expect(normaliser.stats()).toEqual({ hits: 0, misses: 5, parsed: 2 });
  });

  it('gives a +… number that only an account country can own the same answer in any order of calls', () => {
    const calls = [
      ['+44 7700 900007', 'GB'],
      ['+44 7700 900007', 'US'],
      ['+44 7700 900007', 'JE'],
      ['+1 555 010 0123', 'CA'],
      ['+1 555 010 0123', 'GB'],
      ['+1 555 010 0123', 'US'],
      ['+44 20 7946 0958', 'US'],
      ['+', 'GB'],
    ] as const;
    for (const order of [calls, [...calls].reverse()]) {
      const normaliser = createNormaliser();
      for (let round = 0; round < 2; round++) {
        for (const [raw, country] of order)
          expect(normaliser.normalise(raw, country)).toEqual(normaliseNumber(raw, country));
      }
    }
  });

  it('gives normaliseNumber’s answer for every dialled form of 1,500 numbers, whatever was read before', () => {
    // Valid numbers (example numbers of every country and variations of them) and invalid ones, each in
    // the forms switches send, for accounts of several countries: the cached normaliser's shortcuts (the
    // E.164 a form is sure to be, another form of a number read before) must never change an answer.
    const examples = jest.requireActual<Record<string, string>>('libphonenumber-js/examples.mobile.json');
    const { getCountryCallingCode } = jest.requireActual<typeof LibPhoneNumber>('libphonenumber-js/max');
    let seed = 20261126;
    const next = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const digits = (n: number): string => Array.from({ length: n }, () => String(next(10))).join('');
    const e164s: string[] = [
      '+12125550123',
      '+14162345678',
      '+17872345678',
      '+442079460958',
      '+5511987654321',
    ];
    const countries = Object.keys(examples);
    while (e164s.length < 1_500) {
      const country = countries[next(countries.length)] as string;
      const example = examples[country] as string;
      const code = getCountryCallingCode(country as LibPhoneNumber.CountryCode);
      const keep = Math.max(0, example.length - 1 - next(5));
      const national =
        next(4) === 0 ? digits(6 + next(8)) : example.slice(0, keep) + digits(example.length - keep);
      e164s.push('+' + code + national);
    }
    const forms = (e164: string): string[] => {
      const d = e164.slice(1);
      return [
        e164,
        d,
        '00' + d,
        '011' + d,
        '0021' + d,
        '0' + d.slice(1),
        '0' + d.slice(2),
        d.slice(1),
        d.slice(2),
      ];
    };
    const calls: (readonly [string, string])[] = [];
    for (const e164 of e164s) {
      for (const form of forms(e164))
        calls.push([form, ['US', 'CA', 'GB', 'BR', 'PR', 'DE'][next(6)] as string]);
    }
    for (const order of [calls, [...calls].reverse()]) {
      const normaliser = createNormaliser({ cacheSize: 100_000 });
      for (const [raw, country] of order) {
        expect([raw, country, normaliser.normalise(raw, country)]).toEqual([
          raw,
          country,
          normaliseNumber(raw, country),
        ]);
      }
    }
  });

  it('stays correct when the cache rotates', () => {
    const normaliser = createNormaliser({ cacheSize: 16 });
    for (let i = 0; i < 200; i++) {
      const raw = `+1212555${String(1000 + i)}`;
      expect(normaliser.normalise(raw, 'US')).toEqual(normaliseNumber(raw, 'US'));
    }
    expect(normaliser.normalise('+12125551000', 'US')).toMatchObject({ e164: '+12125551000' });
  });
});

describe('normaliseCdr and normaliseAccount', () => {
  const record = decodeAccount({
    account_id: 'a',
    country: 'US',
    billing_start_date: '2026-01-01',
    numbers: ['(212) 555-0100'],
    toll_free_numbers: ['1-800-555-0199'],
  });
  const accountRecord = (record.kind === 'decoded' ? record.account : undefined) as AccountRecord;

  it('normalises an account’s numbers to E.164', () => {
    const result = normaliseAccount(accountRecord, createNormaliser());
    expect(
      result.kind === 'account' && [...result.account.numbers, ...result.account.tollFreeNumbers],
    ).toEqual(['+12125550100', '+18005550199']);
  });

  it('refuses an account number that is not a phone number', () => {
    expect(normaliseAccount({ ...accountRecord, numbers: ['101'] }, createNormaliser())).toMatchObject({
      kind: 'invalid',
    });
  });

  it('rejects a CDR whose called number is unreadable with BAD_NUMBER, keeps an unreadable caller id', () => {
    const result = normaliseAccount(accountRecord, createNormaliser());
    if (result.kind !== 'account') throw new Error('account');
    const decoded = decodeCdr({
      cdr_id: 'c',
      account_id: 'a',
      source: 'anonymous',
      destination: 'call mom',
      start_time: '2026-03-01T10:00:00Z',
      end_time: '2026-03-01T10:00:10Z',
    });
    const cdr = (decoded.kind === 'decoded' ? decoded.cdr : undefined) as DecodedCdr;
    expect(normaliseCdr(cdr, result.account, createNormaliser())).toMatchObject({
      kind: 'rejected',
      code: 'BAD_NUMBER',
    });
    const ok = normaliseCdr(
      { ...cdr, destination: '011 44 20 7946 0958' },
      result.account,
      createNormaliser(),
    );
    expect(ok).toMatchObject({
      source: { kind: 'unparsed', raw: 'anonymous' },
      destination: { e164: '+442079460958' },
    });
  });
});
