/**
 * Reading a billing API request: route, method, bearer token, account id and month. Pure (no I/O), so every
 * refusal is unit-tested. No value reaches SQL unless it passed these checks (and the `sql` tag renders it
 * as a literal in any case).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  checkAccountId,
  parseInvoiceMonth,
  parseUsageMonth,
  usageMonthOfInvoice,
  type Month,
} from '@cdrate/billing';
import type { RouteLabel } from './metrics.js';

/** A request the API will answer. */
export type BillingRequest =
  | { readonly route: 'usage'; readonly accountId: string; readonly month: Month }
  | {
      readonly route: 'billed_calls';
      readonly accountId: string;
      readonly invoiceMonth: Month;
      readonly usageMonth: Month;
    };

/** Why a request is refused, as the JSON error body says it: `{ "error": …, "message": … }`. */
export interface RequestProblem {
  readonly status: 400 | 401 | 404 | 405;
  readonly error: 'bad_request' | 'unauthorized' | 'not_found' | 'method_not_allowed';
  readonly message: string;
  readonly route: RouteLabel;
}

export type ParsedRequest =
  | { readonly ok: true; readonly request: BillingRequest }
  | { readonly ok: false; readonly problem: RequestProblem };

const ROUTE = /^\/accounts\/([^/]*)\/(usage|billed-calls\.csv)$/;
/** Query parameter each route requires; no other parameter is accepted. */
const PARAMETER = { usage: 'month', billed_calls: 'invoice_month' } as const;

/** True when `path` is under `/accounts/` (the API owns it; anything else is the runtime's 404). */
export function isApiPath(path: string): boolean {
  return path.startsWith('/accounts/');
}

/** A token compared in constant time: both sides hashed to 32 bytes first, so lengths do not leak either. */
export function tokenMatcher(expected: string): (authorization: string | undefined) => boolean {
  const digest = createHash('sha256').update(expected, 'utf8').digest();
  return (authorization) => {
    const match = /^Bearer ([\x21-\x7e]+)$/i.exec(authorization ?? '');
    const given = createHash('sha256')
      .update(match?.[1] ?? '', 'utf8')
      .digest();
    return timingSafeEqual(given, digest) && match !== null;
  };
}

function refuse(
  status: RequestProblem['status'],
  error: RequestProblem['error'],
  message: string,
  route: RouteLabel,
): ParsedRequest {
  return { ok: false, problem: { status, error, message, route } };
}

/**
 * Checks, in this order: the route (`GET /accounts/{id}/usage?month=YYYY-MM`,
 * `GET /accounts/{id}/billed-calls.csv?invoice_month=YYYY-MM`; 404), the method (405), the bearer token
 * (401), the account id (400; the raw path segment must match `ACCOUNT_ID_PATTERN`, so percent-encoded ids
 * are refused) and the query: exactly the route's one parameter, once (400).
 */
export function parseBillingRequest(
  method: string | undefined,
  url: string,
  authorization: string | undefined,
  authorized: (authorization: string | undefined) => boolean,
): ParsedRequest {
  const question = url.indexOf('?');
  const path = question < 0 ? url : url.slice(0, question);
  const match = ROUTE.exec(path);
  if (match === null) return refuse(404, 'not_found', `no route for ${path}`, 'unmatched');
  const route = match[2] === 'usage' ? 'usage' : 'billed_calls';
  if (method !== 'GET') return refuse(405, 'method_not_allowed', 'only GET is allowed', route);
  if (!authorized(authorization)) {
    return refuse(401, 'unauthorized', 'a valid "Authorization: Bearer <token>" header is required', route);
  }
  const id = checkAccountId(match[1] ?? '');
  if (!id.ok) return refuse(400, 'bad_request', id.reason, route);

  let params: URLSearchParams;
  try {
    params = new URLSearchParams(question < 0 ? '' : url.slice(question + 1));
  } catch {
    return refuse(400, 'bad_request', 'the query string cannot be read', route);
  }
  const wanted = PARAMETER[route];
  const unknown = [...new Set(params.keys())].filter((key) => key !== wanted);
  if (unknown.length > 0) {
    return refuse(
      400,
      'bad_request',
      `unknown query parameter ${JSON.stringify(unknown[0])}; only ${wanted}`,
      route,
    );
  }
  const values = params.getAll(wanted);
  if (values.length !== 1) {
    return refuse(400, 'bad_request', `query parameter ${wanted}=YYYY-MM is required, once`, route);
  }
  if (route === 'usage') {
    const month = parseUsageMonth(values[0] ?? '');
    return month.ok
      ? { ok: true, request: { route, accountId: id.value, month: month.value } }
      : refuse(400, 'bad_request', month.reason, route);
  }
  const invoiceMonth = parseInvoiceMonth(values[0] ?? '');
  return invoiceMonth.ok
    ? {
        ok: true,
        request: {
          route,
          accountId: id.value,
          invoiceMonth: invoiceMonth.value,
          usageMonth: usageMonthOfInvoice(invoiceMonth.value),
        },
      }
    : refuse(400, 'bad_request', invoiceMonth.reason, route);
}
