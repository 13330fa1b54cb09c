// Proves the rating core pure: its sources import nothing but each other and use no I/O, clock,
// randomness or environment.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const SRC = join(__dirname, '..', 'src');

const FORBIDDEN: readonly (readonly [RegExp, string])[] = [
  [/\bprocess\./, 'process'],
  [/\bDate\.now\b/, 'Date.now()'],
  [/\bnew Date\b/, 'new Date (clock or host-time-zone dependent)'],
  [/\bMath\.random\b/, 'Math.random()'],
  [/\brequire\s*\(/, 'require()'],
  [/\bimport\s*\(/, 'dynamic import()'],
  [/\bperformance\./, 'performance (clock)'],
  [/\bsetTimeout\b|\bsetInterval\b|\bsetImmediate\b|\bqueueMicrotask\b/, 'timers'],
  [/\bconsole\./, 'console'],
  [/\bfetch\s*\(/, 'fetch()'],
  [/\bglobalThis\b/, 'globalThis'],
  [/\beval\s*\(|\bnew Function\b/, 'eval'],
];

function sources(): { name: string; text: string }[] {
  return readdirSync(SRC)
    .filter((f) => f.endsWith('.ts'))
    .map((name) => ({ name, text: readFileSync(join(SRC, name), 'utf8') }));
}

function code(text: string): string {
  // Strip comments so that documentation may name what the code must not do.
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:])\/\/.*$/gm, '$1');
}

describe('@cdrate/rating-core purity', () => {
  it('has sources to check', () => {
    expect(sources().map((s) => s.name)).toEqual(
      expect.arrayContaining(['index.ts', 'rate.ts', 'tariff.ts']),
    );
  });

  it('imports only its own modules (no node:*, fs, libphonenumber, decimal.js, or any package)', () => {
    for (const { name, text } of sources()) {
      const specifiers = [...code(text).matchAll(/\bfrom\s+['"]([^'"]+)['"]/g)].map((m) => m[1]!);
      for (const specifier of specifiers) {
        expect({ file: name, specifier, relative: /^\.\/[a-z-]+\.js$/.test(specifier) }).toEqual({
          file: name,
          specifier,
          relative: true,
        });
      }
    }
  });

  it('uses no process, clock, randomness, timers, console or dynamic code', () => {
    for (const { name, text } of sources()) {
      const body = code(text);
      for (const [pattern, what] of FORBIDDEN) {
        expect({ file: name, uses: pattern.test(body) ? what : null }).toEqual({ file: name, uses: null });
      }
    }
  });
});
