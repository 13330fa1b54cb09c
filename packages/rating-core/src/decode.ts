/**
 * Field decoding of CDR and account records as received (a parsed JSON object or a CSV row keyed by
 * header). Pure: checks presence, types, times and enums; numbers stay as received (normalising them
 * needs the numbering plan, which lives at the edge).
 */
import { parseScaled } from './decimal.js';
import { parseIsoDate, parseIsoInstant } from './time.js';
import {
  reject,
  type AccountRecord,
  type DecodedCdr,
  type Direction,
  type Disposition,
  type Rejection,
} from './types.js';

/** Result of {@link decodeCdr}. */
export type DecodeResult = { readonly kind: 'decoded'; readonly cdr: DecodedCdr } | Rejection;

const DIRECTIONS: ReadonlySet<string> = new Set(['outbound', 'inbound', 'internal']);
const DISPOSITIONS: ReadonlySet<string> = new Set(['answered', 'no_answer', 'busy', 'failed']);

/** A field as text: strings as is, finite numbers in decimal; `undefined` when absent, null or empty. */
function text(record: Record<string, unknown>, name: string): string | undefined {
  const value = record[name];
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

function present(record: Record<string, unknown>, name: string): boolean {
  const value = record[name];
  return value !== undefined && value !== null && value !== '';
}

/**
 * Decodes one CDR record. Required: `cdr_id`, `account_id`, `source`, `destination`, `start_time`,
 * `end_time`. Optional: `direction` (inferred later when absent), `duration_sec` (default
 * end − start, in seconds), `disposition` (default `answered`).
 */
export function decodeCdr(record: unknown): DecodeResult {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return reject('MALFORMED_RECORD', 'record is not an object');
  }
  const r = record as Record<string, unknown>;
  const cdrId = text(r, 'cdr_id');
  if (cdrId === undefined) return missing(r, 'cdr_id');
  const accountId = text(r, 'account_id');
  if (accountId === undefined) return missing(r, 'account_id');
  const source = text(r, 'source');
  if (source === undefined) return missing(r, 'source');
  const destination = text(r, 'destination');
  if (destination === undefined) return missing(r, 'destination');
  const startText = text(r, 'start_time');
  if (startText === undefined) return missing(r, 'start_time');
  const endText = text(r, 'end_time');
  if (endText === undefined) return missing(r, 'end_time');
  const startMs = parseIsoInstant(startText);
  if (startMs === undefined) return badTime('start_time', startText);
  const endMs = parseIsoInstant(endText);
  if (endMs === undefined) return badTime('end_time', endText);
  if (endMs < startMs)
    return reject('END_BEFORE_START', `end_time ${endText} is before start_time ${startText}`);

  let direction: Direction | undefined;
  const directionText = r['direction'];
  if (directionText !== undefined && directionText !== null && directionText !== '') {
    if (typeof directionText !== 'string' || !DIRECTIONS.has(directionText)) {
      return reject(
        'BAD_FIELD',
        `direction ${JSON.stringify(directionText)} is not one of outbound, inbound, internal`,
      );
    }
    direction = directionText as Direction;
  }

  let disposition: Disposition = 'answered';
  const dispositionText = r['disposition'];
  if (dispositionText !== undefined && dispositionText !== null && dispositionText !== '') {
    if (typeof dispositionText !== 'string' || !DISPOSITIONS.has(dispositionText)) {
      return reject(
        'BAD_FIELD',
        `disposition ${JSON.stringify(dispositionText)} is not one of answered, no_answer, busy, failed`,
      );
    }
    disposition = dispositionText as Disposition;
  }

  let durationSec: number;
  const durationValue = r['duration_sec'];
  if (durationValue === undefined || durationValue === null || durationValue === '') {
    durationSec = (endMs - startMs) / 1000;
  } else {
    durationSec =
      typeof durationValue === 'number'
        ? durationValue
        : typeof durationValue === 'string'
          ? Number(durationValue)
          : NaN;
    if (!Number.isFinite(durationSec) || (typeof durationValue === 'string' && durationValue.trim() === '')) {
      return reject('BAD_FIELD', `duration_sec ${JSON.stringify(durationValue)} is not a number of seconds`);
    }
    if (durationSec < 0)
      return reject('NEGATIVE_DURATION', `duration_sec ${String(durationSec)} is negative`);
    const millis = durationMs(durationSec);
    if (millis === undefined) return reject('BAD_FIELD', `duration_sec ${String(durationSec)} is too large`);
    durationSec = millis / 1000;
  }

  return {
    kind: 'decoded',
    cdr: { cdrId, accountId, direction, source, destination, startMs, endMs, durationSec, disposition },
  };
}

/**
 * Talk time in whole milliseconds from seconds: `× 1000`, where a product within a few ulps of an integer
 * is that integer (binary floating point noise: `0.29 × 1000 = 290.00000000000006`) and a real
 * sub-millisecond fraction is rounded up. Talk time is kept to the millisecond everywhere (the pipeline
 * carries `duration_ms`); rounding up never changes billable time, since billing rounds up to whole
 * seconds first and `ceil(ms / 1000) = ceil(seconds)`. `undefined` when the result is not a safe integer.
 */
export function durationMs(durationSec: number): number | undefined {
  const scaled = durationSec * 1000;
  const nearest = Math.round(scaled);
  const ms =
    Math.abs(scaled - nearest) <= Number.EPSILON * 4 * Math.max(1, scaled) ? nearest : Math.ceil(scaled);
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined;
}

function missing(record: Record<string, unknown>, name: string): Rejection {
  if (present(record, name)) {
    return reject('BAD_FIELD', `${name} must be a string, found ${JSON.stringify(record[name])}`);
  }
  return reject('MISSING_FIELD', `${name} is missing`);
}

function badTime(name: string, value: string): Rejection {
  return reject(
    'BAD_TIME',
    `${name} ${JSON.stringify(value)} is not an ISO 8601 time with an offset (e.g. 2026-03-01T14:05:00Z or 2026-03-01T11:05:00-03:00)`,
  );
}

/** Result of {@link decodeAccount}. */
export type AccountDecodeResult =
  | { readonly kind: 'decoded'; readonly account: AccountRecord }
  | { readonly kind: 'invalid'; readonly message: string };

/** Default overage rate per minute (domain rule: 0.02). */
export const DEFAULT_OVERAGE_RATE = '0.02';
/** Default currency of an account. */
export const DEFAULT_CURRENCY = 'USD';

/**
 * Decodes one account record: `account_id`, `country` (ISO alpha-2), `billing_start_date`
 * (`YYYY-MM-DD`), `included_minutes` (≥ 0), `overage_rate` (decimal, default `"0.02"`),
 * `toll_free_numbers` and `numbers` (arrays of strings, default empty), `currency` (default `USD`).
 */
export function decodeAccount(record: unknown): AccountDecodeResult {
  const invalid = (message: string): AccountDecodeResult => ({ kind: 'invalid', message });
  if (typeof record !== 'object' || record === null || Array.isArray(record))
    return invalid('record is not an object');
  const r = record as Record<string, unknown>;
  const accountId = text(r, 'account_id');
  if (accountId === undefined) return invalid('account_id is missing');
  const country = r['country'];
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country)) {
    return invalid(`country ${JSON.stringify(country)} is not an ISO 3166 alpha-2 code such as US`);
  }
  const start = r['billing_start_date'];
  const billingStartDay = typeof start === 'string' ? parseIsoDate(start) : undefined;
  if (billingStartDay === undefined) {
    return invalid(`billing_start_date ${JSON.stringify(start)} is not a date YYYY-MM-DD`);
  }
  const included = r['included_minutes'] ?? 0;
  const includedMinutes =
    typeof included === 'number' ? included : typeof included === 'string' ? Number(included) : NaN;
  if (!Number.isFinite(includedMinutes) || includedMinutes < 0) {
    return invalid(`included_minutes ${JSON.stringify(included)} is not a number ≥ 0`);
  }
  const overage = r['overage_rate'] ?? DEFAULT_OVERAGE_RATE;
  const overageRate = typeof overage === 'number' ? String(overage) : overage;
  if (typeof overageRate !== 'string' || !parseScaled(overageRate, 9).ok || overageRate.startsWith('-')) {
    return invalid(`overage_rate ${JSON.stringify(overage)} is not a decimal rate ≥ 0 such as "0.02"`);
  }
  const currency = r['currency'] ?? DEFAULT_CURRENCY;
  if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
    return invalid(`currency ${JSON.stringify(currency)} is not an ISO 4217 code such as USD`);
  }
  const list = (name: string): readonly string[] | string => {
    const value = r[name] ?? [];
    if (!Array.isArray(value)) return `${name} is not an array of numbers`;
    const out: string[] = [];
    for (const item of value) {
      if (typeof item === 'string') out.push(item);
      else if (typeof item === 'number' && Number.isInteger(item)) out.push(String(item));
      else return `${name} holds ${JSON.stringify(item)}, not a phone number`;
    }
    return out;
  };
  const numbers = list('numbers');
  if (typeof numbers === 'string') return invalid(numbers);
  const tollFreeNumbers = list('toll_free_numbers');
  if (typeof tollFreeNumbers === 'string') return invalid(tollFreeNumbers);
  return {
    kind: 'decoded',
    account: {
      accountId,
      country,
      billingStartDay,
      includedMinutes,
      overageRate,
      currency,
      numbers,
      tollFreeNumbers,
    },
  };
}
