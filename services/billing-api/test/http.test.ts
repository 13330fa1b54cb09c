import { parseBillingRequest, tokenMatcher } from '../src/http.js';
import { loadBillingApiConfig } from '../src/config.js';

const TOKEN = 'test-token-0123456789';
const authorized = tokenMatcher(TOKEN);
const BEARER = `Bearer ${TOKEN}`;

function parse(url: string, authorization: string | undefined = BEARER, method = 'GET') {
  return parseBillingRequest(method, url, authorization, authorized);
}

function parseWithout(url: string) {
  return parseBillingRequest('GET', url, undefined, authorized);
}

describe('billing API requests', () => {
  it('reads a usage request', () => {
    expect(parse('/accounts/acme-us/usage?month=2026-01')).toEqual({
      ok: true,
      request: { route: 'usage', accountId: 'acme-us', month: { year: 2026, month: 1 } },
    });
  });

  it('reads a billed-calls request and bills the month before the invoice month', () => {
    expect(parse('/accounts/acme-us/billed-calls.csv?invoice_month=2026-01')).toEqual({
      ok: true,
      request: {
        route: 'billed_calls',
        accountId: 'acme-us',
        invoiceMonth: { year: 2026, month: 1 },
        usageMonth: { year: 2025, month: 12 },
      },
    });
  });

  it('is 404 for an unknown path, 405 for another method', () => {
    expect(parse('/accounts/acme-us/invoice?month=2026-01')).toMatchObject({
      ok: false,
      problem: { status: 404 },
    });
    expect(parse('/accounts/a/b/usage?month=2026-01')).toMatchObject({ ok: false, problem: { status: 404 } });
    expect(parse('/accounts/acme-us/usage?month=2026-01', BEARER, 'POST')).toMatchObject({
      ok: false,
      problem: { status: 405, route: 'usage' },
    });
  });

  it('is 401 without the token, with a wrong one, or another scheme, before looking at the input', () => {
    expect(parseWithout('/accounts/a%20b/usage?month=bad')).toMatchObject({
      ok: false,
      problem: { status: 401 },
    });
    for (const authorization of [
      '',
      'Bearer wrong-token-0123456789',
      `Basic ${TOKEN}`,
      TOKEN,
      `Bearer ${TOKEN} x`,
    ]) {
      expect(parse('/accounts/a%20b/usage?month=bad', authorization)).toMatchObject({
        ok: false,
        problem: { status: 401, error: 'unauthorized' },
      });
    }
    expect(parse('/accounts/acme-us/usage?month=2026-01', `bearer ${TOKEN}`).ok).toBe(true);
  });

  it('is 400 with a reason for a bad account id', () => {
    for (const id of ['a%20b', "x'", '%41', '', 'a'.repeat(129), '..']) {
      expect(parse(`/accounts/${id}/usage?month=2026-01`)).toMatchObject({
        ok: false,
        problem: { status: 400, error: 'bad_request', message: expect.stringContaining('account id') },
      });
    }
  });

  it('is 400 with a reason for a bad, missing, repeated or unknown parameter', () => {
    expect(parse('/accounts/a/usage?month=2026-13')).toMatchObject({
      problem: { status: 400, message: 'month must be YYYY-MM between 2000-01 and 2099-12, got "2026-13"' },
    });
    expect(parse('/accounts/a/usage')).toMatchObject({ problem: { status: 400 } });
    expect(parse('/accounts/a/usage?month=2026-01&month=2026-02')).toMatchObject({
      problem: { status: 400 },
    });
    expect(parse('/accounts/a/usage?month=2026-01&x=1')).toMatchObject({
      problem: { status: 400, message: 'unknown query parameter "x"; only month' },
    });
    expect(parse('/accounts/a/billed-calls.csv?month=2026-01')).toMatchObject({ problem: { status: 400 } });
    expect(parse('/accounts/a/billed-calls.csv?invoice_month=2000-01')).toMatchObject({
      problem: { status: 400 },
    });
  });
});

describe('billing API configuration', () => {
  it('requires a token of at least 16 characters and never echoes it', () => {
    expect(() => loadBillingApiConfig({})).toThrow(/BILLING_API_TOKEN: missing/);
    expect(() => loadBillingApiConfig({ BILLING_API_TOKEN: 'short-secret' })).toThrow(
      /<redacted> is not valid/,
    );
    try {
      loadBillingApiConfig({ BILLING_API_TOKEN: 'short-secret' });
    } catch (error) {
      expect((error as Error).message).not.toContain('short-secret');
    }
  });

  it('has the documented defaults', () => {
    const config = loadBillingApiConfig({ BILLING_API_TOKEN: TOKEN });
    expect(config).toMatchObject({
      httpPort: 9474,
      httpHost: '127.0.0.1',
      topicAccounts: 'accounts',
      clickhouseDatabase: 'cdr',
      kafkaBrokers: ['127.0.0.1:9092'],
    });
  });
});
