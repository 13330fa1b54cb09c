// The billing rules of docs/rating.md (from the domain rulebook), each with hand-worked numbers,
// against the shipped default tariff (rate-tables/default).
import { parseIsoDate, rate, type RatedCall, type RateResult, type Rejection } from '@cdrate/rating-core';
import { account, call, compile, defaultSources, defaultTariff, e164, extension } from './fixtures.js';

const tariff = defaultTariff();
const US = account('US');
const CA = account('CA');
const BR = account('BR');
const GB = account('GB');

function rated(result: RateResult): RatedCall {
  if (result.kind !== 'rated') throw new Error(`expected rated, got ${result.code}: ${result.message}`);
  return result.call;
}

function rejected(result: RateResult): Rejection {
  if (result.kind !== 'rejected') throw new Error('expected a rejection');
  return result;
}

const LONDON = e164('+442079460958', 'GB', 'fixed');
const SAO_PAULO_MOBILE = e164('+5511987654321', 'BR', 'mobile');
const SAO_PAULO_FIXED = e164('+551133334444', 'BR', 'fixed');
const NEW_YORK = e164('+12125550123', 'US', 'fixed_or_mobile');

describe('billable time', () => {
  it('rounds 62 s up to 2 whole minutes (120 s) and prices them', () => {
    // US → London fixed, prefix 44 at 0.012/min. 62 s → 120 s = 2 min; 2 × 0.012 = 0.024.
    const c = rated(rate(call({ to: LONDON, talk: 62 }), US, tariff));
    expect(c).toMatchObject({
      call_type: 'international',
      billable: true,
      billable_seconds: 120,
      billable_minutes: '2',
      rate: '0.012',
      cost: '0.024',
      matched_prefix: '44',
      destination_country: 'GB',
      reason: null,
    });
  });

  it('bills 1 s as the 60 s minimum and exactly 60 s as 60 s', () => {
    expect(rated(rate(call({ to: LONDON, talk: 1 }), US, tariff)).billable_seconds).toBe(60);
    expect(rated(rate(call({ to: LONDON, talk: 60 }), US, tariff)).billable_seconds).toBe(60);
    expect(rated(rate(call({ to: LONDON, talk: 61 }), US, tariff)).billable_seconds).toBe(120);
  });

  it('gives 0 s of talk time 0 billable seconds, no minimum, cost 0', () => {
    const c = rated(rate(call({ to: LONDON, talk: 0 }), US, tariff));
    expect(c).toMatchObject({
      billable: false,
      billable_seconds: 0,
      billable_minutes: '0',
      cost: '0',
      reason: 'no talk time',
    });
    // The rate that would apply is still shown.
    expect(c.rate).toBe('0.012');
  });

  it('gives a call that was not answered 0 billable seconds whatever its duration', () => {
    for (const disposition of ['no_answer', 'busy', 'failed'] as const) {
      const c = rated(rate(call({ to: LONDON, talk: 30, disposition }), US, tariff));
      expect(c).toMatchObject({
        billable: false,
        billable_seconds: 0,
        cost: '0',
        reason: `not answered (${disposition})`,
      });
    }
  });

  it('rounds a BR account calling a Brazilian mobile to 6 s steps with a 30 s minimum', () => {
    // 7 s → 30 s minimum = 0.5 min; domestic, so no per-call price.
    const short = rated(rate(call({ to: SAO_PAULO_MOBILE, talk: 7 }), BR, tariff));
    expect(short).toMatchObject({
      call_type: 'domestic',
      billable_seconds: 30,
      billable_minutes: '0.5',
      rate: '0',
      cost: '0',
    });
    // 43 s → next multiple of 6 = 48 s = 0.8 min.
    const longer = rated(rate(call({ to: SAO_PAULO_MOBILE, talk: 43 }), BR, tariff));
    expect(longer).toMatchObject({ billable_seconds: 48, billable_minutes: '0.8' });
    // 31 s → 36 s = 0.6 min (the guide's "fractions such as 0.6").
    expect(rated(rate(call({ to: SAO_PAULO_MOBILE, talk: 31 }), BR, tariff)).billable_minutes).toBe('0.6');
  });

  it('rounds a BR account calling a Brazilian landline per minute', () => {
    // The Anatel row is for mobiles only: 7 s → 60 s.
    expect(rated(rate(call({ to: SAO_PAULO_FIXED, talk: 7 }), BR, tariff)).billable_seconds).toBe(60);
  });

  it('rates a US account calling a Brazilian mobile as international, per minute', () => {
    // Prefix 55119 (São Paulo mobile) at 0.0925/min; 7 s → 60 s = 1 min; 1 × 0.0925 = 0.0925.
    // 43 s → 60 s as well: the 6-second rule is for calls placed in Brazil only.
    const c = rated(rate(call({ to: SAO_PAULO_MOBILE, talk: 7 }), US, tariff));
    expect(c).toMatchObject({
      call_type: 'international',
      billable_seconds: 60,
      billable_minutes: '1',
      rate: '0.0925',
      cost: '0.0925',
      matched_prefix: '55119',
    });
    expect(rated(rate(call({ to: SAO_PAULO_MOBILE, talk: 43 }), US, tariff)).billable_seconds).toBe(60);
  });

  it('rounds fractional talk time up to a whole second first', () => {
    // 30.2 s → 31 s → BR mobile 36 s.
    expect(rated(rate(call({ to: SAO_PAULO_MOBILE, talk: 30.2 }), BR, tariff)).billable_seconds).toBe(36);
  });
});

describe('classification', () => {
  it('rates a Canadian account calling a US number as international, at the CA row', () => {
    // Origin-specific row CA,1 = 0.0085 beats *,1 = 0.01. 120 s = 2 min; 2 × 0.0085 = 0.017.
    const c = rated(rate(call({ to: NEW_YORK, talk: 120 }), CA, tariff));
    expect(c).toMatchObject({
      call_type: 'international',
      rate: '0.0085',
      cost: '0.017',
      matched_prefix: '1',
    });
  });

  it('rates a US account calling a US number as domestic plan minutes', () => {
    const c = rated(rate(call({ to: NEW_YORK, talk: 90 }), US, tariff));
    expect(c).toMatchObject({
      call_type: 'domestic',
      billable: true,
      billable_seconds: 120,
      billable_minutes: '2',
      rate: '0',
      cost: '0',
    });
    expect(c.matched_prefix).toBeNull();
  });

  it('rates a US account calling Puerto Rico as domestic (a US territory)', () => {
    const c = rated(rate(call({ to: e164('+17872345678', 'PR', 'fixed_or_mobile'), talk: 60 }), US, tariff));
    expect(c).toMatchObject({ call_type: 'domestic', destination_country: 'PR', cost: '0' });
  });

  it('rates a US account calling a Puerto Rico premium prefix as domestic metered', () => {
    // Premium 1787555 at 0.35/min; 61 s → 120 s = 2 min; 2 × 0.35 = 0.7.
    const c = rated(rate(call({ to: e164('+17875551234', 'PR', 'fixed_or_mobile'), talk: 61 }), US, tariff));
    expect(c).toMatchObject({
      call_type: 'domestic_metered',
      rate: '0.35',
      cost: '0.7',
      matched_prefix: '1787555',
    });
  });

  it('checks premium prefixes before domestic: US 1-900 is domestic metered', () => {
    // 1900 at 2.49/min; 30 s → 60 s = 1 min; cost 2.49.
    const c = rated(rate(call({ to: e164('+19005551234', 'US', 'premium'), talk: 30 }), US, tariff));
    expect(c).toMatchObject({ call_type: 'domestic_metered', rate: '2.49', cost: '2.49' });
  });

  it('decides premium by the account country’s premium rows, before the country test', () => {
    // +1 900 is a US number to libphonenumber, but premium.csv lists 1900 for CA accounts (2.29/min),
    // and premium prefixes are checked first: a CA account calling 1-900 is domestic metered.
    const c = rated(rate(call({ to: e164('+19005551234', 'US', 'premium'), talk: 60 }), CA, tariff));
    expect(c).toMatchObject({ call_type: 'domestic_metered', rate: '2.29' });
  });

  it('counts extension-to-extension calls as internal plan minutes', () => {
    const c = rated(
      rate(
        call({ from: extension('101'), to: extension('102'), talk: 10, direction: 'internal' }),
        US,
        tariff,
      ),
    );
    expect(c).toMatchObject({
      call_type: 'internal',
      billable: true,
      billable_seconds: 60,
      billable_minutes: '1',
      rate: '0',
      cost: '0',
      destination: '102',
      destination_country: null,
    });
  });

  it('rates inbound calls to the account’s toll-free numbers at the toll-free rate', () => {
    const tollFree = account('US', { tollFreeNumbers: new Set(['+18005550199']) });
    // 1800 at 0.025/min; 121 s → 180 s = 3 min; 3 × 0.025 = 0.075.
    const c = rated(
      rate(
        call({
          from: NEW_YORK,
          to: e164('+18005550199', 'US', 'toll_free'),
          talk: 121,
          direction: 'inbound',
        }),
        tollFree,
        tariff,
      ),
    );
    expect(c).toMatchObject({
      call_type: 'inbound_toll_free',
      billable: true,
      rate: '0.025',
      cost: '0.075',
      matched_prefix: '1800',
    });
  });

  it('does not charge other inbound calls', () => {
    const c = rated(rate(call({ from: LONDON, to: NEW_YORK, talk: 300, direction: 'inbound' }), US, tariff));
    expect(c).toMatchObject({
      call_type: 'inbound',
      billable: false,
      billable_seconds: 0,
      cost: '0',
      rate: '0',
    });
    expect(c.reason).toMatch(/inbound/);
  });

  it('infers the direction from the account’s numbers when the record has none', () => {
    const own = account('US', {
      numbers: new Set(['+12125550100']),
      tollFreeNumbers: new Set(['+18885550100']),
    });
    const base = { talk: 60 } as const;
    const infer = (from: ReturnType<typeof e164>, to: ReturnType<typeof e164>): string => {
      const cdr = { ...call({ ...base, from, to }), direction: undefined };
      return rated(rate(cdr, own, tariff)).call_type;
    };
    expect(infer(e164('+12125550100', 'US'), LONDON)).toBe('international');
    expect(infer(LONDON, e164('+12125550100', 'US'))).toBe('inbound');
    expect(infer(LONDON, e164('+18885550100', 'US', 'toll_free'))).toBe('inbound_toll_free');
    expect(infer(extension('101'), extension('102'))).toBe('internal');
    expect(infer(e164('+12125550100', 'US'), extension('102'))).toBe('internal');
    expect(infer(LONDON, extension('102'))).toBe('inbound');
  });

  it('rates an outbound call to an extension as internal', () => {
    expect(rated(rate(call({ to: extension('205'), talk: 5 }), US, tariff)).call_type).toBe('internal');
  });
});

describe('prefix matching', () => {
  it('uses the longest matching prefix', () => {
    // +4915112345678: prefixes 49 (0.015) and 4915 (0.063) match; 4915 wins.
    const c = rated(rate(call({ to: e164('+4915112345678', 'DE', 'mobile'), talk: 60 }), US, tariff));
    expect(c).toMatchObject({ matched_prefix: '4915', rate: '0.063' });
  });

  it('prefers the origin’s row at equal length and a longer * row over a shorter origin row', () => {
    // GB,33 (0.0095) beats *,33 (0.014) for a GB account; but *,336 (0.049) is longer than GB,33.
    expect(rated(rate(call({ to: e164('+33142681234', 'FR'), talk: 60 }), GB, tariff)).rate).toBe('0.0095');
    expect(rated(rate(call({ to: e164('+33612345678', 'FR', 'mobile'), talk: 60 }), GB, tariff)).rate).toBe(
      '0.049',
    );
  });
});

describe('effective dating', () => {
  // UK mobile 447: 0.045 from 2024-01-01, 0.038 from 2026-01-01.
  const UK_MOBILE = e164('+447400123456', 'GB', 'mobile');

  it('applies the rate in force on the UTC date of the start, not the local date', () => {
    // 2025-12-31T23:30-05:00 is 2026-01-01T04:30Z → the new rate 0.038.
    const lateLocal = rated(
      rate(call({ to: UK_MOBILE, talk: 60, start: '2025-12-31T23:30:00-05:00' }), US, tariff),
    );
    expect(lateLocal).toMatchObject({ rate: '0.038', cost: '0.038', start_time: '2026-01-01T04:30:00Z' });
    // 2026-01-01T00:30+01:00 is 2025-12-31T23:30Z → the old rate 0.045.
    const earlyLocal = rated(
      rate(call({ to: UK_MOBILE, talk: 60, start: '2026-01-01T00:30:00+01:00' }), US, tariff),
    );
    expect(earlyLocal).toMatchObject({ rate: '0.045', start_time: '2025-12-31T23:30:00Z' });
  });

  it('falls back to a shorter prefix when the longer one is not yet in force', () => {
    const sources = defaultSources();
    sources['international.csv'] += '*,4479,0.5,UK mobile special,2027-01-01\n';
    const future = compile(sources);
    const to = e164('+447912345678', 'GB', 'mobile');
    expect(rated(rate(call({ to, talk: 60 }), US, future)).matched_prefix).toBe('447');
    expect(
      rated(rate(call({ to, talk: 60, start: '2027-01-01T00:00:00Z' }), US, future)).matched_prefix,
    ).toBe('4479');
  });

  it('rejects a call before any rate of its destination exists', () => {
    const r = rejected(rate(call({ to: LONDON, talk: 60, start: '2023-12-31T23:59:59Z' }), US, tariff));
    expect(r.code).toBe('NO_RATE');
  });
});

describe('billing start', () => {
  it('rates but does not charge usage before the billing start date', () => {
    const late = account('US', { billingStartDay: parseIsoDate('2026-03-01')! });
    const c = rated(rate(call({ to: LONDON, talk: 62, start: '2026-02-28T23:59:00Z' }), late, tariff));
    expect(c).toMatchObject({
      call_type: 'international',
      billable: false,
      billable_seconds: 0,
      cost: '0',
      rate: '0.012',
      reason: 'before billing start date 2026-03-01',
    });
    // From the start date on, it is charged.
    expect(
      rated(rate(call({ to: LONDON, talk: 62, start: '2026-03-01T00:00:00Z' }), late, tariff)).billable,
    ).toBe(true);
  });
});

describe('exact money', () => {
  it('keeps six-decimal rates exact: 2 min × 0.187654 = 0.375308', () => {
    const c = rated(rate(call({ to: e164('+995322123456', 'GE'), talk: 61 }), US, tariff));
    expect(c).toMatchObject({ rate: '0.187654', cost: '0.375308' });
  });

  it('keeps fractional minutes exact: 0.1 min × 0.123457 = 0.0123457 (7 decimals, unrounded)', () => {
    const sources = defaultSources();
    sources['rounding.csv'] += 'US,*,*,6,6,2000-01-01\n';
    const sixSecond = compile(sources);
    const c = rated(
      rate(
        call({ to: e164('+995322123456', 'GE'), talk: 5 }),
        US,
        compile({
          ...sources,
          'international.csv': sources['international.csv'] + '*,99532,0.123457,Tbilisi,2024-01-01\n',
        }),
      ),
    );
    expect(c).toMatchObject({
      billable_seconds: 6,
      billable_minutes: '0.1',
      rate: '0.123457',
      cost: '0.0123457',
    });
    // 9 s → 12 s = 0.2 min at 0.187654 = 0.0375308.
    expect(rated(rate(call({ to: e164('+995412123456', 'GE'), talk: 9 }), US, sixSecond)).cost).toBe(
      '0.0375308',
    );
  });

  it('computes costs beyond 2^53 nano-units with BigInt, still exact', () => {
    const sources = defaultSources();
    sources['international.csv'] += '*,88213,999999.999999999,Expensive test network,2024-01-01\n';
    const expensive = compile(sources);
    // 10,000 minutes × 999999.999999999 = 9999999999.99999 (exact).
    const c = rated(rate(call({ to: e164('+882130000000', 'XX', 'other'), talk: 600_000 }), US, expensive));
    expect(c).toMatchObject({ billable_minutes: '10000', cost: '9999999999.99999' });
  });
});

describe('rejections', () => {
  it('rejects an unknown account with UNKNOWN_ACCOUNT', () => {
    expect(rejected(rate(call({ to: LONDON, talk: 1 }), undefined, tariff)).code).toBe('UNKNOWN_ACCOUNT');
  });

  it('rejects an unreadable called number with BAD_NUMBER', () => {
    expect(rejected(rate(call({ to: { kind: 'unparsed', raw: 'abc' }, talk: 1 }), US, tariff)).code).toBe(
      'BAD_NUMBER',
    );
  });

  it('rejects an international destination without a rate with NO_RATE, never pricing it at 0', () => {
    const r = rejected(rate(call({ to: e164('+6761234567', 'TO'), talk: 60 }), US, tariff));
    expect(r.code).toBe('NO_RATE');
    expect(r.message).toContain('+6761234567');
  });

  it('rejects an inbound toll-free call without a toll-free rate with NO_RATE', () => {
    const br = account('BR', { tollFreeNumbers: new Set(['+553003334444']) });
    const r = rejected(
      rate(
        call({ to: e164('+553003334444', 'BR'), from: LONDON, talk: 60, direction: 'inbound' }),
        br,
        tariff,
      ),
    );
    expect(r.code).toBe('NO_RATE');
  });

  it('rejects a call without an applicable rounding rule with NO_RATE', () => {
    const sources = {
      ...defaultSources(),
      'rounding.csv':
        'origin_country,destination_country,destination_type,increment_sec,minimum_sec,effective_from\nBR,BR,*,60,60,2024-01-01\n',
    };
    expect(rejected(rate(call({ to: LONDON, talk: 60 }), US, compile(sources))).code).toBe('NO_RATE');
  });
});

describe('output fields', () => {
  it('stamps the account currency, UTC times and the numbers as E.164', () => {
    const c = rated(
      rate(
        call({ to: LONDON, talk: 62, start: '2026-03-02T07:00:00.250-03:00' }),
        { ...US, currency: 'EUR' },
        tariff,
      ),
    );
    expect(c).toMatchObject({
      currency: 'EUR',
      source: '+12125550100',
      destination: '+442079460958',
      start_time: '2026-03-02T10:00:00.250Z',
      end_time: '2026-03-02T10:01:02.250Z',
      duration_sec: 62,
    });
  });
});
