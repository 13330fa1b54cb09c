// The tariff compiler: the shipped tariff compiles; broken tables are refused with file, line and reason.
import { compileTariff, type TableError } from '@cdrate/rating-core';
import { defaultSources, defaultTariff } from './fixtures.js';

const INTL_HEADER = 'origin_country,prefix,rate_per_minute,description,effective_from\n';
const ROUNDING_HEADER =
  'origin_country,destination_country,destination_type,increment_sec,minimum_sec,effective_from\n';

function errorsWith(file: string, text: string): readonly TableError[] {
  const result = compileTariff({ ...defaultSources(), [file]: text });
  if (result.kind !== 'invalid') throw new Error('expected the tariff to be refused');
  return result.errors;
}

describe('compileTariff', () => {
  it('compiles the shipped default tariff', () => {
    const stats = defaultTariff().stats();
    expect(stats.internationalPrefixes).toBeGreaterThan(90);
    expect(stats.premiumPrefixes).toBeGreaterThan(10);
    expect(stats.tollFreePrefixes).toBeGreaterThan(15);
  });

  it('refuses a bad number with file and line', () => {
    expect(
      errorsWith('international.csv', INTL_HEADER + '*,44,0.01,UK,2024-01-01\n*,33,abc,France,2024-01-01\n'),
    ).toEqual([
      {
        file: 'international.csv',
        line: 3,
        message: 'bad number "abc" in rate_per_minute: expected a decimal such as 0.0125',
      },
    ]);
  });

  it('refuses an unknown column and names the expected ones', () => {
    const [error] = errorsWith('premium.csv', 'country,prefix,rate,description,effective_from\n');
    expect(error).toEqual({
      file: 'premium.csv',
      line: 1,
      message: 'unknown column "rate" (expected country,prefix,rate_per_minute,description,effective_from)',
    });
  });

  it('refuses a missing column', () => {
    const errors = errorsWith('territories.csv', 'country\nUS\n');
    expect(errors[0]).toMatchObject({
      file: 'territories.csv',
      line: 1,
      message: expect.stringContaining('missing column "region"'),
    });
  });

  it('refuses a duplicate key and points at both lines', () => {
    const errors = errorsWith(
      'international.csv',
      INTL_HEADER + '*,44,0.01,UK,2024-01-01\n*,44,0.01,UK again,2024-01-01\n',
    );
    expect(errors).toEqual([
      {
        file: 'international.csv',
        line: 3,
        message: 'duplicate key: origin_country *, prefix 44 effective from 2024-01-01 is also on line 2',
      },
    ]);
  });

  it('refuses two different rates for one key and date as ambiguous', () => {
    const errors = errorsWith(
      'toll_free.csv',
      'country,prefix,inbound_rate_per_minute,description,effective_from\nUS,1800,0.02,a,2024-01-01\nUS,1800,0.03,b,2024-01-01\n',
    );
    expect(errors[0]).toMatchObject({
      file: 'toll_free.csv',
      line: 3,
      message: expect.stringContaining('ambiguous key: country US, prefix 1800'),
    });
  });

  it('refuses a negative rate', () => {
    expect(errorsWith('international.csv', INTL_HEADER + '*,44,-0.01,UK,2024-01-01\n')[0]).toEqual({
      file: 'international.csv',
      line: 2,
      message: 'negative rate "-0.01" in rate_per_minute',
    });
  });

  it('refuses more than 9 decimal places, a bad date, a bad prefix, a bad country', () => {
    const errors = errorsWith(
      'international.csv',
      INTL_HEADER +
        '*,44,0.0123456789,UK,2024-01-01\n' +
        '*,33,0.01,France,2024-02-30\n' +
        '*,+49,0.01,Germany,2024-01-01\n' +
        'usa,1,0.01,US,2024-01-01\n' +
        '*,39,0.01\n',
    );
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [2, 'rate "0.0123456789" in rate_per_minute has more than 9 decimal places'],
      [3, 'bad date "2024-02-30" in effective_from: expected YYYY-MM-DD (UTC)'],
      [4, 'bad prefix "+49": expected 1–15 digits of E.164 without +'],
      [5, 'bad country "usa" in origin_country: expected an ISO 3166 alpha-2 code such as US or *'],
      [6, 'expected 5 fields, found 3'],
    ]);
  });

  it('refuses rounding steps that would make billable minutes inexact', () => {
    const errors = errorsWith(
      'rounding.csv',
      ROUNDING_HEADER + '*,*,*,60,60,2000-01-01\nBR,BR,mobile,1,30,2000-01-01\nGB,*,*,60,31,2000-01-01\n',
    );
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [
        3,
        'increment_sec 1 is not a multiple of 3 seconds: billable minutes (seconds / 60) would not be an exact decimal',
      ],
      [
        4,
        'minimum_sec 31 is not a multiple of 3 seconds: billable minutes (seconds / 60) would not be an exact decimal',
      ],
    ]);
  });

  it('refuses an unknown destination type', () => {
    expect(errorsWith('rounding.csv', ROUNDING_HEADER + '*,*,landline,60,60,2000-01-01\n')[0]?.message).toBe(
      'bad destination_type "landline": expected mobile, fixed, toll_free, premium or *',
    );
  });

  it('refuses a missing file and an empty file', () => {
    const sources: Record<string, string | undefined> = { ...defaultSources() };
    delete sources['premium.csv'];
    const missing = compileTariff(sources);
    expect(missing).toEqual({
      kind: 'invalid',
      errors: [{ file: 'premium.csv', line: 0, message: 'file is missing from the tariff folder' }],
    });
    expect(errorsWith('territories.csv', '')[0]).toEqual({
      file: 'territories.csv',
      line: 0,
      message: 'empty file: a header row is required',
    });
  });

  it('reports every error of every file at once', () => {
    const result = compileTariff({
      ...defaultSources(),
      'international.csv': INTL_HEADER + '*,44,x,UK,2024-01-01\n',
      'territories.csv': 'country,region\nUS,PR\nUS,PR\n',
    });
    expect(result.kind === 'invalid' && result.errors.map((e) => `${e.file}:${e.line}`)).toEqual([
      'international.csv:2',
      'territories.csv:3',
    ]);
  });

  it('accepts quoted fields, CRLF line ends, a BOM, comments and blank lines', () => {
    const text =
      '\ufeff' +
      INTL_HEADER.replace('\n', '\r\n') +
      '# comment\r\n\r\n*,44,"0.01","UK, ""London""",2024-01-01\r\n';
    const result = compileTariff({ ...defaultSources(), 'international.csv': text });
    expect(result.kind).toBe('compiled');
  });
});
