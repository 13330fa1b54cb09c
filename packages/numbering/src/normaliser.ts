/**
 * The edge normaliser: a dialled or presented number as received + the account's country → E.164,
 * country and type, or an extension. Uses libphonenumber-js with full (`max`) metadata: the default
 * `min` metadata cannot tell a Brazilian mobile from a landline. Parsing costs 3–15 µs, so results are
 * cached by (raw text, default country) in a bounded two-generation cache.
 */
import type { CountryCode, NumberType as LibType } from 'libphonenumber-js/max';
import type { NumberType, PartyNumber } from '@cdrate/rating-core';
import { StringTable } from '@cdrate/rating-core';
import { createInternationalReader, DEFER } from './international.js';
import { libphonenumber } from './libphonenumber.js';
import type { SharedNumberTable } from './shared-table.js';

const { getCountryCallingCode, isSupportedCountry, parsePhoneNumberFromString } = libphonenumber;

/** Longest digit string without `+` that is read as an extension rather than a phone number. */
export const MAX_EXTENSION_DIGITS = 6;

/** Default number of entries of one cache generation (two generations are kept). */
export const DEFAULT_CACHE_SIZE = 200_000;

export interface NormaliserOptions {
  /**
   * Entries per cache generation (per country, plus one for `+…` texts and one for the E.164 level).
   * When the young generation is full it becomes the old one and the previous old one is dropped, so
   * a table holds at most `2 × cacheSize` results (~100 bytes each plus 12 bytes of index).
   */
  readonly cacheSize?: number;
  /**
   * Valid numbers shared with normalisers in other threads ({@link SharedNumberTable}): a number one of
   * them parsed costs the others no parse. The answers are the same with or without.
   */
  readonly shared?: SharedNumberTable;
}

/** Cache counters since the normaliser was created. */
export interface NormaliserStats {
  /** Found in the cache by raw text. */
  readonly hits: number;
  /** Not found by raw text. */
  readonly misses: number;
  /** Parses by the numbering library (misses that were another form of a known number need none). */
  readonly parsed: number;
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
  // With full metadata a number is valid exactly when it has a type (libphonenumber's isValid() is
  // getType() !== undefined), so one call does both.
  const type = parsed.getType();
  return type === undefined ? undefined : e164Party(parsed.number, parsed.country, type);
}

/** The library's answers for `+<digits>` without its general machinery (see international.ts). */
const readInternational = createInternationalReader();

/** `tryParse('+' + digits, undefined)`; `digits` are ASCII digits. */
function tryInternational(digits: string): PartyNumber | undefined {
  const read = readInternational?.(digits) ?? DEFER;
  if (read === DEFER) return tryParse('+' + digits, undefined);
  return read === undefined ? undefined : e164Party(read.e164, read.country, read.type);
}

function tryPossible(text: string, country: CountryCode | undefined): PartyNumber | undefined {
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed === undefined || parsed.country === undefined || !parsed.isPossible()) return undefined;
  return e164Party(parsed.number, parsed.country, undefined);
}

/**
 * A number that is possible but not valid, read from `text` (an international form: `+…`, an
 * international prefix, bare E.164 digits) in a calling code several countries share (+1, +44, +7, …):
 * libphonenumber cannot tell their country, so it has none. It is `country`'s (the account's) when that
 * country has the calling code and its national form reads, in that country, as the same number: the
 * answer the account's national form of it gets (`+44 7700 900007` from a GB account is GB, as
 * `07700 900007` is). From an account elsewhere it stays unreadable. `undefined` otherwise.
 */
function tryPossibleInAccountCountry(text: string, country: CountryCode): PartyNumber | undefined {
  const parsed = parsePhoneNumberFromString(text, country);
  if (parsed === undefined || parsed.country !== undefined || !parsed.isPossible()) return undefined;
  if (!isSupportedCountry(country) || parsed.countryCallingCode !== getCountryCallingCode(country))
    return undefined;
  const national = parsePhoneNumberFromString(parsed.nationalNumber, country);
  if (national === undefined || national.number !== parsed.number || national.country !== country)
    return undefined;
  return national.isPossible() ? e164Party(parsed.number, country, undefined) : undefined;
}

/** Countries whose trunk prefix is 0 and whose international prefix is 00 (used by {@link candidateE164}). */
const TRUNK_ZERO: Readonly<Record<string, string>> = { GB: '44' };
const NANP: ReadonlySet<string> = new Set(['US', 'CA', 'PR', 'VI', 'GU', 'AS', 'MP']);

/**
 * The E.164 that `normaliseNumber(raw, country)` returns for the common dialled forms, computed
 * without the numbering library, or `undefined` when not derivable cheaply. Only trusted when that
 * E.164 is already known to be a valid number: for these forms the library then yields exactly it.
 * `digits` is the cleaned text without `+`.
 */
function candidateE164(digits: string, plus: boolean, country: string): string | undefined {
  if (plus) return '+' + digits;
  const length = digits.length;
  const first = digits.charCodeAt(0);
  if (NANP.has(country)) {
    if (digits.startsWith('011')) return '+' + digits.slice(3);
    if (length === 10 && first >= 50) return '+1' + digits;
    // 1 + ten digits, or longer than any NANP national number (ten digits; the national prefix is 1).
    if (length >= 11 && first !== 48) return '+' + digits;
    return undefined;
  }
  if (country === 'BR') {
    if (digits.startsWith('00') && length > 6) return '+' + digits.slice(4);
    if ((length === 10 || length === 11) && first !== 48) return '+55' + digits;
    if (length >= 12 && first !== 48) return '+' + digits; // longer than any Brazilian national form
    return undefined;
  }
  const trunk = TRUNK_ZERO[country];
  if (trunk !== undefined) {
    if (first === 48)
      return digits.charCodeAt(1) === 48 ? '+' + digits.slice(2) : '+' + trunk + digits.slice(1);
    if (length >= 11) return '+' + digits; // longer than any UK national number (ten digits after the 0)
  }
  return undefined;
}

function clean(raw: string): { readonly plus: boolean; readonly digits: string } | undefined {
  const cleaned = /^\+?[0-9]+$/.test(raw) ? raw : raw.replace(/[\s\-.()/]/g, '');
  const plus = cleaned.startsWith('+');
  const digits = plus ? cleaned.slice(1) : cleaned;
  if (digits.length === 0 || !/^[0-9]+$/.test(digits)) return undefined;
  return { plus, digits };
}

/** Uncached normalisation; see {@link Normaliser.normalise}. */
export function normaliseNumber(raw: string, defaultCountry: string): PartyNumber {
  const cleaned = clean(raw);
  if (cleaned === undefined) return Object.freeze({ kind: 'unparsed', raw });
  return normaliseDigits(raw, cleaned.digits, cleaned.plus, defaultCountry);
}

function normaliseDigits(raw: string, digits: string, plus: boolean, defaultCountry: string): PartyNumber {
  const found = readDigits(raw, digits, plus, defaultCountry);
  return found.kind === 'unparsed' ? (inAccountCountry(digits, plus, defaultCountry) ?? found) : found;
}

/**
 * {@link normaliseDigits} without the account-country rule ({@link inAccountCountry}). For a `+…` number
 * the answer does not depend on `defaultCountry`.
 */
function readDigits(raw: string, digits: string, plus: boolean, defaultCountry: string): PartyNumber {
  if (!plus && digits.length <= MAX_EXTENSION_DIGITS)
    return Object.freeze({ kind: 'extension', extension: digits });
  const country = countryCode(defaultCountry);
  let found: PartyNumber | undefined;
  if (plus) {
    found = tryInternational(digits) ?? tryPossible('+' + digits, undefined);
  } else {
    // Brazil dials abroad as 00 + two-digit carrier code + country code (e.g. 0021 44 20 7946 0958).
    if (country === 'BR' && digits.startsWith('00') && digits.length > 6)
      found = tryInternational(digits.slice(4));
    // National format first, then the digits as E.164 without the `+`.
    found ??= tryParse(digits, country);
    if (found === undefined && !digits.startsWith('0')) found = tryInternational(digits);
    found ??= tryPossible(digits, country);
  }
  return found ?? Object.freeze({ kind: 'unparsed', raw });
}

/**
 * The account-country rule for a number {@link readDigits} could not read: an international form of a
 * possible number in a shared calling code is the account's country's when that country has the code
 * ({@link tryPossibleInAccountCountry}). `undefined` when the rule does not apply.
 */
function inAccountCountry(digits: string, plus: boolean, defaultCountry: string): PartyNumber | undefined {
  const country = countryCode(defaultCountry);
  if (country === undefined) return undefined;
  if (plus) return tryPossibleInAccountCountry('+' + digits, country);
  if (digits.length <= MAX_EXTENSION_DIGITS) return undefined;
  return (
    tryPossibleInAccountCountry(digits, country) ??
    (digits.startsWith('0') ? undefined : tryPossibleInAccountCountry('+' + digits, country))
  );
}

function countryCode(defaultCountry: string): CountryCode | undefined {
  return /^[A-Z]{2}$/.test(defaultCountry) ? (defaultCountry as CountryCode) : undefined;
}

/** Two generations of a {@link StringTable}: when the young one is full it becomes the old one. */
class Generations<V> {
  private young: StringTable<V>;
  private old: StringTable<V> | undefined;

  constructor(private readonly capacity: number) {
    this.young = new StringTable(capacity);
  }

  get(key: string): V | undefined {
    const found = this.young.get(key);
    if (found !== undefined || this.old === undefined) return found;
    const promoted = this.old.get(key);
    if (promoted !== undefined) this.set(key, promoted);
    return promoted;
  }

  /** Adds `key` (absent from the young generation). */
  set(key: string, value: V): void {
    if (this.young.full) {
      this.old = this.young;
      this.young = new StringTable(this.capacity);
    }
    this.young.add(key, value);
  }
}

/** Cache key space of `+…` texts, which do not depend on the default country. */
const INTERNATIONAL = '+';

/** Creates a cached normaliser. */
export function createNormaliser(options: NormaliserOptions = {}): Normaliser {
  const capacity = Math.max(16, options.cacheSize ?? DEFAULT_CACHE_SIZE);
  const byCountry = new Map<string, Generations<PartyNumber>>();
  // Second level: valid numbers by E.164, so that another dialled form of a known number costs no
  // parse (see candidateE164).
  const validByE164 = new Generations<PartyNumber>(capacity);
  const shared = options.shared;
  let hits = 0;
  let misses = 0;
  let parsed = 0;

  // Never an account's country (ISO alpha-2), so the first call looks its country's table up.
  let lastCountry = INTERNATIONAL;
  const tableOf = (space: string): Generations<PartyNumber> => {
    let table = byCountry.get(space);
    if (table === undefined) {
      table = new Generations(capacity);
      byCountry.set(space, table);
    }
    return table;
  };
  const internationalTable = tableOf(INTERNATIONAL);
  let lastTable = internationalTable;

  /**
   * Normalises a text not in the cache. `international`: a `+…` text, cached for every country, so the
   * account-country rule is left out (the caller applies it per country; see `normalise`).
   */
  const compute = (raw: string, defaultCountry: string, international: boolean): PartyNumber => {
    const cleaned = clean(raw);
    if (cleaned === undefined) return Object.freeze({ kind: 'unparsed', raw });
    const candidate =
      cleaned.plus || cleaned.digits.length > MAX_EXTENSION_DIGITS
        ? candidateE164(cleaned.digits, cleaned.plus, defaultCountry)
        : undefined;
    let party: PartyNumber | undefined;
    if (candidate !== undefined) {
      const known = validByE164.get(candidate);
      if (known !== undefined) return known;
      const sharedParty = shared?.get(candidate);
      if (sharedParty !== undefined) {
        validByE164.set(candidate, sharedParty);
        return sharedParty;
      }
      // A valid candidate is what the full procedure would return (see candidateE164): one parse.
      parsed++;
      party = tryInternational(candidate.slice(1));
    }
    if (party === undefined) {
      parsed++;
      party = (international ? readDigits : normaliseDigits)(
        raw,
        cleaned.digits,
        cleaned.plus,
        defaultCountry,
      );
    }
    if (party.kind === 'e164' && party.type !== 'unknown' && validByE164.get(party.e164) === undefined) {
      validByE164.set(party.e164, party);
      shared?.add(party);
    }
    return party;
  };

  return {
    normalise(raw: string, defaultCountry: string): PartyNumber {
      // The `+…` table and the last country's are at hand (a CDR's two numbers share the country).
      const international = raw.charCodeAt(0) === 43;
      if (defaultCountry !== lastCountry) {
        lastCountry = defaultCountry;
        lastTable = tableOf(defaultCountry);
      }
      const table = international ? internationalTable : lastTable;
      let party = table.get(raw);
      if (party !== undefined) {
        hits++;
      } else {
        misses++;
        party = compute(raw, defaultCountry, international);
        table.set(raw, party);
      }
      if (!international || party.kind !== 'unparsed') return party;
      // A `+…` number no country could be told for may be the account's country's (inAccountCountry):
      // decided per country, in the country's table (which holds no other `+…` texts).
      const perCountry = lastTable.get(raw);
      if (perCountry !== undefined) return perCountry;
      const cleaned = clean(raw);
      parsed++;
      const owned = (cleaned && inAccountCountry(cleaned.digits, cleaned.plus, defaultCountry)) ?? party;
      lastTable.set(raw, owned);
      return owned;
    },
    stats: () => ({ hits, misses, parsed }),
  };
}
