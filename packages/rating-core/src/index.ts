/**
 * @cdrate/rating-core: the pure rating core. No I/O, no clock, no randomness: tables, accounts and
 * times are passed in (proven by test/purity.test.ts).
 *
 * Typical use by a caller that reads CDRs:
 *   1. `compileTariff(sources)` once (file contents in, `Tariff` or errors with file + line out);
 *   2. per record: `decodeCdr(record)` → normalise the two numbers at the edge (`@cdrate/numbering`)
 *      → `rate(cdr, account, tariff)` → `{ kind: 'rated', call } | { kind: 'rejected', code, message }`.
 */
export { csvField, parseCsvLine } from './csv.js';
export { CodeUnitDedupWindow, DEFAULT_DEDUP_WINDOW, DedupWindow } from './dedup.js';
export { hashString, StringTable } from './string-table.js';
export { formatScaled, parseScaled, type ParsedDecimal } from './decimal.js';
export {
  decodeAccount,
  decodeCdr,
  DEFAULT_CURRENCY,
  durationMs,
  DEFAULT_OVERAGE_RATE,
  type AccountDecodeResult,
  type DecodeResult,
} from './decode.js';
export {
  billableSeconds,
  COST_SCALE,
  costText,
  costUnits,
  inferDirection,
  minutesText,
  rate,
} from './rate.js';
export {
  compileTariff,
  MAX_RATE_PER_MINUTE,
  PrefixRates,
  RATE_SCALE,
  Tariff,
  TARIFF_FILES,
  type CompileResult,
  type RateRow,
  type RoundingRule,
  type RoundingType,
  type TableError,
  type TariffFileName,
  type TariffSources,
} from './tariff.js';
export {
  daysFromCivil,
  formatIsoDate,
  formatIsoInstant,
  MS_PER_DAY,
  parseIsoDate,
  parseIsoInstant,
} from './time.js';
export {
  reject,
  REJECT_CODES,
  type Account,
  type AccountRecord,
  type CallType,
  type CdrOf,
  type DecodedCdr,
  type Direction,
  type Disposition,
  type NormalisedCdr,
  type NumberType,
  type PartyNumber,
  type Rated,
  type RatedCall,
  type RateResult,
  type RejectCode,
  type Rejection,
} from './types.js';
