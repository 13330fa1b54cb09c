/**
 * The billed-call-detail CSV: one row per billed call of a usage month, columns exactly as the shared
 * domain specifies. Built from the `TabSeparated` output of `billedCallsQuery`, streamed: a transform turns
 * the server's bytes into CSV bytes chunk by chunk, so memory stays constant whatever the month holds.
 *
 * Values (docs/billing.md):
 * - `Source Number`, `Destination Number`: as stored (E.164 with `+`); quoted per RFC 4180 only when a
 *   value holds a comma, a quote or a line break.
 * - `Start Time (UTC+0)`, `End Time (UTC+0)`: `YYYY-MM-DD HH:MM:SS` in UTC (milliseconds dropped).
 * - `Duration (sec)`: talk time in seconds, exact (`42`, `62.5`).
 * - `Billable Minutes`, `Total Cost`, `Rate`: exact decimals in their shortest form (`1`, `1.1`, `0.125`,
 *   `0`), never rounded: the per-call cost is unrounded (invoice lines are rounded once, after summing).
 *   ClickHouse 18.16 pads decimals to their scale (`0.12500000000`), modern servers do not; both print
 *   the same here.
 * - `Call Type`: `Inbound Toll-Free`, `International`, `Domestic Metered`.
 * Lines end with `\n`.
 */
import { StringDecoder } from 'node:string_decoder';
import { Transform, type TransformCallback } from 'node:stream';
import { normaliseDecimal } from './decimal.js';

/** The header line of the export (with its line end). */
export const BCD_CSV_HEADER =
  'Source Number,Destination Number,Start Time (UTC+0),End Time (UTC+0),Duration (sec),Billable Minutes,Total Cost,Rate,Call Type\n';

/** `Call Type` of each billed call type. */
export const BCD_CALL_TYPE_NAMES: Readonly<Record<string, string>> = {
  inbound_toll_free: 'Inbound Toll-Free',
  international: 'International',
  domestic_metered: 'Domestic Metered',
};

const TSV_FIELDS = 9;
const NEEDS_QUOTES = /[",\r\n]/;
const TSV_ESCAPE = /\\(.)/g;
const TSV_UNESCAPED: Readonly<Record<string, string>> = {
  t: '\t',
  n: '\n',
  r: '\r',
  b: '\b',
  f: '\f',
  '0': '\0',
};

/** A text field of ClickHouse `TabSeparated` output back to its value (`\t`, `\n`, `\\`, … undone). */
export function unescapeTsv(field: string): string {
  if (!field.includes('\\')) return field;
  return field.replace(TSV_ESCAPE, (_, char: string) => TSV_UNESCAPED[char] ?? char);
}

/** A CSV field per RFC 4180: quoted (quotes doubled) only when it holds `,` `"` or a line break. */
export function csvField(value: string): string {
  return NEEDS_QUOTES.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const SECONDS_PER_DAY = 86_400;
/** The date part of the last day formatted: exported rows are ordered by start time, so days repeat. */
let cachedDay = -1;
let cachedDayText = '';

/**
 * Unix seconds (decimal digits) as `YYYY-MM-DD HH:MM:SS` in UTC.
 * @throws TypeError when `text` is not whole seconds in 0..2^32−1 (DateTime's range).
 */
export function formatUtcSeconds(text: string): string {
  const length = text.length;
  let seconds = 0;
  for (let i = 0; i < length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) throw new TypeError(`not unix seconds: ${JSON.stringify(text)}`);
    seconds = seconds * 10 + digit;
  }
  if (length === 0 || length > 10 || seconds > 0xffffffff) {
    throw new TypeError(`not unix seconds: ${JSON.stringify(text)}`);
  }
  const day = Math.floor(seconds / SECONDS_PER_DAY);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDayText = new Date(day * SECONDS_PER_DAY * 1000).toISOString().slice(0, 10);
  }
  const ofDay = seconds - day * SECONDS_PER_DAY;
  const hours = Math.floor(ofDay / 3600);
  const minutes = Math.floor((ofDay - hours * 3600) / 60);
  return `${cachedDayText} ${TWO_DIGITS[hours]!}:${TWO_DIGITS[minutes]!}:${TWO_DIGITS[ofDay % 60]!}`;
}

/**
 * One row of `billedCallsQuery` in `TabSeparated` form (without its line end) as a CSV line (with `\n`).
 * @throws TypeError when the row does not have the query's shape (field count, numbers, call type).
 */
export function bcdCsvLineFromTsv(line: string): string {
  const fields = line.split('\t');
  if (fields.length !== TSV_FIELDS) {
    throw new TypeError(
      `expected ${TSV_FIELDS} tab-separated fields, got ${fields.length}: ${JSON.stringify(line)}`,
    );
  }
  const [source, destination, start, end, duration, minutes, cost, rate, callType] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const typeName = BCD_CALL_TYPE_NAMES[callType];
  if (typeName === undefined) throw new TypeError(`not a billed call type: ${JSON.stringify(callType)}`);
  return (
    `${csvField(unescapeTsv(source))},${csvField(unescapeTsv(destination))},` +
    `${formatUtcSeconds(start)},${formatUtcSeconds(end)},${normaliseDecimal(duration)},` +
    `${normaliseDecimal(minutes)},${normaliseDecimal(cost)},${normaliseDecimal(rate)},${typeName}\n`
  );
}

/** A {@link Transform} from `billedCallsQuery` TSV bytes to the export's CSV bytes; `rows` counts lines. */
export interface BcdCsvTransform extends Transform {
  /** Data rows written so far (the header not counted). */
  readonly rows: number;
}

/**
 * Creates the streaming TSV → CSV transform. The header goes out with the first rows (or at the end when
 * there are none), so nothing is written before the server answered. A row split across chunks is
 * carried over; UTF-8 split across chunks is decoded correctly. Back-pressure is the stream's own
 * (use `pipeline`). A malformed row fails the stream with a `TypeError`.
 */
export function createBcdCsvTransform(): BcdCsvTransform {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let headerWritten = false;
  let rows = 0;

  function convert(text: string, last: number): string {
    let out = headerWritten ? '' : BCD_CSV_HEADER;
    headerWritten = true;
    let start = 0;
    while (start <= last) {
      const end = text.indexOf('\n', start);
      out += bcdCsvLineFromTsv(text.slice(start, end));
      rows++;
      start = end + 1;
    }
    return out;
  }

  const transform = new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      try {
        const text = carry + decoder.write(chunk);
        const last = text.lastIndexOf('\n');
        if (last < 0) {
          carry = text;
          callback();
          return;
        }
        carry = text.slice(last + 1);
        callback(null, Buffer.from(convert(text, last)));
      } catch (error) {
        callback(error as Error);
      }
    },
    flush(callback: TransformCallback): void {
      try {
        const rest = carry + decoder.end();
        if (rest !== '')
          throw new TypeError(`the export ended inside a row: ${JSON.stringify(rest.slice(0, 200))}`);
        callback(null, headerWritten ? undefined : Buffer.from(BCD_CSV_HEADER));
        headerWritten = true;
      } catch (error) {
        callback(error as Error);
      }
    },
  });
  return Object.defineProperty(transform, 'rows', { get: () => rows }) as BcdCsvTransform;
}
