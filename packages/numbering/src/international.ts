// What libphonenumber-js answers for an international number `+<digits>` parsed without a default
// country and asked its type (`parsePhoneNumberFromString('+' + digits)` then `getType()`), computed from
// the library's own metadata with every pattern compiled once.
//
// Why: every first-seen number costs the normaliser one such parse. The library spends most of it on
// general machinery (text extraction, argument and metadata wrappers rebuilt on each call, a `RegExp`
// built from the national-prefix rule on each call): 5–19 µs in a loop and ~40 µs in a long-running
// service (docs/performance.md), against 0.5–2.5 µs for the same steps here (32,000 numbers of the
// bench file, warm: 0.5 µs against 4.8–10.8 µs).
//
// How it stays equal: the steps below are the library's own for this input, in its order
// (libphonenumber-js 1.13: `parse` → `extractCountryCallingCode` → `extractNationalNumber` →
// `getCountryByCallingCode` → `getNumberType`), and every value they use (calling codes, countries per
// code, national-prefix rule, leading digits, number patterns, possible lengths per type) is read through
// the library's `Metadata` class at start-up, not from the JSON by hand. Where the library would do
// something more involved (a national prefix to strip from the digits after the calling code, which only
// unusual numbers have), the reader says {@link DEFER} and the caller asks the library itself.
// test/international.test.ts compares both on every example number of every country, variations of them
// and random digit strings after every calling code; test/normaliser.test.ts compares the normaliser that
// uses the reader with its uncached procedure on the dialled forms of such numbers.
import { createRequire } from 'node:module';
import type { NumberType } from 'libphonenumber-js/max';
import { libphonenumber } from './libphonenumber.js';

const require = createRequire(import.meta.url);

/** The answer is the library's to give (see the top of this file). */
export const DEFER = Symbol('defer to libphonenumber');

/** Number types as libphonenumber-js names them. */
export type LibNumberType = NonNullable<NumberType>;

/** A valid number: what the library's parse gives as `number` and `country`, and `getType()`. */
export interface InternationalNumber {
  readonly e164: string;
  readonly country: string;
  readonly type: LibNumberType;
}

/**
 * Reads `'+' + digits` (`digits`: ASCII digits only) as the library would: the valid number, `undefined`
 * when the library finds no country or no type for it, or {@link DEFER}.
 */
export type InternationalReader = (digits: string) => InternationalNumber | undefined | typeof DEFER;

/** The library's `getNumberType` order after the fixed-line check (`helpers/getNumberType.js`). */
const NON_FIXED_LINE_TYPES: readonly LibNumberType[] = [
  'MOBILE',
  'PREMIUM_RATE',
  'TOLL_FREE',
  'SHARED_COST',
  'VOIP',
  'PERSONAL_NUMBER',
  'PAGER',
  'UAN',
  'VOICEMAIL',
];

/** `helpers/matchesEntirely`: the whole text matches the pattern. */
function entirely(pattern: string): RegExp {
  return new RegExp('^(?:' + pattern + ')$');
}

/** A type of a country's numbers: `isNumberTypeEqualTo` is `lengths` has the length and `pattern` matches. */
interface TypeRule {
  readonly pattern: RegExp;
  /** `undefined`: any length. */
  readonly lengths: readonly number[] | undefined;
}

interface CountryPlan {
  readonly country: string;
  /** Tried first when several countries share the calling code (`search(...) === 0`). */
  readonly leadingDigits: RegExp | undefined;
  readonly nationalNumber: RegExp;
  readonly fixedLine: TypeRule | undefined;
  readonly mobile: TypeRule | undefined;
  /**
   * A fixed-line number is `FIXED_LINE_OR_MOBILE` without testing `MOBILE`: the country has no `MOBILE`
   * type, or one with an empty pattern.
   */
  readonly fixedLineIsAlsoMobile: boolean;
  readonly others: readonly (readonly [LibNumberType, TypeRule])[];
}

interface CallingCodePlan {
  readonly code: string;
  /** The main country's national-prefix rule, anchored; `undefined` when it has none. */
  readonly nationalPrefix: RegExp | undefined;
  /** The main country has a national-prefix transform rule. */
  readonly transform: boolean;
  /** Empty for a non-geographic code (the library then finds no country). */
  readonly countries: readonly CountryPlan[];
}

/** The part of libphonenumber-js's `Metadata` class the reader builds from. */
interface LibMetadata {
  hasCallingCode(code: string): boolean | undefined;
  getCountryCodesForCallingCode(code: string): string[] | undefined;
  selectNumberingPlan(countryOrCode: string): LibMetadata;
  readonly numberingPlan: LibNumberingPlan;
}
interface LibNumberingPlan {
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
  nationalNumberPattern(): string;
  leadingDigits(): string | undefined;
  type(type: string): { pattern(): string; possibleLengths(): number[] | undefined } | undefined;
}

function typeRule(plan: LibNumberingPlan, type: string): TypeRule | undefined {
  const definition = plan.type(type);
  // `isNumberTypeEqualTo`: no definition or an empty pattern is never that type.
  if (definition === undefined || !definition.pattern()) return undefined;
  return { pattern: entirely(definition.pattern()), lengths: definition.possibleLengths() };
}

function countryPlan(metadata: LibMetadata, country: string): CountryPlan {
  const plan = metadata.selectNumberingPlan(country).numberingPlan;
  const leading = plan.leadingDigits();
  const mobile = plan.type('MOBILE');
  const others: (readonly [LibNumberType, TypeRule])[] = [];
  for (const type of NON_FIXED_LINE_TYPES) {
    const rule = typeRule(plan, type);
    if (rule !== undefined) others.push([type, rule]);
  }
  return {
    country,
    leadingDigits: leading ? new RegExp(leading) : undefined,
    nationalNumber: entirely(plan.nationalNumberPattern()),
    fixedLine: typeRule(plan, 'FIXED_LINE'),
    mobile: typeRule(plan, 'MOBILE'),
    fixedLineIsAlsoMobile: mobile === undefined || mobile.pattern() === '',
    others,
  };
}

function is(rule: TypeRule | undefined, nationalNumber: string): boolean {
  return (
    rule !== undefined &&
    (rule.lengths === undefined || rule.lengths.indexOf(nationalNumber.length) >= 0) &&
    rule.pattern.test(nationalNumber)
  );
}

/** `helpers/getNumberType` for a country. */
function numberType(plan: CountryPlan, nationalNumber: string): LibNumberType | undefined {
  if (!plan.nationalNumber.test(nationalNumber)) return undefined;
  if (is(plan.fixedLine, nationalNumber)) {
    if (plan.fixedLineIsAlsoMobile || is(plan.mobile, nationalNumber)) return 'FIXED_LINE_OR_MOBILE';
    return 'FIXED_LINE';
  }
  for (const [type, rule] of plan.others) if (is(rule, nationalNumber)) return type;
  return undefined;
}

/** `helpers/getCountryByCallingCode` (and `getCountryByNationalNumber` for a shared code). */
function countryOf(plan: CallingCodePlan, nationalNumber: string): CountryPlan | undefined {
  const countries = plan.countries;
  if (countries.length <= 1) return countries[0];
  for (const country of countries) {
    if (country.leadingDigits !== undefined) {
      if (nationalNumber.search(country.leadingDigits) === 0) return country;
    } else if (numberType(country, nationalNumber) !== undefined) {
      return country;
    }
  }
  return undefined;
}

/** The library's `Metadata` class and max metadata, or `undefined` when its build has another layout. */
function libraryMetadata(): LibMetadata | undefined {
  try {
    const index = require.resolve('libphonenumber-js/max');
    const metadataModule = require(index.replace(/max[\\/]index\.cjs$/, 'build/metadata.js')) as {
      default?: new (json: unknown) => LibMetadata;
    };
    const json = require('libphonenumber-js/metadata.max.json') as unknown;
    if (typeof metadataModule.default !== 'function') return undefined;
    const metadata = new metadataModule.default(json);
    // A sanity check that the library is there and reads a number of a shared code; that it parses with
    // this same metadata is what test/international.test.ts establishes, number by number.
    const probe = libphonenumber.parsePhoneNumberFromString('+12125550123');
    if (probe?.country !== 'US') return undefined;
    return metadata;
  } catch {
    return undefined;
  }
}

/** Longest calling code (`MAX_LENGTH_COUNTRY_CODE`). */
const MAX_CODE_DIGITS = 3;
/** `MIN_LENGTH_FOR_NSN` and `MAX_LENGTH_FOR_NSN` of `parse`. */
const MIN_NATIONAL_DIGITS = 2;
const MAX_NATIONAL_DIGITS = 17;

/**
 * Builds the reader from the library's metadata (10–25 ms), or returns `undefined` when the installed
 * libphonenumber-js is laid out differently (callers then use the library for every number).
 */
export function createInternationalReader(): InternationalReader | undefined {
  const metadata = libraryMetadata();
  if (metadata === undefined) return undefined;
  const codes = new Map<string, CallingCodePlan>();
  for (let length = 1; length <= MAX_CODE_DIGITS; length++) {
    const first = 10 ** (length - 1);
    for (let n = first; n < first * 10; n++) {
      const code = String(n);
      if (!metadata.hasCallingCode(code)) continue;
      const countries = metadata.getCountryCodesForCallingCode(code) ?? [];
      const main = metadata.selectNumberingPlan(code).numberingPlan;
      const prefix = main.nationalPrefixForParsing();
      codes.set(code, {
        code,
        nationalPrefix: prefix ? new RegExp('^(?:' + prefix + ')') : undefined,
        transform: Boolean(main.nationalPrefixTransformRule()),
        countries: countries.map((country) => countryPlan(metadata, country)),
      });
    }
  }

  return (digits: string): InternationalNumber | undefined | typeof DEFER => {
    // Short inputs take other paths in `parse` (too short to be a phone number): the library decides.
    if (digits.length < MAX_CODE_DIGITS + MIN_NATIONAL_DIGITS) return DEFER;
    // `extractCountryCallingCode`: `+0…` has none; else the shortest known code.
    if (digits.charCodeAt(0) === 48) return undefined;
    let plan: CallingCodePlan | undefined;
    for (let length = 1; length <= MAX_CODE_DIGITS && plan === undefined; length++)
      plan = codes.get(digits.slice(0, length));
    if (plan === undefined) return undefined;
    const nationalNumber = digits.slice(plan.code.length);
    // `extractNationalNumber` would strip a national prefix or transform the number: leave that to the
    // library. A rule that matches nothing (some rules are optional as a whole, such as Argentina's)
    // and captures nothing leaves the number as it is (`extractNationalNumberFromPossiblyIncompleteNumber`).
    if (plan.nationalPrefix !== undefined) {
      const match = plan.nationalPrefix.exec(nationalNumber);
      if (match !== null) {
        const groups = match.length - 1;
        const captured = groups > 0 && Boolean(match[groups]);
        if ((plan.transform && captured) || match[0].length > 0) return DEFER;
      }
    }
    const country = countryOf(plan, nationalNumber);
    if (country === undefined) return undefined;
    if (nationalNumber.length < MIN_NATIONAL_DIGITS || nationalNumber.length > MAX_NATIONAL_DIGITS)
      return undefined;
    const type = numberType(country, nationalNumber);
    if (type === undefined) return undefined;
    return { e164: '+' + plan.code + nationalNumber, country: country.country, type };
  };
}
