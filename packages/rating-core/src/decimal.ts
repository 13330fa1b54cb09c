/**
 * Exact decimal <-> scaled integer conversion without binary floating point.
 *
 * A decimal string `d` at scale `k` is the integer `d × 10^k`. Parsing refuses more fractional digits
 * than the scale (it never rounds) and anything that is not a plain decimal: no exponent, no sign other
 * than an optional leading `-`, no spaces, no thousands separators.
 */

/** Result of {@link parseScaled}: the scaled integer or why the text is not one. */
export type ParsedDecimal =
  | { readonly ok: true; readonly value: number }
  | { readonly ok: false; readonly reason: 'bad number' | 'too many decimal places' | 'out of range' };

const BAD: ParsedDecimal = { ok: false, reason: 'bad number' };
const TOO_PRECISE: ParsedDecimal = { ok: false, reason: 'too many decimal places' };
const OUT_OF_RANGE: ParsedDecimal = { ok: false, reason: 'out of range' };

/**
 * Parses a plain decimal (`"0.05"`, `"12"`, `".5"`, `"-1.25"`) into the integer `text × 10^scale`.
 * The result is exact and a safe integer, or the text is refused.
 */
export function parseScaled(text: string, scale: number): ParsedDecimal {
  const length = text.length;
  let i = 0;
  let negative = false;
  if (length === 0) return BAD;
  if (text.charCodeAt(0) === 45 /* - */) {
    negative = true;
    i = 1;
  }
  let integerPart = 0;
  let digits = 0;
  for (; i < length; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    integerPart = integerPart * 10 + c;
    digits++;
  }
  let fraction = 0;
  let fractionDigits = 0;
  if (i < length && text.charCodeAt(i) === 46 /* . */) {
    i++;
    for (; i < length; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return BAD;
      if (fractionDigits === scale) {
        if (c !== 0) return TOO_PRECISE;
        continue; // trailing zeros beyond the scale are harmless
      }
      fraction = fraction * 10 + c;
      fractionDigits++;
      digits++;
    }
  }
  if (i !== length || digits === 0) return BAD;
  const value = integerPart * 10 ** scale + fraction * 10 ** (scale - fractionDigits);
  if (!Number.isSafeInteger(value)) return OUT_OF_RANGE;
  return { ok: true, value: negative ? -value : value };
}

/**
 * Formats the scaled integer `value / 10^scale` as the shortest exact decimal string: no exponent, no
 * trailing zeros, no trailing dot, `"0"` for zero (e.g. `formatScaled(1500, 4) === "0.15"`).
 */
export function formatScaled(value: number | bigint, scale: number): string {
  let digits: string;
  let negative: boolean;
  if (typeof value === 'bigint') {
    negative = value < 0n;
    digits = (negative ? -value : value).toString();
  } else {
    negative = value < 0;
    digits = String(negative ? -value : value);
  }
  if (digits === '0') return '0';
  if (scale === 0) return negative ? '-' + digits : digits;
  let end = digits.length;
  let kept = scale;
  while (kept > 0 && digits.charCodeAt(end - 1) === 48) {
    end--;
    kept--;
  }
  let out: string;
  if (kept === 0) {
    out = digits.slice(0, end);
  } else if (digits.length > scale) {
    const point = digits.length - scale;
    out = digits.slice(0, point) + '.' + digits.slice(point, end);
  } else {
    out = '0.' + '0'.repeat(scale - digits.length) + digits.slice(0, end);
  }
  return negative ? '-' + out : out;
}
