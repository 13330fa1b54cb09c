/**
 * The edge normaliser: a dialled or presented number as received + the account's country → E.164,
 * country and type, or an extension. Uses libphonenumber-js with full (`max`) metadata: the default
 * `min` metadata cannot tell a Brazilian mobile from a landline. Parsing costs 3–15 µs, so results are
 * cached by (raw text, default country) in a bounded two-generation cache.
 */
import {
  parsePhoneNumberFromString,
  type CountryCode,
  type NumberType as LibType,
} from 'libphonenumber-js/max';
import type { NumberType, PartyNumber } from '@cdrate/rating-core';

/** Longest digit string without `+` that is read as an extension rather than a phone number. */
export const MAX_EXTENSION_DIGITS = 6;

/** Default number of entries of one cache generation (two generations are kept). */
export const DEFAULT_CACHE_SIZE = 200_000;

export interface NormaliserOptions {
  /**
   * Entries per cache generation. When the young generation is full it becomes the old one and the
   * previous old one is dropped, so at most `2 × cacheSize` results are held (~150 bytes each).
   */
  readonly cacheSize?: number;
}

/** Cache counters since the normaliser was created. */
export interface NormaliserStats {
  readonly hits: number;
  readonly misses: number;
}

/** A cached number normaliser; see {@link createNormaliser}. */
export interface Normaliser {
  /**
   * Normalises `raw` as dialled or presented by an account of `defaultCountry` (ISO alpha-2):
   * - formatting characters (spaces, `-`, `.`, `(`, `)`, `/`) are ignored;
   * - 1–{@link MAX_EXTENSION_DIGITS} digits without `+` are an extension;
   * - `+…`, bare E.164 digits (`447911123456`), national format (`(212) 555-0123`, `020 7946 0958`,
   *   `11 98765-4321`), the country's international prefix (`011…` in NANP, `00…` elsewhere) and the
   *   Brazilian carrier-select prefix `00xx…` are read as phone numbers;
   * - anything else (letters, `*`/`#` codes, invalid numbers) is `unparsed`.
   * The result objects are shared and frozen.
   */
  normalise(raw: string, defaultCountry: string): PartyNumber;
  stats(): NormaliserStats;
}

const TYPES: Readonly<Partial<Record<NonNullable<LibType>, NumberType>>> = {
  MOBILE: 'mobile',
  FIXED_LINE: 'fixed',
  FIXED_LINE_OR_MOBILE: 'fixed_or_mobile',
  TOLL_FREE: 'toll_free',
  PREMIUM_RATE: 'premium',
};

function e164Party(e164: string, country: string, libType: LibType | undefined): PartyNumber {
  const type: NumberType = libType === undefined ? 'unknown' : (TYPES[libType] ?? 'other');
  return Object.freeze({ kind: 'e164', e164, country, type });
}

function tryParse(text: string, country: CountryCode | undefined): PartyNumber | undefined {
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed === undefined || parsed.country === undefined) return undefined;
  if (parsed.isValid()) return e164Party(parsed.number, parsed.country, parsed.getType());
  return undefined;
}

function tryPossible(text: string, country: CountryCode | undefined): PartyNumber | undefined {
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed === undefined || parsed.country === undefined || !parsed.isPossible()) return undefined;
  return e164Party(parsed.number, parsed.country, undefined);
}

/** Uncached normalisation; see {@link Normaliser.normalise}. */
export function normaliseNumber(raw: string, defaultCountry: string): PartyNumber {
  const cleaned = raw.replace(/[\s\-.()/]/g, '');
  const plus = cleaned.startsWith('+');
  const digits = plus ? cleaned.slice(1) : cleaned;
  if (digits.length === 0 || !/^[0-9]+$/.test(digits)) return Object.freeze({ kind: 'unparsed', raw });
  if (!plus && digits.length <= MAX_EXTENSION_DIGITS)
    return Object.freeze({ kind: 'extension', extension: digits });
  const country = /^[A-Z]{2}$/.test(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
  let found: PartyNumber | undefined;
  if (plus) {
    found = tryParse('+' + digits, undefined) ?? tryPossible('+' + digits, undefined);
  } else {
    // Brazil dials abroad as 00 + two-digit carrier code + country code (e.g. 0021 44 20 7946 0958).
    if (country === 'BR' && digits.startsWith('00') && digits.length > 6)
      found = tryParse('+' + digits.slice(4), undefined);
    // National format first, then the digits as E.164 without the `+`.
    found ??= tryParse(digits, country);
    if (found === undefined && !digits.startsWith('0')) found = tryParse('+' + digits, undefined);
    found ??= tryPossible(digits, country);
  }
  return found ?? Object.freeze({ kind: 'unparsed', raw });
}

/** Creates a cached normaliser. */
export function createNormaliser(options: NormaliserOptions = {}): Normaliser {
  const capacity = Math.max(1, options.cacheSize ?? DEFAULT_CACHE_SIZE);
  let young = new Map<string, Map<string, PartyNumber>>();
  let old = new Map<string, Map<string, PartyNumber>>();
  let youngSize = 0;
  let hits = 0;
  let misses = 0;

  const store = (country: string, raw: string, party: PartyNumber): void => {
    if (youngSize >= capacity) {
      old = young;
      young = new Map();
      youngSize = 0;
    }
    let byRaw = young.get(country);
    if (byRaw === undefined) {
      byRaw = new Map();
      young.set(country, byRaw);
    }
    byRaw.set(raw, party);
    youngSize++;
  };

  return {
    normalise(raw: string, defaultCountry: string): PartyNumber {
      const cached = young.get(defaultCountry)?.get(raw);
      if (cached !== undefined) {
        hits++;
        return cached;
      }
      const promoted = old.get(defaultCountry)?.get(raw);
      if (promoted !== undefined) {
        hits++;
        store(defaultCountry, raw, promoted);
        return promoted;
      }
      misses++;
      const party = normaliseNumber(raw, defaultCountry);
      store(defaultCountry, raw, party);
      return party;
    },
    stats: () => ({ hits, misses }),
  };
}
