/**
 * JSONEachRow encoding of rows for inserts. `JSON.stringify` is not enough: it throws on bigint, turns a Date
 * into an ISO string 18.16 rejects, and cannot write a decimal with more digits than a double holds.
 */

const DECIMAL_TEXT = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?$/;

/** A decimal written unquoted with exactly its digits (JSONEachRow rejects quoted decimals on 18.16). */
export class JsonDecimal {
  /** @internal Use {@link jsonDecimal}. */
  constructor(readonly text: string) {
    Object.freeze(this);
  }
}

/**
 * Marks a decimal text (`-?digits[.digits]`) for a `Decimal(P, S)` column. The server rejects more than `S`
 * fraction digits (`Code: 69`); prefer Int64 micro-units as bigint where the schema allows.
 * @throws TypeError when the text is not a plain decimal number.
 */
export function jsonDecimal(text: string): JsonDecimal {
  if (!DECIMAL_TEXT.test(text)) throw new TypeError(`Not a decimal number: ${JSON.stringify(text)}`);
  return new JsonDecimal(text);
}

/**
 * Encodes one row (or value) as JSON for JSONEachRow:
 * - bigint → quoted digits (exact for Int64/UInt64 columns on every version);
 * - {@link JsonDecimal} → its digits unquoted;
 * - Date → whole unix seconds (floor), read the same whatever the server or column timezone;
 * - numbers must be finite; `undefined` object fields are omitted (the column gets its type's zero).
 * @throws TypeError for non-finite numbers and values JSON cannot represent (functions, symbols).
 */
export function encodeJsonValue(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`Cannot insert non-finite number ${value}`);
      return JSON.stringify(value);
    case 'bigint':
      return `"${value.toString()}"`;
    case 'object':
      // Re-validated: the text goes into the JSON unquoted.
      if (value instanceof JsonDecimal) return jsonDecimal(value.text).text;
      if (value instanceof Date) {
        const millis = value.getTime();
        if (Number.isNaN(millis)) throw new TypeError('Cannot insert an invalid Date');
        return String(Math.floor(millis / 1000));
      }
      if (Array.isArray(value)) return `[${value.map((element) => encodeJsonValue(element)).join(',')}]`;
      return `{${Object.entries(value)
        .filter(([, field]) => field !== undefined)
        .map(([key, field]) => `${JSON.stringify(key)}:${encodeJsonValue(field)}`)
        .join(',')}}`;
    default:
      throw new TypeError(`Cannot insert a ${typeof value} as JSON`);
  }
}
