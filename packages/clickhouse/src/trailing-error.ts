/**
 * A streamed response is `200 OK` once the first bytes are out; a query failing later can only append its
 * error to the body. How it is appended depends on the server:
 *
 * - 18.16: a text line `Code: 395, e.displayText() = DB::Exception: …, e.what() = DB::Exception`;
 * - 23.x–25.x text formats: a line `Code: 395. DB::Exception: … (TYPE) (version …)`;
 * - 23.x–25.x JSONEachRow: a row `{"exception": "Code: 395. DB::Exception: …"}`;
 * - 25.11+: a block framed by the `X-ClickHouse-Exception-Tag` response header:
 *   `\r\n__exception__\r\n<tag>\r\n<message>\n<length> <tag>\r\n__exception__\r\n`.
 */

import { extractErrorAtTheEndOfChunk } from '@clickhouse/client';

const TEXT_ERROR_LINE = /^Code: \d+[.,] (e\.displayText\(\) = )?DB::Exception/;
const EXCEPTION_MARKER = '__exception__';

/** Where the data ends and what the appended error says. */
export interface TrailingError {
  /** Bytes before this offset are data. */
  readonly dataEnd: number;
  readonly message: string;
}

/**
 * Finds a server error appended to the end of a text-format response. `tail` is the last bytes of the body
 * (at least the whole error); `exceptionTag` is the `X-ClickHouse-Exception-Tag` header when present.
 * @returns undefined when the body ends with data.
 */
export function findTrailingError(tail: Buffer, exceptionTag?: string): TrailingError | undefined {
  if (exceptionTag !== undefined && exceptionTag.length > 0) {
    const end = ` ${exceptionTag}\r\n${EXCEPTION_MARKER}\r\n`;
    if (tail.length >= end.length && tail.subarray(-end.length).toString('utf8') === end) {
      const start = tail.lastIndexOf(`\r\n${EXCEPTION_MARKER}\r\n${exceptionTag}`);
      const { message } = extractErrorAtTheEndOfChunk(tail, exceptionTag);
      return { dataEnd: Math.max(start, 0), message };
    }
  }
  let index = tail.lastIndexOf('Code: ');
  while (index >= 0) {
    const atLineStart = index === 0 || tail[index - 1] === 0x0a;
    if (atLineStart && TEXT_ERROR_LINE.test(tail.subarray(index, index + 200).toString('utf8'))) {
      return { dataEnd: index, message: tail.subarray(index).toString('utf8').trim() };
    }
    index = index === 0 ? -1 : tail.lastIndexOf('Code: ', index - 1);
  }
  return undefined;
}

/**
 * The error carried by one JSONEachRow line instead of a row (18.16 text line or modern `{"exception": …}`).
 * @returns undefined for an ordinary row.
 */
export function rowError(line: string): string | undefined {
  if (!line.startsWith('{')) return line;
  if (line.startsWith('{"exception":')) {
    const parsed = JSON.parse(line) as { exception?: unknown };
    const { exception } = parsed;
    if (typeof exception === 'string' && Object.keys(parsed).length === 1 && exception.startsWith('Code: ')) {
      return exception;
    }
  }
  return undefined;
}
