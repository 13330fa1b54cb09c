import { computeUsage, formatUsageTable } from '@cdrate/billing';

describe('usage table', () => {
  it('prints the lines as an invoice does, numbers exactly as in the JSON', () => {
    const report = computeUsage({
      accountId: 'acme-us',
      month: { year: 2026, month: 1 },
      plan: { includedMinutes: '3', overageRate: '0.02', currency: 'USD' },
      totals: [
        { callType: 'domestic', currency: 'USD', calls: 4, minutes: '8', cost: '0' },
        { callType: 'international', currency: 'USD', calls: 3, minutes: '3', cost: '0.375' },
      ],
    });
    expect(formatUsageTable(report)).toBe(
      [
        'Account acme-us: usage of January 2026 (2026-01), billed on the February 2026 invoice',
        'Plan: 3 included minutes; currency USD',
        '',
        'Usage line                            Minutes  Charge (USD)',
        '-----------------------------------------------------------',
        'Included Minutes in Plan                    3          0.00',
        'Outbound Minutes Overages                   5          0.10',
        'Domestic Premium Minutes Not in Plan        0          0.00',
        'Toll-Free Phone Numbers (DID)               0          0.00',
        'International Phone Numbers (DID)           3          0.38',
        '-----------------------------------------------------------',
        'Total usage charges                                    0.48',
        '',
      ].join('\n'),
    );
  });
});
