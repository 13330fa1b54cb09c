// The faster `matchesEntirely` installed into libphonenumber-js (src/libphonenumber.ts) changes no answer:
// every parse and type check agrees with an unpatched copy of the library.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as LibPhoneNumber from 'libphonenumber-js/max';
import {
  createMatchesEntirely,
  createParsePhoneNumberWithError,
  libphonenumber,
  MATCHES_ENTIRELY_INSTALLED,
  PARSE_WITH_ERROR_INSTALLED,
} from '../src/libphonenumber.js';
import { random } from './random.js';

// An unpatched copy of the library: a fresh module registry loads its files again.
let reference: typeof LibPhoneNumber | undefined;
jest.isolateModules(() => {
  reference = jest.requireActual<typeof LibPhoneNumber>('libphonenumber-js/max');
});
const nodeRequire = createRequire(join(__dirname, '..', 'package.json'));
const helperPath = nodeRequire
  .resolve('libphonenumber-js/max')
  .replace(/max[\\/]index\.cjs$/, 'build/helpers/matchesEntirely.js');
const examples = jest.requireActual<Record<string, string>>('libphonenumber-js/examples.mobile.json');

function describeParse(lib: typeof LibPhoneNumber, text: string, country: string | undefined): unknown {
  const parsed = lib.parsePhoneNumberFromString(text, country as LibPhoneNumber.CountryCode | undefined);
  if (parsed === undefined) return undefined;
  return [
    parsed.number,
    parsed.country,
    parsed.countryCallingCode,
    parsed.nationalNumber,
    parsed.getType(),
    parsed.isValid(),
    parsed.isPossible(),
    parsed.formatInternational(),
  ];
}

describe('libphonenumber-js with one compiled RegExp per pattern', () => {
  it('is installed in the libphonenumber-js build the normaliser uses, and the reference is not', () => {
    expect(MATCHES_ENTIRELY_INSTALLED).toBe(true);
    expect(PARSE_WITH_ERROR_INSTALLED).toBe(true);
    expect(reference).toBeDefined();
    expect(reference).not.toBe(libphonenumber);
    const helper = nodeRequire(helperPath) as { default: (text: string, pattern: string) => boolean };
    expect(helper.default.toString()).toContain('compiled.get(pattern)');
    const withError = nodeRequire(
      helperPath.replace(/helpers[\\/]matchesEntirely\.js$/, 'parsePhoneNumberWithError_.js'),
    ) as {
      default: () => unknown;
    };
    expect(withError.default.name).toBe('parsePhoneNumberWithError');
    expect(withError.default.toString()).toContain('v2: true');
  });

  it('passes parse a copy of the options with v2 set, as the Babel spread did', () => {
    const calls: unknown[][] = [];
    const parse = createParsePhoneNumberWithError({ default: (...args: unknown[]) => calls.push(args) });
    const symbol = Symbol('s');
    const options = { defaultCountry: 'GB', extract: false, [symbol]: 1 };
    Object.defineProperty(options, 'hidden', { value: 1, enumerable: false });
    parse('020', options, 'metadata');
    parse('+44', undefined, 'metadata');
    expect(calls[0]).toEqual([
      '020',
      { defaultCountry: 'GB', extract: false, [symbol]: 1, v2: true },
      'metadata',
    ]);
    expect(Object.keys(calls[0]?.[1] as object)).toEqual(['defaultCountry', 'extract', 'v2']);
    expect(calls[0]?.[1]).not.toBe(options);
    expect(options).not.toHaveProperty('v2');
    expect(calls[1]).toEqual(['+44', { v2: true }, 'metadata']);
  });

  it('answers like a fresh RegExp for every pattern and text, including empty and missing text', () => {
    const matches = createMatchesEntirely();
    const patterns = ['', '\\d{3}', '[2-9]\\d{9}|3\\d{6}', '1(?:0|2)?', 'a|b'];
    const texts = [undefined, '', '123', '2125550123', '3123456', '1', '10', '12', 'a', 'ab', '0123'];
    for (let round = 0; round < 2; round++) {
      for (const pattern of patterns) {
        for (const text of texts) {
          expect(matches(text, pattern)).toBe(new RegExp('^(?:' + pattern + ')$').test(text || ''));
        }
      }
    }
  });

  it('parses, types and validates 30,000 generated numbers exactly as the unpatched library', () => {
    const lib = reference as typeof LibPhoneNumber;
    const next = random(20260126);
    const countries = Object.keys(examples);
    const defaults = [undefined, 'US', 'CA', 'GB', 'BR', 'DE', 'FR', 'IN', 'AU', 'PR', 'MX', 'AR'];
    const digits = (n: number): string => {
      let s = '';
      for (let i = 0; i < n; i++) s += String(Math.floor(next() * 10));
      return s;
    };
    let compared = 0;
    let valid = 0;
    while (compared < 30_000) {
      const country = countries[Math.floor(next() * countries.length)] as string;
      const example = examples[country] as string;
      const callingCode = lib.getCountryCallingCode(country as LibPhoneNumber.CountryCode);
      // A valid mobile number, one with its last digits changed, random digits of a plausible length.
      const keep = Math.floor(next() * example.length);
      const national = [
        example,
        example.slice(0, keep) + digits(example.length - keep),
        digits(6 + Math.floor(next() * 8)),
      ];
      for (const n of national) {
        const forms: readonly (readonly [string, string | undefined])[] = [
          ['+' + callingCode + n, undefined],
          [n, country],
          ['0' + n, country],
          [callingCode + n, defaults[Math.floor(next() * defaults.length)]],
          ['00' + callingCode + n, 'GB'],
          ['011 ' + callingCode + ' ' + n, 'US'],
          ['(' + n.slice(0, 3) + ') ' + n.slice(3), defaults[Math.floor(next() * defaults.length)]],
        ];
        for (const [text, defaultCountry] of forms) {
          const expected = describeParse(lib, text, defaultCountry);
          expect([text, defaultCountry, describeParse(libphonenumber, text, defaultCountry)]).toEqual([
            text,
            defaultCountry,
            expected,
          ]);
          if (Array.isArray(expected) && expected[5] === true) valid++;
          compared++;
        }
      }
    }
    // The sample exercises valid numbers, not only rejections.
    expect(valid).toBeGreaterThan(5_000);
  });
});
