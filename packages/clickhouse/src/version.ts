/** A ClickHouse server version as reported by `SELECT version()`, e.g. `18.16.1` or `24.8.4.13`. */
export interface ServerVersion {
  readonly major: number;
  readonly minor: number;
  /** Third component; 0 when the server reports only two. */
  readonly patch: number;
  /** The text the server returned, for logs. */
  readonly text: string;
}

/** A `major.minor` threshold: a feature or setting exists on servers at or above it. */
export interface MinVersion {
  readonly major: number;
  readonly minor: number;
}

const VERSION_PATTERN = /^(\d{1,4})\.(\d{1,4})(?:\.(\d{1,9}))?(?:[.\-+].*)?$/;

/**
 * Parses the output of `SELECT version()`. Accepts `18.16.1`, `24.8.4.13`, `25.3.1.2703-testing` and the like.
 * @throws Error when the text does not start with `major.minor`.
 */
export function parseVersion(text: string): ServerVersion {
  const trimmed = text.trim();
  const match = VERSION_PATTERN.exec(trimmed);
  if (match === null) throw new Error(`Not a ClickHouse version: ${JSON.stringify(text)}`);
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: match[3] === undefined ? 0 : Number(match[3]),
    text: trimmed,
  };
}

/** True when `version` is at or above `min` (compares major, then minor). */
export function atLeast(version: MinVersion, min: MinVersion): boolean {
  return version.major !== min.major ? version.major > min.major : version.minor >= min.minor;
}

/**
 * Server features that differ between the 18.16 server tests run against and the 23.x–25.x servers users run.
 * Thresholds are the first release where the feature works without an experimental flag; where the exact
 * release was not verified the threshold is rounded up (a too-high threshold only costs the portable fallback,
 * a too-low one breaks queries).
 */
export const FEATURE_MIN_VERSION = {
  /** `LowCardinality(T)` columns without `allow_experimental_low_cardinality_type`. */
  lowCardinality: { major: 20, minor: 1 },
  /** `DateTime64(p, tz)` columns. */
  dateTime64: { major: 20, minor: 1 },
  /** `mutations_sync` setting: wait for `ALTER … UPDATE/DELETE`. */
  mutationsSync: { major: 20, minor: 1 },
  /** Server-side query parameters (`{name:Type}` with `param_name`). */
  serverSideParams: { major: 20, minor: 1 },
  /** `async_insert` / `wait_for_async_insert` settings. */
  asyncInsert: { major: 21, minor: 11 },
  /** `insert_deduplication_token` setting. */
  insertDeduplicationToken: { major: 22, minor: 2 },
  /** Lightweight `DELETE FROM t WHERE …` (generally available). */
  lightweightDelete: { major: 23, minor: 3 },
} as const satisfies Readonly<Record<string, MinVersion>>;

export type Feature = keyof typeof FEATURE_MIN_VERSION;

/** True when the server at `version` has `feature`. */
export function supports(version: MinVersion, feature: Feature): boolean {
  return atLeast(version, FEATURE_MIN_VERSION[feature]);
}
