import {
  checkAccountId,
  formatMonth,
  monthStartSeconds,
  parseInvoiceMonth,
  parseUsageMonth,
  usageMonthOfInvoice,
} from '@cdrate/billing';

describe('months', () => {
  it('parses YYYY-MM usage months within 2000-01..2099-12', () => {
    expect(parseUsageMonth('2026-01')).toEqual({ ok: true, value: { year: 2026, month: 1 } });
    expect(parseUsageMonth('2099-12').ok).toBe(true);
    for (const bad of [
      '2026-13',
      '2026-00',
      '2026-1',
      '26-01',
      '1999-12',
      '2100-01',
      ' 2026-01',
      '2026-01x',
      '',
    ]) {
      const result = parseUsageMonth(bad);
      expect(result.ok).toBe(false);
    }
  });

  it('says what is allowed when a month is refused', () => {
    expect(parseUsageMonth('2026-13')).toEqual({
      ok: false,
      reason: 'month must be YYYY-MM between 2000-01 and 2099-12, got "2026-13"',
    });
  });

  it('bills the usage of the month before the invoice month, across a year end', () => {
    const february = parseInvoiceMonth('2026-02');
    expect(february.ok && formatMonth(usageMonthOfInvoice(february.value))).toBe('2026-01');
    const january = parseInvoiceMonth('2026-01');
    expect(january.ok && formatMonth(usageMonthOfInvoice(january.value))).toBe('2025-12');
    expect(parseInvoiceMonth('2000-01').ok).toBe(false);
    expect(parseInvoiceMonth('2100-01').ok).toBe(true);
  });

  it('gives the first instant of a month in UTC', () => {
    expect(monthStartSeconds({ year: 2026, month: 2 })).toBe(Date.UTC(2026, 1, 1) / 1000);
    expect(monthStartSeconds({ year: 2026, month: 13 })).toBe(Date.UTC(2027, 0, 1) / 1000);
  });
});

describe('account ids', () => {
  it('accepts ids of letters, digits and . _ : @ - up to 128 characters', () => {
    for (const id of ['acct-00001', 'acme-us', 'A', 'org:team@x.y_z', 'a'.repeat(128)]) {
      expect(checkAccountId(id)).toEqual({ ok: true, value: id });
    }
  });

  it('refuses empty, long, spaced, quoted, slashed or non-ASCII ids', () => {
    for (const id of ['', 'a'.repeat(129), 'a b', "a'b", 'a/b', '../x', '-a', 'é', 'a\n', '%41']) {
      expect(checkAccountId(id).ok).toBe(false);
    }
  });
});
