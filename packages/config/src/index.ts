/**
 * Configuration from environment variables, validated whole: `loadConfig` either returns every setting
 * typed and checked, or throws one `ConfigError` that lists every missing or invalid key.
 */

/** One setting: where it comes from, what it means, how its text is parsed. */
export interface Setting<T> {
  readonly env: string;
  readonly description: string;
  /** Returns the value, or a sentence saying what is allowed. */
  readonly parse: (raw: string) => { ok: true; value: T } | { ok: false; allowed: string };
  readonly defaultValue: T | undefined;
  readonly secret: boolean;
}

interface SettingOptions<T> {
  readonly default?: T;
  readonly secret?: boolean;
}

function define<T>(
  env: string,
  description: string,
  parse: Setting<T>['parse'],
  options: SettingOptions<T>,
): Setting<T> {
  return { env, description, parse, defaultValue: options.default, secret: options.secret ?? false };
}

function integerSetting(
  env: string,
  description: string,
  min: number,
  max: number,
  options: SettingOptions<number>,
) {
  return define<number>(
    env,
    description,
    (raw) => {
      const value = Number(raw);
      return /^-?\d+$/.test(raw.trim()) && Number.isSafeInteger(value) && value >= min && value <= max
        ? { ok: true, value }
        : { ok: false, allowed: `an integer from ${min} to ${max}` };
    },
    options,
  );
}

/** Constructors for the kinds of settings the services have. */
export const setting = {
  string(env: string, description: string, options: SettingOptions<string> = {}): Setting<string> {
    return define(
      env,
      description,
      (raw) => (raw.length > 0 ? { ok: true, value: raw } : { ok: false, allowed: 'a non-empty string' }),
      options,
    );
  },
  integer(
    env: string,
    description: string,
    range: { min: number; max: number },
    options: SettingOptions<number> = {},
  ) {
    return integerSetting(env, description, range.min, range.max, options);
  },
  port(env: string, description: string, options: SettingOptions<number> = {}): Setting<number> {
    return integerSetting(env, description, 1, 65535, options);
  },
  oneOf<const T extends string>(
    env: string,
    description: string,
    allowed: readonly T[],
    options: SettingOptions<T> = {},
  ): Setting<T> {
    return define(
      env,
      description,
      (raw) =>
        (allowed as readonly string[]).includes(raw)
          ? { ok: true, value: raw as T }
          : { ok: false, allowed: `one of ${allowed.join(', ')}` },
      options,
    );
  },
  /** Comma-separated, blanks trimmed, at least one entry. */
  list(
    env: string,
    description: string,
    options: SettingOptions<readonly string[]> = {},
  ): Setting<readonly string[]> {
    return define(
      env,
      description,
      (raw) => {
        const items = raw
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item.length > 0);
        return items.length > 0
          ? { ok: true, value: items }
          : { ok: false, allowed: 'a comma-separated list' };
      },
      options,
    );
  },
  url(env: string, description: string, options: SettingOptions<string> = {}): Setting<string> {
    return define(
      env,
      description,
      (raw) => {
        try {
          const url = new URL(raw);
          return url.protocol === 'http:' || url.protocol === 'https:'
            ? { ok: true, value: raw }
            : { ok: false, allowed: 'an http:// or https:// URL' };
        } catch {
          return { ok: false, allowed: 'an http:// or https:// URL' };
        }
      },
      options,
    );
  },
};

export type ConfigSpec = Readonly<Record<string, Setting<unknown>>>;
export type ConfigOf<S extends ConfigSpec> = {
  readonly [K in keyof S]: S[K] extends Setting<infer T> ? T : never;
};

export interface ConfigProblem {
  readonly env: string;
  readonly message: string;
}

/** Every problem found in one pass; `message` lists them one per line. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super(`invalid configuration:\n${problems.map((p) => `  ${p.env}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}

/**
 * Reads every setting of `spec` from `env`. Empty strings count as unset. Throws `ConfigError` naming
 * every missing or invalid key at once; secrets are never echoed in messages.
 */
export function loadConfig<S extends ConfigSpec>(
  spec: S,
  env: Readonly<Record<string, string | undefined>>,
): ConfigOf<S> {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(spec)) {
    const raw = env[item.env];
    if (raw === undefined || raw === '') {
      if (item.defaultValue === undefined) {
        problems.push({ env: item.env, message: `missing (${item.description})` });
      } else {
        values[key] = item.defaultValue;
      }
      continue;
    }
    const parsed = item.parse(raw);
    if (parsed.ok) {
      values[key] = parsed.value;
    } else {
      const shown = item.secret ? '<redacted>' : JSON.stringify(raw);
      problems.push({
        env: item.env,
        message: `${shown} is not valid; expected ${parsed.allowed} (${item.description})`,
      });
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return values as ConfigOf<S>;
}

/** The loaded configuration keyed by environment variable, secrets as `<redacted>`, for start-up logs. */
export function describeConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>): Record<string, unknown> {
  const shown: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(spec)) {
    shown[item.env] = item.secret ? '<redacted>' : (config as Record<string, unknown>)[key];
  }
  return shown;
}
