// The international reader (src/international.ts) gives libphonenumber-js's own answer for `+<digits>`
// (number, country, type, or no valid number) on every input it does not leave to the library.
import type * as LibPhoneNumber from 'libphonenumber-js/max';
import { createInternationalReader, DEFER, type InternationalReader } from '../src/international.js';
import { random } from './random.js';

// An unpatched copy of the library: a fresh module registry loads its files again.
let reference: typeof LibPhoneNumber | undefined;
jest.isolateModules(() => {
  reference = jest.requireActual<typeof LibPhoneNumber>('libphonenumber-js/max');
});
const lib = reference as typeof LibPhoneNumber;
const examples = jest.requireActual<Record<string, string>>('libphonenumber-js/examples.mobile.json');
const metadata = jest.requireActual<{ country_calling_codes: Record<string, string[]> }>(
  'libphonenumber-js/metadata.max.json',
);

/** What the normaliser asks the library for `+<digits>`: the valid number, or `undefined`. */
function libraryAnswer(digits: string): unknown {
  const parsed = lib.parsePhoneNumberFromString('+' + digits);
  if (parsed === undefined || parsed.country === undefined) return undefined;
  const type = parsed.getType();
  return type === undefined ? undefined : { e164: parsed.number, country: parsed.country, type };
}

const read = createInternationalReader() as InternationalReader;

/** Compares every input; returns how many the reader answered itself, and how many of those are valid. */
function compare(inputs: Iterable<string>): { answered: number; deferred: number; valid: number } {
  let answered = 0;
  let deferred = 0;
  let valid = 0;
  for (const digits of inputs) {
    const answer = read(digits);
    if (answer === DEFER) {
      deferred++;
      continue;
    }
    expect([digits, answer]).toEqual([digits, libraryAnswer(digits)]);
    answered++;
    if (answer !== undefined) valid++;
  }
  return { answered, deferred, valid };
}

describe('createInternationalReader', () => {
  it('is built from the installed libphonenumber-js', () => {
    expect(read).toBeDefined();
    expect(read('12125550123')).toEqual({
      e164: '+12125550123',
      country: 'US',
      type: 'FIXED_LINE_OR_MOBILE',
    });
  });

  it('answers hand-picked numbers as the library does: shared codes, types, no country, national prefixes', () => {
    const inputs = [
      '12125550123', // US, fixed line or mobile
      '14165550123', // CA (+1 shared: leading digits)
      '17875550123', // PR
      '18765550123', // JM
      '18005550123', // NANP toll free
      '19005550123', // NANP premium rate
      '447911123456', // GB mobile
      '442079460958', // GB fixed line
      '447700900007', // GB, a drama number: possible, not valid
      '441481256789', // GG (+44 shared)
      '5511987654321', // BR mobile
      '551133334444', // BR fixed line
      '5508001234567', // BR toll free
      '79123456789', // RU mobile
      '77012345678', // KZ (+7 shared)
      '390612345678', // IT fixed line, leading 0 kept
      '61412345678', // AU mobile
      '541155610486', // AR: its national-prefix rule matches nothing here, so nothing is stripped
      '5491123456789', // AR mobile with its 9
      '5401155610486', // AR with a national prefix 0 after the code: the library's to read
      '80012345678', // non-geographic +800: no country
      '88213456789', // non-geographic +882
      '99912345678', // no such calling code
      '0123456789', // +0: no calling code
      '12', // too short: the library's other paths
      '1234',
      '123456789012345678901', // too long
    ];
    const { answered } = compare(inputs);
    expect(answered).toBeGreaterThan(15);
  });

  it('agrees on every example number of every country and 40 variations of each', () => {
    const next = random(20261126);
    const digits = (n: number): string => {
      let s = '';
      for (let i = 0; i < n; i++) s += String(Math.floor(next() * 10));
      return s;
    };
    const inputs: string[] = [];
    for (const [country, example] of Object.entries(examples)) {
      const code = lib.getCountryCallingCode(country as LibPhoneNumber.CountryCode);
      inputs.push(code + example);
      for (let v = 0; v < 40; v++) {
        // The last 1–5 digits changed (mostly still valid), or one digit more or less.
        const keep = Math.max(0, example.length - 1 - Math.floor(next() * 5));
        const national =
          v % 10 === 8
            ? example + digits(1)
            : v % 10 === 9
              ? example.slice(0, -1)
              : example.slice(0, keep) + digits(example.length - keep);
        inputs.push(code + national);
      }
    }
    const { answered, deferred, valid } = compare(inputs);
    // The reader answers nearly all of them itself, and the sample is mostly valid numbers.
    expect(deferred).toBeLessThan(inputs.length * 0.05);
    expect(valid).toBeGreaterThan(answered * 0.5);
  });

  it('agrees on random digits after every calling code, at every length from 1 to 15', () => {
    const next = random(7);
    const inputs: string[] = [];
    for (const code of Object.keys(metadata.country_calling_codes)) {
      for (let length = 1; length <= 15; length++) {
        for (let k = 0; k < 12; k++) {
          let national = '';
          for (let i = 0; i < length; i++) national += String(Math.floor(next() * 10));
          inputs.push(code + national);
        }
      }
    }
    const { answered, valid } = compare(inputs);
    // Deferred: inputs too short for a calling code and two digits, and digits after the code that start
    // with a national prefix (a tenth of random digits in countries whose prefix is 0).
    expect(answered).toBeGreaterThan(inputs.length * 0.8);
    expect(valid).toBeGreaterThan(1_000);
  });
});
