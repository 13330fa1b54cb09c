// libphonenumber-js with full (`max`) metadata, loaded through its CommonJS build so that two internal
// functions can be replaced at load time by equivalents that are faster.
//
// `helpers/matchesEntirely(text, pattern)` is what every validity and type check runs (one parse with
// `getType()` calls it 5–40 times). It builds `new RegExp('^(?:' + pattern + ')$')` on each call: V8
// then flattens and hashes the concatenated pattern (several KB for NANP and Brazil) to find the compiled
// expression in its cache, and recompiles it after the cache was cleared by a garbage collection. The
// replacement keeps one `RegExp` per pattern text. A non-global, non-sticky `RegExp`'s `test` neither
// reads nor writes `lastIndex`, so a shared instance gives exactly the answers of a fresh one
// (test/normaliser.test.ts compares both on every dialled form of a generated CDR file's numbers).
// Measured on 34,000 distinct numbers: parse + getType 17–19 µs → 8–11 µs (docs/performance.md).
//
// `parsePhoneNumberWithError_(text, options, metadata)`, which every parse goes through, copies its
// options with Babel's `_objectSpread` helper (`Object.keys`, `getOwnPropertySymbols`, `forEach`,
// `defineProperties`): ~3 % of `cdr rate`'s CPU time. The replacement copies them with object spread,
// which copies the same own enumerable properties (string and symbol keys, getters read once) in the same
// order.
import { createRequire } from 'node:module';
import type * as LibPhoneNumber from 'libphonenumber-js/max';

const require = createRequire(import.meta.url);

/** `libphonenumber-js/max` (CommonJS build). */
export const libphonenumber = require('libphonenumber-js/max') as typeof LibPhoneNumber;

/** The signature of libphonenumber-js's `helpers/matchesEntirely`. */
type MatchesEntirely = (text: string | undefined, pattern: string) => boolean;

/** libphonenumber-js's `helpers/matchesEntirely` with one compiled `RegExp` per pattern. */
export function createMatchesEntirely(): MatchesEntirely {
  const compiled = new Map<string, RegExp>();
  return function matchesEntirely(text: string | undefined, pattern: string): boolean {
    let expression = compiled.get(pattern);
    if (expression === undefined) {
      expression = new RegExp('^(?:' + pattern + ')$');
      compiled.set(pattern, expression);
    }
    return expression.test(text || ''); // `||` as the original: '' for undefined and ''
  };
}

type Parse = (text: string, options: object, metadata: unknown) => unknown;
type ParseWithError = (text: string, options: object | undefined, metadata: unknown) => unknown;

/** libphonenumber-js's `parsePhoneNumberWithError_` calling `parseModule.default` with spread options. */
export function createParsePhoneNumberWithError(parseModule: { readonly default: Parse }): ParseWithError {
  return function parsePhoneNumberWithError(text: string, options: object | undefined, metadata: unknown) {
    return parseModule.default(text, { ...options, v2: true }, metadata);
  };
}

/** A module of libphonenumber-js's CommonJS build (`build/…`), or `undefined` when it has another layout. */
function buildModule(file: string): { default?: unknown } | undefined {
  try {
    const path = require.resolve('libphonenumber-js/max').replace(/max[\\/]index\.cjs$/, 'build/' + file);
    if (!path.endsWith(file)) return undefined;
    return require(path) as { default?: unknown };
  } catch {
    return undefined;
  }
}

/**
 * Installs the replacements in libphonenumber-js's CommonJS build. Its modules read each other's exports
 * as `_module["default"]` at each call, so replacing the export suffices. Returns which were installed: a
 * future version with another layout is used as it is (slower, same answers).
 */
function install(): { readonly matchesEntirely: boolean; readonly parseWithError: boolean } {
  const helper = buildModule('helpers/matchesEntirely.js');
  const matchesEntirely = typeof helper?.default === 'function' && helper.default.length === 2;
  if (helper !== undefined && matchesEntirely) helper.default = createMatchesEntirely();
  const withError = buildModule('parsePhoneNumberWithError_.js');
  const parse = buildModule('parse.js');
  const parseWithError =
    typeof withError?.default === 'function' &&
    withError.default.length === 3 &&
    typeof parse?.default === 'function';
  if (withError !== undefined && parseWithError)
    withError.default = createParsePhoneNumberWithError(parse as { default: Parse });
  return { matchesEntirely, parseWithError };
}

const installed = install();

/** Whether the faster `matchesEntirely` is in use (see the top of this file). */
export const MATCHES_ENTIRELY_INSTALLED = installed.matchesEntirely;
/** Whether the faster `parsePhoneNumberWithError_` is in use (see the top of this file). */
export const PARSE_WITH_ERROR_INSTALLED = installed.parseWithError;
