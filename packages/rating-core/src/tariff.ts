/**
 * The tariff model: rate tables compiled from the CSV text of a tariff folder (format:
 * rate-tables/README.md). Compilation is pure: it takes file contents, never reads files, and reports
 * every problem with file, line and reason instead of throwing.
 */
import { parseCsvLine } from './csv.js';
import { formatScaled, parseScaled } from './decimal.js';
import { MAX_PREFIX_DIGITS, PrefixTrieBuilder, type PrefixTrie } from './prefix-trie.js';
import { formatIsoDate, parseIsoDate } from './time.js';

/** Rates are held as integer nano-units (10^-9) of currency per minute: up to 9 decimals, exact. */
export const RATE_SCALE = 9;

/** Largest accepted rate per minute, so that nano-units stay safe integers. */
export const MAX_RATE_PER_MINUTE = 1_000_000;

/** One effective-dated rate of one prefix. */
export interface RateRow {
  /** The prefix as E.164 digits without `+`. */
  readonly prefix: string;
  /** First UTC day (epoch days) the rate applies. */
  readonly fromDay: number;
  /** Rate per minute in nano-units (10^-9). */
  readonly rateNano: number;
  /** Rate per minute as a shortest exact decimal string. */
  readonly rateText: string;
  readonly description: string;
}

/** One effective-dated rounding rule. */
export interface RoundingRule {
  /** Step in seconds billable time is rounded up to; a positive multiple of 3. */
  readonly incrementSec: number;
  /** Least billable seconds of a call with talk time; a non-negative multiple of 3. */
  readonly minimumSec: number;
  readonly fromDay: number;
}

/** A rate-table problem: file, 1-based line (0 when the whole file is at fault), reason. */
export interface TableError {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/** The five files of a tariff folder. */
export const TARIFF_FILES = [
  'international.csv',
  'premium.csv',
  'toll_free.csv',
  'rounding.csv',
  'territories.csv',
] as const;

export type TariffFileName = (typeof TARIFF_FILES)[number];

/** Contents of a tariff folder: file name → text. */
export type TariffSources = Readonly<Partial<Record<TariffFileName, string>>>;

/** Result of {@link compileTariff}. */
export type CompileResult =
  | { readonly kind: 'compiled'; readonly tariff: Tariff }
  | { readonly kind: 'invalid'; readonly errors: readonly TableError[] };

/** Rounding-row `destination_type` values besides `*`. */
export type RoundingType = 'mobile' | 'fixed' | 'toll_free' | 'premium';

const ROUNDING_TYPES: ReadonlySet<string> = new Set(['mobile', 'fixed', 'toll_free', 'premium']);

/** Scratch for trie matches; the core is single-threaded per isolate. */
const scratch = new Int32Array(MAX_PREFIX_DIGITS + 1);

/** Effective-dated rates keyed by prefix, with longest-prefix lookup. */
export class PrefixRates {
  constructor(
    private readonly trie: PrefixTrie,
    /** Per slot, that prefix's rows sorted by `fromDay` ascending. */
    private readonly series: readonly (readonly RateRow[])[],
  ) {}

  /**
   * The row of the longest prefix of `e164` (digits from index 1, after the `+`) that has a row in
   * force on `day`: the row with the latest `fromDay ≤ day`. A prefix whose rows all start after
   * `day` does not exist yet on that day, so a shorter prefix is tried.
   */
  lookup(e164: string, day: number): RateRow | undefined {
    let n = this.trie.matches(e164, 1, scratch);
    while (n > 0) {
      const rows = this.series[scratch[--n] as number] as readonly RateRow[];
      for (let i = rows.length - 1; i >= 0; i--) {
        const row = rows[i] as RateRow;
        if (row.fromDay <= day) return row;
      }
    }
    return undefined;
  }

  /** Number of distinct prefixes. */
  get prefixCount(): number {
    return this.series.length;
  }
}

/** A compiled tariff. Immutable apart from an internal memo of rounding candidates. */
export class Tariff {
  private readonly roundingMemo = new Map<
    string,
    Map<string, Map<string, readonly (readonly RoundingRule[])[]>>
  >();

  constructor(
    /** International rates by origin country (`*` = any origin). */
    readonly international: ReadonlyMap<string, PrefixRates>,
    /** Premium (domestic metered) rates by account country. */
    readonly premium: ReadonlyMap<string, PrefixRates>,
    /** Inbound toll-free rates by account country. */
    readonly tollFree: ReadonlyMap<string, PrefixRates>,
    /** Regions rated as domestic, by account country. */
    readonly territories: ReadonlyMap<string, ReadonlySet<string>>,
    /** Rounding rules by `origin|destination|type` key (`*` allowed), each sorted by `fromDay`. */
    private readonly rounding: ReadonlyMap<string, readonly RoundingRule[]>,
  ) {}

  /**
   * International rate for a call by an account of `origin` to `e164` on `day`: longest prefix wins
   * across the origin's rows and the `*` rows; at equal length the origin's row wins.
   */
  internationalRate(origin: string, e164: string, day: number): RateRow | undefined {
    const specific = this.international.get(origin)?.lookup(e164, day);
    const any = this.international.get('*')?.lookup(e164, day);
    if (specific === undefined) return any;
    if (any === undefined) return specific;
    return any.prefix.length > specific.prefix.length ? any : specific;
  }

  /** True when `destinationCountry` is the account's country or one of its territories. */
  isDomestic(accountCountry: string, destinationCountry: string): boolean {
    return (
      destinationCountry === accountCountry ||
      this.territories.get(accountCountry)?.has(destinationCountry) === true
    );
  }

  /**
   * The rounding rule for a call on `day`: the most specific row in force, specificity ranked origin
   * country, then destination country, then destination type (a specific origin beats anything else).
   * `type` is a {@link RoundingType} or any other string, which only `*` matches.
   */
  roundingRule(origin: string, destination: string, type: string, day: number): RoundingRule | undefined {
    let byDestination = this.roundingMemo.get(origin);
    if (byDestination === undefined) {
      byDestination = new Map();
      this.roundingMemo.set(origin, byDestination);
    }
    let byType = byDestination.get(destination);
    if (byType === undefined) {
      byType = new Map();
      byDestination.set(destination, byType);
    }
    let candidates = byType.get(type);
    if (candidates === undefined) {
      const found: (readonly RoundingRule[])[] = [];
      for (const o of [origin, '*']) {
        for (const d of [destination, '*']) {
          for (const t of [type, '*']) {
            const rules = this.rounding.get(o + '|' + d + '|' + t);
            if (rules !== undefined && !found.includes(rules)) found.push(rules);
          }
        }
      }
      candidates = found;
      byType.set(type, candidates);
    }
    for (const rules of candidates) {
      for (let i = rules.length - 1; i >= 0; i--) {
        const rule = rules[i] as RoundingRule;
        if (rule.fromDay <= day) return rule;
      }
    }
    return undefined;
  }

  /** Counts for diagnostics and the loader's summary. */
  stats(): {
    readonly internationalPrefixes: number;
    readonly premiumPrefixes: number;
    readonly tollFreePrefixes: number;
    readonly roundingKeys: number;
  } {
    const count = (m: ReadonlyMap<string, PrefixRates>): number => {
      let n = 0;
      for (const rates of m.values()) n += rates.prefixCount;
      return n;
    };
    return {
      internationalPrefixes: count(this.international),
      premiumPrefixes: count(this.premium),
      tollFreePrefixes: count(this.tollFree),
      roundingKeys: this.rounding.size,
    };
  }
}

/** A data row: its line and its fields, read by column through the table's column index. */
class Row {
  constructor(
    readonly line: number,
    private readonly fields: readonly string[],
    private readonly index: ReadonlyMap<string, number>,
  ) {}

  get(column: string): string {
    return this.fields[this.index.get(column) as number] as string;
  }
}

/**
 * Reads a CSV table with exactly the given columns (any order), one row at a time, so that a large table's
 * rows are never all alive at once. Blank and `#` lines are skipped.
 */
function* readTable(
  file: string,
  text: string,
  columns: readonly string[],
  errors: TableError[],
): Generator<Row, void, undefined> {
  const lines = text.split('\n');
  let index: Map<string, number> | undefined;
  for (let n = 0; n < lines.length; n++) {
    let line = lines[n] as string;
    if (n === 0 && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '' || line.startsWith('#')) continue;
    const lineNo = n + 1;
    const parsed = parseCsvLine(line);
    if (!Array.isArray(parsed)) {
      errors.push({ file, line: lineNo, message: parsed.error });
      if (index === undefined) return;
      continue;
    }
    const fields = parsed.map((f) => f.trim());
    if (index === undefined) {
      index = new Map();
      let ok = true;
      for (let i = 0; i < fields.length; i++) {
        const name = fields[i] as string;
        if (!columns.includes(name)) {
          errors.push({
            file,
            line: lineNo,
            message: `unknown column "${name}" (expected ${columns.join(',')})`,
          });
          ok = false;
        } else if (index.has(name)) {
          errors.push({ file, line: lineNo, message: `column "${name}" appears twice` });
          ok = false;
        }
        index.set(name, i);
      }
      for (const name of columns) {
        if (!index.has(name)) {
          errors.push({
            file,
            line: lineNo,
            message: `missing column "${name}" (expected ${columns.join(',')})`,
          });
          ok = false;
        }
      }
      if (!ok) return;
      continue;
    }
    if (fields.length !== columns.length) {
      errors.push({
        file,
        line: lineNo,
        message: `expected ${columns.length} fields, found ${fields.length}`,
      });
      continue;
    }
    yield new Row(lineNo, fields, index);
  }
  if (index === undefined) errors.push({ file, line: 0, message: 'empty file: a header row is required' });
}

const COUNTRY = /^[A-Z]{2}$/;
const PREFIX = /^[0-9]{1,15}$/;

function checkCountry(value: string, column: string, wildcard: boolean): string | undefined {
  if (wildcard && value === '*') return undefined;
  if (COUNTRY.test(value)) return undefined;
  return `bad country "${value}" in ${column}: expected an ISO 3166 alpha-2 code such as US${wildcard ? ' or *' : ''}`;
}

interface Keyed<T> {
  readonly key: string;
  readonly line: number;
  readonly fromDay: number;
  readonly value: T;
}

/** Groups effective-dated rows by key, sorted by day; two rows of one key and day are an error. */
function series<T>(
  file: string,
  rows: readonly Keyed<T>[],
  describe: (key: string) => string,
  same: (a: T, b: T) => boolean,
  errors: TableError[],
): Map<string, T[]> {
  const grouped = new Map<string, Keyed<T>[]>();
  for (const row of rows) {
    const list = grouped.get(row.key);
    if (list === undefined) grouped.set(row.key, [row]);
    else list.push(row);
  }
  const out = new Map<string, T[]>();
  for (const [key, list] of grouped) {
    list.sort((a, b) => a.fromDay - b.fromDay || a.line - b.line);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1] as Keyed<T>;
      const b = list[i] as Keyed<T>;
      if (a.fromDay !== b.fromDay) continue;
      const what = `${describe(key)} effective from ${formatIsoDate(b.fromDay)}`;
      errors.push({
        file,
        line: b.line,
        message: same(a.value, b.value)
          ? `duplicate key: ${what} is also on line ${a.line}`
          : `ambiguous key: ${what} is also on line ${a.line} with different values (one row per key and effective_from)`,
      });
    }
    out.set(
      key,
      list.map((r) => r.value),
    );
  }
  return out;
}

function parseRate(value: string, column: string): number | string {
  const parsed = parseScaled(value, RATE_SCALE);
  if (!parsed.ok) {
    if (parsed.reason === 'too many decimal places')
      return `rate "${value}" in ${column} has more than ${RATE_SCALE} decimal places`;
    if (parsed.reason === 'out of range')
      return `rate "${value}" in ${column} is out of range (at most ${MAX_RATE_PER_MINUTE})`;
    return `bad number "${value}" in ${column}: expected a decimal such as 0.0125`;
  }
  if (parsed.value < 0) return `negative rate "${value}" in ${column}`;
  if (parsed.value > MAX_RATE_PER_MINUTE * 10 ** RATE_SCALE)
    return `rate "${value}" in ${column} is out of range (at most ${MAX_RATE_PER_MINUTE})`;
  return parsed.value;
}

function parseDay(value: string): number | string {
  const day = parseIsoDate(value);
  return day === undefined ? `bad date "${value}" in effective_from: expected YYYY-MM-DD (UTC)` : day;
}

/** Parses a prefix-rated table (international, premium, toll-free) into rates per country. */
function compilePrefixTable(
  file: string,
  text: string,
  countryColumn: string,
  rateColumn: string,
  wildcard: boolean,
  errors: TableError[],
): Map<string, PrefixRates> {
  const columns = [countryColumn, 'prefix', rateColumn, 'description', 'effective_from'];
  const keyed: Keyed<RateRow>[] = [];
  for (const row of readTable(file, text, columns, errors)) {
    const fail = (message: string): void => void errors.push({ file, line: row.line, message });
    const country = row.get(countryColumn);
    const prefix = row.get('prefix');
    const countryError = checkCountry(country, countryColumn, wildcard);
    if (countryError !== undefined) {
      fail(countryError);
      continue;
    }
    if (!PREFIX.test(prefix)) {
      fail(`bad prefix "${prefix}": expected 1–${MAX_PREFIX_DIGITS} digits of E.164 without +`);
      continue;
    }
    const rate = parseRate(row.get(rateColumn), rateColumn);
    if (typeof rate === 'string') {
      fail(rate);
      continue;
    }
    const fromDay = parseDay(row.get('effective_from'));
    if (typeof fromDay === 'string') {
      fail(fromDay);
      continue;
    }
    keyed.push({
      key: country + '|' + prefix,
      line: row.line,
      fromDay,
      value: {
        prefix,
        fromDay,
        rateNano: rate,
        rateText: formatScaled(rate, RATE_SCALE),
        description: row.get('description'),
      },
    });
  }
  const grouped = series(
    file,
    keyed,
    (key) => `${countryColumn} ${key.replace('|', ', prefix ')}`,
    (a, b) => a.rateNano === b.rateNano,
    errors,
  );
  const builders = new Map<string, { builder: PrefixTrieBuilder; series: RateRow[][] }>();
  for (const [key, rows] of grouped) {
    const country = key.slice(0, key.indexOf('|'));
    let entry = builders.get(country);
    if (entry === undefined) {
      entry = { builder: new PrefixTrieBuilder(), series: [] };
      builders.set(country, entry);
    }
    const node = entry.builder.node((rows[0] as RateRow).prefix);
    entry.builder.setSlot(node, entry.series.length);
    entry.series.push(rows);
  }
  const out = new Map<string, PrefixRates>();
  for (const [country, entry] of builders)
    out.set(country, new PrefixRates(entry.builder.build(), entry.series));
  return out;
}

function parseSeconds(value: string, column: string): number | string {
  if (!/^[0-9]{1,7}$/.test(value)) return `bad number "${value}" in ${column}: expected whole seconds`;
  const seconds = Number(value);
  if (seconds % 3 !== 0) {
    return `${column} ${value} is not a multiple of 3 seconds: billable minutes (seconds / 60) would not be an exact decimal`;
  }
  return seconds;
}

function compileRounding(file: string, text: string, errors: TableError[]): Map<string, RoundingRule[]> {
  const columns = [
    'origin_country',
    'destination_country',
    'destination_type',
    'increment_sec',
    'minimum_sec',
    'effective_from',
  ];
  const keyed: Keyed<RoundingRule>[] = [];
  for (const row of readTable(file, text, columns, errors)) {
    const fail = (message: string): void => void errors.push({ file, line: row.line, message });
    const origin = row.get('origin_country');
    const destination = row.get('destination_country');
    const type = row.get('destination_type');
    const bad =
      checkCountry(origin, 'origin_country', true) ?? checkCountry(destination, 'destination_country', true);
    if (bad !== undefined) {
      fail(bad);
      continue;
    }
    if (type !== '*' && !ROUNDING_TYPES.has(type)) {
      fail(`bad destination_type "${type}": expected mobile, fixed, toll_free, premium or *`);
      continue;
    }
    const incrementSec = parseSeconds(row.get('increment_sec'), 'increment_sec');
    if (typeof incrementSec === 'string') {
      fail(incrementSec);
      continue;
    }
    if (incrementSec === 0) {
      fail('increment_sec must be at least 3');
      continue;
    }
    const minimumSec = parseSeconds(row.get('minimum_sec'), 'minimum_sec');
    if (typeof minimumSec === 'string') {
      fail(minimumSec);
      continue;
    }
    const fromDay = parseDay(row.get('effective_from'));
    if (typeof fromDay === 'string') {
      fail(fromDay);
      continue;
    }
    keyed.push({
      key: origin + '|' + destination + '|' + type,
      line: row.line,
      fromDay,
      value: { incrementSec, minimumSec, fromDay },
    });
  }
  return series(
    file,
    keyed,
    (key) => {
      const [o, d, t] = key.split('|');
      return `origin_country ${o}, destination_country ${d}, destination_type ${t}`;
    },
    (a, b) => a.incrementSec === b.incrementSec && a.minimumSec === b.minimumSec,
    errors,
  );
}

function compileTerritories(file: string, text: string, errors: TableError[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const seen = new Map<string, number>();
  for (const row of readTable(file, text, ['country', 'region'], errors)) {
    const country = row.get('country');
    const region = row.get('region');
    const bad = checkCountry(country, 'country', false) ?? checkCountry(region, 'region', false);
    if (bad !== undefined) {
      errors.push({ file, line: row.line, message: bad });
      continue;
    }
    if (country === region) {
      errors.push({ file, line: row.line, message: `region ${region} is the country itself` });
      continue;
    }
    const key = country + '|' + region;
    const previous = seen.get(key);
    if (previous !== undefined) {
      errors.push({
        file,
        line: row.line,
        message: `duplicate key: country ${country}, region ${region} is also on line ${previous}`,
      });
      continue;
    }
    seen.set(key, row.line);
    let regions = out.get(country);
    if (regions === undefined) {
      regions = new Set();
      out.set(country, regions);
    }
    regions.add(region);
  }
  return out;
}

/**
 * Compiles a tariff from the text of its five CSV files. All files are required (a file may hold only
 * its header). Every problem is reported, each with file, line and reason; a tariff with any problem
 * is refused as a whole.
 */
export function compileTariff(sources: TariffSources): CompileResult {
  const errors: TableError[] = [];
  const text = (file: TariffFileName): string => {
    const value = sources[file];
    if (value === undefined) {
      errors.push({ file, line: 0, message: 'file is missing from the tariff folder' });
      return '';
    }
    return value;
  };
  const texts = {
    international: text('international.csv'),
    premium: text('premium.csv'),
    tollFree: text('toll_free.csv'),
    rounding: text('rounding.csv'),
    territories: text('territories.csv'),
  };
  if (errors.length > 0) return { kind: 'invalid', errors };
  const international = compilePrefixTable(
    'international.csv',
    texts.international,
    'origin_country',
    'rate_per_minute',
    true,
    errors,
  );
  const premium = compilePrefixTable(
    'premium.csv',
    texts.premium,
    'country',
    'rate_per_minute',
    false,
    errors,
  );
  const tollFree = compilePrefixTable(
    'toll_free.csv',
    texts.tollFree,
    'country',
    'inbound_rate_per_minute',
    false,
    errors,
  );
  const rounding = compileRounding('rounding.csv', texts.rounding, errors);
  const territories = compileTerritories('territories.csv', texts.territories, errors);
  if (errors.length > 0) {
    const order = (e: TableError): number => TARIFF_FILES.indexOf(e.file as TariffFileName);
    return { kind: 'invalid', errors: errors.sort((a, b) => order(a) - order(b) || a.line - b.line) };
  }
  return { kind: 'compiled', tariff: new Tariff(international, premium, tollFree, territories, rounding) };
}
