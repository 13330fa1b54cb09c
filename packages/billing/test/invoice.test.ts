import {
  computeUsage,
  CurrencyMismatchError,
  formatFixed,
  formatUnits,
  LINE_ITEMS,
  normaliseDecimal,
  parseUnits,
  planOf,
  roundHalfUp,
  type CallTypeTotals,
  type UsageReport,
} from '@cdrate/billing';

const JANUARY = { year: 2026, month: 1 };
const US_PLAN = { includedMinutes: '3', overageRate: '0.02', currency: 'USD' };

function totals(
  callType: string,
  calls: number,
  minutes: string,
  cost: string,
  currency = 'USD',
): CallTypeTotals {
  return { callType, currency, calls, minutes, cost };
}

function line(report: UsageReport, item: (typeof LINE_ITEMS)[number]): { minutes: string; charge: string } {
  const found = report.lines.find((l) => l.line_item === item);
  if (found === undefined) throw new Error(`no line ${item}`);
  return { minutes: found.minutes, charge: found.charge };
}

describe('exact decimals', () => {
  it('parses padded and unpadded ClickHouse decimals to the same units', () => {
    expect(parseUnits('0.37500000000', 11)).toBe(37_500_000_000n);
    expect(parseUnits('0.375', 11)).toBe(37_500_000_000n);
    expect(parseUnits('5', 6)).toBe(5_000_000n);
    expect(parseUnits('-1.5', 2)).toBe(-150n);
  });

  it('refuses digits beyond the scale instead of rounding them', () => {
    expect(() => parseUnits('0.1234567', 6)).toThrow(TypeError);
    expect(() => parseUnits('1e3', 6)).toThrow(TypeError);
    expect(() => parseUnits(' 1', 6)).toThrow(TypeError);
  });

  it('rounds half-up to cents: 0.375 → 0.38, 0.374999 → 0.37, 0.125 → 0.13', () => {
    expect(formatFixed(roundHalfUp(parseUnits('0.375', 11), 11, 2), 2)).toBe('0.38');
    expect(formatFixed(roundHalfUp(parseUnits('0.374999', 11), 11, 2), 2)).toBe('0.37');
    expect(formatFixed(roundHalfUp(parseUnits('0.125', 11), 11, 2), 2)).toBe('0.13');
    expect(formatFixed(roundHalfUp(parseUnits('-0.125', 11), 11, 2), 2)).toBe('-0.13');
    expect(formatFixed(0n, 2)).toBe('0.00');
    expect(formatFixed(1234567n, 2)).toBe('12345.67');
  });

  it('sums far beyond the safe-integer range stay exact', () => {
    // 10 million calls of 9,999.99999999999 each at scale 11: ~1e22 units, well past 2^53.
    // Exact sum 99,999,999,999.9999; half-up to cents: 100,000,000,000.00.
    const sum = parseUnits('9999.99999999999', 11) * 10_000_000n;
    expect(formatUnits(sum, 11)).toBe('99999999999.9999');
    expect(formatFixed(roundHalfUp(sum, 11, 2), 2)).toBe('100000000000.00');
  });

  it('normalises 18.16-padded and modern decimal text to the shortest exact form', () => {
    expect(normaliseDecimal('0.12500000000')).toBe('0.125');
    expect(normaliseDecimal('1.100000')).toBe('1.1');
    expect(normaliseDecimal('62.500')).toBe('62.5');
    expect(normaliseDecimal('60.000')).toBe('60');
    expect(normaliseDecimal('0.000000000')).toBe('0');
    expect(normaliseDecimal('100')).toBe('100');
    expect(normaliseDecimal('0.125')).toBe('0.125');
    expect(normaliseDecimal('007')).toBe('7');
    expect(normaliseDecimal('00.500')).toBe('0.5');
    for (const bad of ['-1', '.5', '5.', '1.2.3', '1e3', ' 1', '1,5']) {
      expect(() => normaliseDecimal(bad)).toThrow(TypeError);
    }
    expect(() => normaliseDecimal('')).toThrow(TypeError);
  });
});

describe('usage lines of an invoice', () => {
  it('lists all five lines in invoice order, zero lines included, with nothing used', () => {
    const report = computeUsage({ accountId: 'acme-us', month: JANUARY, plan: US_PLAN, totals: [] });
    expect(report).toEqual({
      account_id: 'acme-us',
      month: '2026-01',
      currency: 'USD',
      included_minutes: '3',
      lines: LINE_ITEMS.map((item) => ({ line_item: item, minutes: '0', charge: '0.00' })),
      total_charge: '0.00',
    });
  });

  it('charges the minutes above the included ones at the overage rate', () => {
    // Four domestic calls of 61 s each: billed per started minute, 2 minutes each = 8 plan minutes.
    // Included: min(8, 3) = 3 minutes, charge 0. Overage: 8 − 3 = 5 minutes × 0.02 = 0.10.
    const report = computeUsage({
      accountId: 'acme-us',
      month: JANUARY,
      plan: US_PLAN,
      totals: [totals('domestic', 4, '8.000000', '0.00000000000')],
    });
    expect(line(report, 'Included Minutes in Plan')).toEqual({ minutes: '3', charge: '0.00' });
    expect(line(report, 'Outbound Minutes Overages')).toEqual({ minutes: '5', charge: '0.10' });
    expect(report.total_charge).toBe('0.10');
  });

  it('counts internal (extension) minutes as plan minutes with domestic ones', () => {
    // 2 domestic + 1.5 internal = 3.5 plan minutes; 3 included; 0.5 overage × 0.02 = 0.01.
    const report = computeUsage({
      accountId: 'a',
      month: JANUARY,
      plan: US_PLAN,
      totals: [totals('domestic', 1, '2', '0'), totals('internal', 1, '1.5', '0')],
    });
    expect(line(report, 'Included Minutes in Plan').minutes).toBe('3');
    expect(line(report, 'Outbound Minutes Overages')).toEqual({ minutes: '0.5', charge: '0.01' });
  });

  it('shows the plan minutes used when below the included minutes, with no overage', () => {
    const report = computeUsage({
      accountId: 'a',
      month: JANUARY,
      plan: { ...US_PLAN, includedMinutes: '100' },
      totals: [totals('domestic', 3, '7', '0')],
    });
    expect(line(report, 'Included Minutes in Plan')).toEqual({ minutes: '7', charge: '0.00' });
    expect(line(report, 'Outbound Minutes Overages')).toEqual({ minutes: '0', charge: '0.00' });
  });

  it('rounds a line once after summing: three calls of 0.125 make 0.38, not 3 × 0.13 = 0.39', () => {
    // 0.125 + 0.125 + 0.125 = 0.375 → half-up to cents once → 0.38.
    const report = computeUsage({
      accountId: 'a',
      month: JANUARY,
      plan: US_PLAN,
      totals: [totals('international', 3, '3.000000', '0.37500000000')],
    });
    expect(line(report, 'International Phone Numbers (DID)')).toEqual({ minutes: '3', charge: '0.38' });
    expect(report.total_charge).toBe('0.38');
  });

  it('keeps fractional minutes of Brazilian mobile calls exact', () => {
    // A BR account calling BR mobiles: 66 s → 6 s steps → 1.1 minutes; 31 s → 36 s → 0.6 minutes.
    // Plan minutes 1.7; 1 included; 0.7 overage × 0.05 = 0.035 → 0.04.
    const report = computeUsage({
      accountId: 'br-1',
      month: JANUARY,
      plan: { includedMinutes: '1', overageRate: '0.05', currency: 'BRL' },
      totals: [totals('domestic', 2, '1.700000', '0', 'BRL')],
    });
    expect(line(report, 'Included Minutes in Plan')).toEqual({ minutes: '1', charge: '0.00' });
    expect(line(report, 'Outbound Minutes Overages')).toEqual({ minutes: '0.7', charge: '0.04' });
    expect(report.currency).toBe('BRL');
  });

  it('puts metered, toll-free and international calls on their own lines and totals the rounded lines', () => {
    // Metered 0.005 → 0.01; toll-free 0.3333 → 0.33; international 1.005 → 1.01; total 1.35.
    const report = computeUsage({
      accountId: 'a',
      month: JANUARY,
      plan: US_PLAN,
      totals: [
        totals('domestic_metered', 1, '1', '0.005'),
        totals('inbound_toll_free', 2, '2', '0.3333'),
        totals('international', 1, '1', '1.005'),
        totals('inbound', 9, '9', '0'),
      ],
    });
    expect(report.lines.map((l) => [l.minutes, l.charge])).toEqual([
      ['0', '0.00'],
      ['0', '0.00'],
      ['1', '0.01'],
      ['2', '0.33'],
      ['1', '1.01'],
    ]);
    expect(report.total_charge).toBe('1.35');
  });

  it('refuses calls rated in another currency than the account', () => {
    expect(() =>
      computeUsage({
        accountId: 'a',
        month: JANUARY,
        plan: US_PLAN,
        totals: [totals('international', 2, '2', '0.5', 'EUR')],
      }),
    ).toThrow(CurrencyMismatchError);
  });
});

describe('plan of an account', () => {
  it('turns the rating core account fields into exact text', () => {
    expect(planOf({ includedMinutes: 3, overageRate: '0.020', currency: 'USD' })).toEqual({
      includedMinutes: '3',
      overageRate: '0.02',
      currency: 'USD',
    });
    expect(planOf({ includedMinutes: 2.5, overageRate: '0.02', currency: 'USD' }).includedMinutes).toBe(
      '2.5',
    );
  });

  it('refuses included minutes no invoice can be made from', () => {
    expect(() => planOf({ includedMinutes: -1, overageRate: '0.02', currency: 'USD' })).toThrow(TypeError);
    expect(() => planOf({ includedMinutes: NaN, overageRate: '0.02', currency: 'USD' })).toThrow(TypeError);
    expect(() => planOf({ includedMinutes: 1e-7, overageRate: '0.02', currency: 'USD' })).toThrow(TypeError);
  });
});
