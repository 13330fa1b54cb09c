/**
 * Infrastructure failures the pipeline can meet. Expected outcomes of rating (a rejected CDR) are values,
 * not these; these are exceptions that stop or pause work. Each code says whether retrying can help:
 *
 * - `BROKER_UNAVAILABLE`, `SINK_UNAVAILABLE`, `TIMEOUT`: transient; pause, back off and retry.
 * - `BAD_REQUEST`: the request itself is wrong (bad SQL, unknown setting, bad data); retrying the same
 *   request cannot help.
 * - `CONFIG`: configuration is invalid; fix it and restart.
 * - `INTERNAL`: a bug or an unexpected state; not retryable.
 */
export type InfraErrorCode =
  'BROKER_UNAVAILABLE' | 'SINK_UNAVAILABLE' | 'TIMEOUT' | 'BAD_REQUEST' | 'CONFIG' | 'INTERNAL';

const RETRYABLE: Readonly<Record<InfraErrorCode, boolean>> = {
  BROKER_UNAVAILABLE: true,
  SINK_UNAVAILABLE: true,
  TIMEOUT: true,
  BAD_REQUEST: false,
  CONFIG: false,
  INTERNAL: false,
};

export interface InfraErrorOptions {
  /** The vendor error this one translates; kept so logs show the original. */
  readonly cause?: unknown;
  /** Vendor-specific code (e.g. ClickHouse `Code: 60`, a Kafka error type), for logs and tests. */
  readonly vendorCode?: string | number;
}

export class InfraError extends Error {
  override readonly name = 'InfraError';
  readonly code: InfraErrorCode;
  /** True when the same operation may succeed later without any change to it. */
  readonly retryable: boolean;
  readonly vendorCode: string | number | undefined;

  constructor(code: InfraErrorCode, message: string, options: InfraErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryable = RETRYABLE[code];
    this.vendorCode = options.vendorCode;
  }
}

export function isRetryable(error: unknown): boolean {
  return error instanceof InfraError && error.retryable;
}
