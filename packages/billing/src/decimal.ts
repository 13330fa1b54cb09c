/**
 * Exact decimal arithmetic for invoices, on `bigint` units: a decimal `d` at scale `k` is the integer
 * `d × 10^k`. Sums of a month's costs at scale 11 leave the safe-integer range of the rating core's
 * `parseScaled` after 90,071 currency units, so billing works in `bigint`; printing reuses the core's
 * `formatScaled` (which takes a `bigint`). No binary floating point anywhere.
 */
import { formatScaled } from '@cdrate/rating-core';

const DECIMAL = /^(-?)([0-9]+)(?:\.([0-9]+))?$/;

/**
 * Parses a plain decimal (`"0.125"`, `"5"`, `"0.37500000000"` as ClickHouse 18.16 pads it, `"-1.5"`) into
 * the integer `text × 10^scale`. Trailing fraction zeros beyond `scale` are accepted (padding); any other
 * digit beyond `scale` is refused, never rounded.
 * @throws TypeError when `text` is not a plain decimal or has non-zero digits beyond `scale`.
 */
export function parseUnits(text: string, scale: number): bigint {
  const match = DECIMAL.exec(text);
  if (match === null) throw new TypeError(`not a decimal: ${JSON.stringify(text)}`);
  const fraction = (match[3] ?? '').replace(/0+$/, '');
  if (fraction.length > scale) {
    throw new TypeError(`${JSON.stringify(text)} has more than ${scale} decimal places`);
  }
  const units = BigInt((match[2] ?? '0') + fraction.padEnd(scale, '0'));
  return match[1] === '-' ? -units : units;
}

/** `10^n` as a bigint. */
function pow10(n: number): bigint {
  return 10n ** BigInt(n);
}

/** Changes the scale of `units` without losing anything (`to >= from`). */
export function rescale(units: bigint, from: number, to: number): bigint {
  if (to < from) throw new RangeError(`rescale would drop digits (${from} → ${to}); use roundHalfUp`);
  return units * pow10(to - from);
}

/**
 * Rounds `units` at scale `from` to scale `to` (`to <= from`), half-up: a dropped part of exactly one
 * half rounds away from zero (`0.375 → 0.38`, `0.125 → 0.13`, `-0.125 → -0.13`).
 */
export function roundHalfUp(units: bigint, from: number, to: number): bigint {
  if (to >= from) return rescale(units, from, to);
  const divisor = pow10(from - to);
  const negative = units < 0n;
  const magnitude = negative ? -units : units;
  const rounded = (magnitude + divisor / 2n) / divisor;
  return negative ? -rounded : rounded;
}

/** The shortest exact form of `units / 10^scale`: `"1.1"`, `"5"`, `"0.125"`, `"0"`. */
export function formatUnits(units: bigint, scale: number): string {
  return formatScaled(units, scale);
}

/** `units / 10^scale` with exactly `scale` decimals, as money is printed on an invoice: `"0.10"`, `"0.00"`. */
export function formatFixed(units: bigint, scale: number): string {
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(scale + 1, '0');
  const point = digits.length - scale;
  const text = scale === 0 ? digits : `${digits.slice(0, point)}.${digits.slice(point)}`;
  return negative ? `-${text}` : text;
}

/**
 * A ClickHouse decimal's text (`toString`) in its shortest exact form: 18.16 pads to the column's scale
 * (`0.12500000000`, `62.500`), modern servers do not (`0.125`, `62.5`); both give `0.125`, `62.5`.
 * Integers lose a trailing point and fraction (`1.000000` → `1`); zero is `"0"`; nothing is rounded.
 * Hand-written (no regular expression): it runs four times per exported row.
 * @throws TypeError when `text` is not a plain unsigned decimal (`digits[.digits]`).
 */
export function normaliseDecimal(text: string): string {
  const length = text.length;
  let point = -1;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46 /* . */ && point < 0 && i > 0 && i < length - 1) point = i;
    else if (c < 48 || c > 57) throw new TypeError(`not a decimal: ${JSON.stringify(text)}`);
  }
  if (length === 0) throw new TypeError('not a decimal: ""');
  let start = 0;
  const integerEnd = point < 0 ? length : point;
  while (start < integerEnd - 1 && text.charCodeAt(start) === 48) start++;
  if (point < 0) return start === 0 ? text : text.slice(start);
  let end = length;
  while (end > point + 1 && text.charCodeAt(end - 1) === 48) end--;
  if (end === point + 1) end = point;
  return start === 0 && end === length ? text : text.slice(start, end);
}
