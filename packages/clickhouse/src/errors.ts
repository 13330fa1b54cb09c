import { InfraError } from '@cdrate/errors';
import type { InfraErrorCode } from '@cdrate/errors';

/**
 * ClickHouse error codes with a known meaning for us. Everything else with a code is `BAD_REQUEST` (not
 * retryable): the server understood the request and refused it.
 */
export const CLICKHOUSE_CODE_MAP: Readonly<Record<number, InfraErrorCode>> = {
  6: 'BAD_REQUEST', // CANNOT_PARSE_TEXT
  26: 'BAD_REQUEST', // CANNOT_PARSE_QUOTED_STRING
  27: 'BAD_REQUEST', // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  53: 'BAD_REQUEST', // TYPE_MISMATCH
  60: 'BAD_REQUEST', // UNKNOWN_TABLE
  62: 'BAD_REQUEST', // SYNTAX_ERROR
  69: 'BAD_REQUEST', // ARGUMENT_OUT_OF_BOUND (e.g. too many decimal digits)
  72: 'BAD_REQUEST', // CANNOT_PARSE_NUMBER
  115: 'BAD_REQUEST', // UNKNOWN_SETTING
  159: 'TIMEOUT', // TIMEOUT_EXCEEDED (max_execution_time)
  202: 'SINK_UNAVAILABLE', // TOO_MANY_SIMULTANEOUS_QUERIES
  209: 'SINK_UNAVAILABLE', // SOCKET_TIMEOUT
  210: 'SINK_UNAVAILABLE', // NETWORK_ERROR
  241: 'SINK_UNAVAILABLE', // MEMORY_LIMIT_EXCEEDED
  242: 'SINK_UNAVAILABLE', // TABLE_IS_READ_ONLY
  252: 'SINK_UNAVAILABLE', // TOO_MANY_PARTS
  319: 'SINK_UNAVAILABLE', // UNKNOWN_STATUS_OF_INSERT
};

/** Node socket errors meaning the server could not be reached or dropped the connection. */
const UNAVAILABLE_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
const TIMEOUT_SYSCALL_CODES = new Set(['ETIMEDOUT', 'ESOCKETTIMEDOUT']);

/** `Code: 60, e.displayText() = …` (18.16) or `Code: 60. DB::Exception: …` (modern). */
const CODE_IN_MESSAGE = /Code: (\d+)[.,]/;
/** Messages of a 5xx answer that did not come from ClickHouse itself (proxy, load balancer). */
const GATEWAY_MESSAGE = /\b(502 Bad Gateway|503 Service (Temporarily )?Unavailable|504 Gateway Time-?out)\b/i;

/**
 * Socket errors are created by Node's own realm; under jest (a vm context) they fail `instanceof Error`, so
 * errors are recognised by shape.
 */
function isErrorLike(value: unknown): value is Error {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { message?: unknown }).message === 'string'
  );
}

function clickhouseCode(error: Error): number | undefined {
  // Modern servers: @clickhouse/client's ClickHouseError has `code` as a numeric string.
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string' && /^\d+$/.test(own)) return Number(own);
  if (typeof own === 'number' && Number.isInteger(own)) return own;
  // 18.16: the message is not in the modern format, so the client leaves a plain Error.
  const match = CODE_IN_MESSAGE.exec(error.message);
  return match === null ? undefined : Number(match[1]);
}

/** `code` of a Node socket error; for an `AggregateError` (several addresses tried), the first inner one. */
function socketErrorCode(error: Error): string | undefined {
  const own = (error as { code?: unknown }).code;
  if (typeof own === 'string') return own;
  const errors = (error as { errors?: unknown }).errors;
  if (Array.isArray(errors)) {
    for (const inner of errors as unknown[]) {
      const code = (inner as { code?: unknown } | null)?.code;
      if (typeof code === 'string') return code;
    }
  }
  return undefined;
}

function httpStatus(error: Error): number | undefined {
  const { statusCode, status } = error as { statusCode?: unknown; status?: unknown };
  const value = statusCode ?? status;
  return typeof value === 'number' ? value : undefined;
}

/**
 * Translates anything thrown by `@clickhouse/client` (or the socket under it) into an {@link InfraError}, the
 * one place that decides retryability. The original error is kept as `cause`; a ClickHouse code as `vendorCode`.
 *
 * - `InfraError`: returned unchanged.
 * - ClickHouse code (from `ClickHouseError.code` or `Code: N` in the message): {@link CLICKHOUSE_CODE_MAP},
 *   otherwise `BAD_REQUEST`.
 * - client timeout (`Timeout error.`), `ETIMEDOUT`: `TIMEOUT`.
 * - refused / reset / hang-up / DNS, HTTP 5xx without a ClickHouse code: `SINK_UNAVAILABLE`.
 * - anything else (a bug, a parse failure of our own): `INTERNAL`.
 *
 * @param operation what was attempted, for the message (e.g. `insert into cdr.rated_calls`).
 */
export function toInfraError(error: unknown, operation = 'request'): InfraError {
  if (error instanceof InfraError) return error;
  const cause = error;
  const asError = isErrorLike(error) ? error : new Error(String(error));
  const message = `ClickHouse ${operation} failed: ${asError.message}`;

  const code = clickhouseCode(asError);
  if (code !== undefined) {
    return new InfraError(CLICKHOUSE_CODE_MAP[code] ?? 'BAD_REQUEST', message, { cause, vendorCode: code });
  }

  const syscallCode = socketErrorCode(asError);
  if (typeof syscallCode === 'string') {
    if (TIMEOUT_SYSCALL_CODES.has(syscallCode)) {
      return new InfraError('TIMEOUT', message, { cause, vendorCode: syscallCode });
    }
    if (UNAVAILABLE_SYSCALL_CODES.has(syscallCode)) {
      return new InfraError('SINK_UNAVAILABLE', message, { cause, vendorCode: syscallCode });
    }
  }
  if (/^Timeout error\.?$/.test(asError.message)) return new InfraError('TIMEOUT', message, { cause });
  if (/socket hang up/i.test(asError.message)) return new InfraError('SINK_UNAVAILABLE', message, { cause });

  const status = httpStatus(asError);
  if ((status !== undefined && status >= 500) || GATEWAY_MESSAGE.test(asError.message)) {
    return new InfraError('SINK_UNAVAILABLE', message, {
      cause,
      ...(status === undefined ? {} : { vendorCode: status }),
    });
  }
  return new InfraError('INTERNAL', message, { cause });
}
