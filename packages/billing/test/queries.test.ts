import { billedCallsQuery, usageTotalsQuery } from '@cdrate/billing';

const target = { database: 'cdr', accountId: 'acme-us', month: { year: 2026, month: 1 } };

describe('billing SQL', () => {
  it('reads months M−1..M+1, deduplicates by argMax, then keeps month M of the latest start', () => {
    const text = usageTotalsQuery(target).text;
    expect(text).toContain('FROM `cdr`.`rated_calls`');
    expect(text).toContain(`start_time >= toDateTime(${Date.UTC(2025, 11, 1) / 1000}, 'UTC')`);
    expect(text).toContain(`start_time < toDateTime(${Date.UTC(2026, 2, 1) / 1000}, 'UTC')`);
    expect(text).toContain('GROUP BY account_id, cdr_id');
    expect(text).toContain("HAVING toYYYYMM(latest_start, 'UTC') = 202601 AND latest_billable = 1");
    expect(text).toContain("account_id = 'acme-us'");
  });

  it('orders the billed calls by start time, milliseconds and cdr_id, billed types only', () => {
    const text = billedCallsQuery(target).text;
    expect(text).toMatch(/ORDER BY latest_start, latest_start_ms, cdr_id$/);
    expect(text).toContain("latest_type IN ('inbound_toll_free', 'international', 'domestic_metered')");
  });

  it('renders an account id as a string literal whatever it holds', () => {
    const text = usageTotalsQuery({ ...target, accountId: "x' OR 1=1 --\\" }).text;
    expect(text).toContain("account_id = 'x\\' OR 1=1 --\\\\'");
  });

  it('refuses a database name that is not an identifier', () => {
    expect(() => usageTotalsQuery({ ...target, database: 'cdr; DROP TABLE x' })).toThrow(TypeError);
  });
});
