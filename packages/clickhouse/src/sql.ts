/**
 * SQL text with literals rendered on the client. 18.16 has no server-side query parameters, so every value that
 * reaches SQL goes through {@link renderLiteral}, the one audited function; the `sql` tag calls it for every
 * interpolation. Nothing here concatenates caller text into SQL unvalidated.
 */

/** A fragment of SQL that is already safe to splice: built only by `sql`, `sql.identifier` and friends. */
export class SqlFragment {
  /** @internal Use the `sql` tag or its helpers; the constructor does not validate (exported as a type only). */
  constructor(readonly text: string) {
    Object.freeze(this);
  }
  toString(): string {
    return this.text;
  }
}

/** A decimal number given as its exact decimal text, rendered as `toDecimal64('…', scale)`. */
export class DecimalLiteral {
  /** @internal Use {@link sql.decimal}. */
  constructor(
    readonly digits: string,
    readonly scale: number,
  ) {
    Object.freeze(this);
  }
}

/** A point in time, rendered as `toDateTime(<unix seconds>, 'UTC')`. */
export class DateTimeLiteral {
  /** @internal Use {@link sql.dateTime}. */
  constructor(readonly unixSeconds: number) {
    Object.freeze(this);
  }
}

/** Values {@link renderLiteral} accepts. `number` must be a safe integer; `Date` renders as DateTime. */
export type SqlValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | DecimalLiteral
  | DateTimeLiteral
  | SqlFragment
  | readonly SqlValue[];

const INT64_MIN = -(2n ** 63n);
const UINT64_MAX = 2n ** 64n - 1n;
/** Decimal64 holds at most 18 significant digits. */
const DECIMAL64_MAX_DIGITS = 18;
const DECIMAL_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;
const IDENTIFIER_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Unpaired UTF-16 surrogates cannot be encoded as UTF-8 and would silently become U+FFFD. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
// eslint-disable-next-line no-control-regex
const STRING_ESCAPES = /[\\'\u0000-\u001f\u007f]/g;
const NAMED_ESCAPES: Readonly<Record<string, string>> = {
  '\\': '\\\\',
  "'": "\\'",
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\b': '\\b',
  '\f': '\\f',
};

function escapeChar(char: string): string {
  return NAMED_ESCAPES[char] ?? `\\x${char.charCodeAt(0).toString(16).padStart(2, '0')}`;
}

/**
 * Renders one value as a ClickHouse SQL literal that parses the same on 18.16 and on 23.x–25.x.
 *
 * - string: `'…'` with `\` and `'` backslash-escaped, `\0 \n \r \t \b \f` named, other control characters
 *   as `\xHH`; other characters (UTF-8, emoji) pass through. Unpaired surrogates are rejected.
 * - number: safe integers only (use {@link sql.decimal} for fractions); bigint: within Int64..UInt64.
 * - boolean: `1` / `0` (18.16 has no `true`/`false`); null: `NULL`.
 * - Date and {@link sql.dateTime}: `toDateTime(<unix seconds>, 'UTC')`, sub-second part truncated (floor).
 * - {@link sql.decimal}: `toDecimal64('<text>', <scale>)`.
 * - arrays: `[a, b, …]`, elements rendered by this function.
 * - {@link SqlFragment}: spliced as is (it was validated when built).
 * @throws TypeError for any value outside these rules.
 */
export function renderLiteral(value: SqlValue): string {
  if (typeof value === 'string') {
    if (LONE_SURROGATE.test(value))
      throw new TypeError('String literal contains an unpaired UTF-16 surrogate');
    return `'${value.replace(STRING_ESCAPES, escapeChar)}'`;
  }
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new TypeError(`Number literal must be a safe integer (use sql.decimal for fractions): ${value}`);
    }
    return Object.is(value, -0) ? '0' : String(value);
  }
  if (typeof value === 'bigint') {
    if (value < INT64_MIN || value > UINT64_MAX) throw new TypeError(`Integer out of 64-bit range: ${value}`);
    return value.toString();
  }
  if (typeof value === 'boolean') return value ? '1' : '0';
  if (value === null) return 'NULL';
  if (value instanceof SqlFragment) return value.text;
  if (value instanceof Date) return renderLiteral(sql.dateTime(value));
  // Re-validated here: the classes are exported as types only, but this function must not trust its input.
  if (value instanceof DateTimeLiteral)
    return `toDateTime(${dateTime(value.unixSeconds).unixSeconds}, 'UTC')`;
  if (value instanceof DecimalLiteral) {
    const checked = decimal(value.digits, value.scale);
    return `toDecimal64('${checked.digits}', ${checked.scale})`;
  }
  if (isArray(value)) return `[${value.map((element) => renderLiteral(element)).join(', ')}]`;
  throw new TypeError(`Cannot render ${describe(value)} as a SQL literal`);
}

/** `Array.isArray` narrowed for readonly arrays (its own signature widens them to `any[]`). */
function isArray(value: unknown): value is readonly SqlValue[] {
  return Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'object') return Object.prototype.toString.call(value);
  return typeof value;
}

/**
 * Validates a table, database or column name (`name` or `db.name`, each part `[A-Za-z_][A-Za-z0-9_]*`) and
 * renders it back-quoted, so reserved words work too.
 * @throws TypeError when the name does not match.
 */
export function renderIdentifier(name: string): string {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER_PART.test(part))) {
    throw new TypeError(`Not a valid identifier: ${JSON.stringify(name)}`);
  }
  return parts.map((part) => `\`${part}\``).join('.');
}

function decimal(text: string, scale: number): DecimalLiteral {
  if (!Number.isInteger(scale) || scale < 0 || scale > DECIMAL64_MAX_DIGITS) {
    throw new TypeError(`Decimal scale must be an integer 0..${DECIMAL64_MAX_DIGITS}: ${scale}`);
  }
  const match = DECIMAL_TEXT.exec(text);
  if (match === null) throw new TypeError(`Not a decimal number: ${JSON.stringify(text)}`);
  const integerDigits = match[1] === '0' ? 0 : match[1]!.length;
  const fractionDigits = match[2] === undefined ? 0 : match[2].length - 1;
  if (fractionDigits > scale) {
    throw new TypeError(`Decimal ${text} has more than ${scale} fraction digits (would be truncated)`);
  }
  if (integerDigits > DECIMAL64_MAX_DIGITS - scale) {
    throw new TypeError(`Decimal ${text} does not fit Decimal64 with scale ${scale}`);
  }
  return new DecimalLiteral(text, scale);
}

function dateTime(value: Date | number): DateTimeLiteral {
  const seconds = value instanceof Date ? Math.floor(value.getTime() / 1000) : value;
  if (!Number.isSafeInteger(seconds) || seconds < 0 || seconds > 0xffffffff) {
    throw new TypeError(`DateTime must be whole unix seconds in 0..2^32-1: ${String(value)}`);
  }
  return new DateTimeLiteral(seconds);
}

/**
 * Tagged template for SQL: `` sql`SELECT * FROM ${sql.identifier(table)} WHERE account_id = ${id}` ``.
 * Every interpolation is rendered by {@link renderLiteral}; a nested `sql` fragment is spliced as is.
 */
export function sql(strings: TemplateStringsArray, ...values: readonly SqlValue[]): SqlFragment {
  let text = strings[0] ?? '';
  values.forEach((value, index) => {
    text += renderLiteral(value) + (strings[index + 1] ?? '');
  });
  return new SqlFragment(text);
}

/** A validated, back-quoted identifier to splice into `sql` (see {@link renderIdentifier}). */
sql.identifier = (name: string): SqlFragment => new SqlFragment(renderIdentifier(name));

/**
 * An exact decimal from its text (`-?digits[.digits]`, no exponent, no `+`, no leading zeros), rendered as
 * `toDecimal64('text', scale)`. Rejects more fraction digits than `scale` and more than 18 digits in total.
 */
sql.decimal = decimal;

/** A DateTime from a Date or whole unix seconds, rendered as `toDateTime(<seconds>, 'UTC')`. */
sql.dateTime = dateTime;
