/** Exponential backoff without jitter: `initialMs * 2^(attempt-1)`, capped at `maxMs`. */
export interface BackoffPolicy {
  /** Delay before the first retry, in milliseconds. */
  readonly initialMs: number;
  /** Largest delay, in milliseconds. */
  readonly maxMs: number;
}

/** The consumer's default: 200 ms, 400 ms, 800 ms, … up to 10 s. */
export const DEFAULT_BACKOFF: BackoffPolicy = { initialMs: 200, maxMs: 10_000 };

/**
 * Delay in milliseconds before retry number `attempt` (1 = first retry). Attempts below 1 are treated as 1.
 * Jitter is left out on purpose: one consumer owns a partition, so retries of a partition never stampede.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^31 ms is far above any cap; stop doubling before the number loses meaning.
  const raw = policy.initialMs * 2 ** Math.min(exponent, 31);
  return Math.min(policy.maxMs, raw);
}
