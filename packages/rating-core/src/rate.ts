/**
 * Rating of one normalised CDR: classification, rounding, exact pricing. Pure and allocation-light:
 * integer arithmetic only, no I/O, no clock.
 *
 * Money arithmetic: rates are integer nano-units per minute (10^-9). Billable seconds are always a
 * multiple of 3 (rounding rows are validated so), hence
 *   billable minutes = s / 60 = (s / 3) / 20              → exact with at most 2 decimals, and
 *   cost = rate × s / 60 = rateNano × (s / 3) × 5 × 10^-11 → exact with at most 11 decimals.
 * Nothing is rounded anywhere; invoices round sums once (half-up to cents) downstream.
 */
import { formatScaled } from './decimal.js';
import type { RateRow, RoundingRule, Tariff } from './tariff.js';
import { formatIsoDate, formatIsoInstant, MS_PER_DAY } from './time.js';
import {
  reject,
  type Account,
  type CallType,
  type Direction,
  type NormalisedCdr,
  type NumberType,
  type PartyNumber,
  type RateResult,
} from './types.js';

/** Decimal scale of cost values: 10^-11 (9-decimal rates × 2-decimal minutes). */
export const COST_SCALE = 11;

const REASON_INBOUND = 'inbound call to a number that is not toll-free is not charged';
const REASON_NO_TALK = 'no talk time';
const REASON_NOT_ANSWERED: Readonly<Record<string, string>> = {
  no_answer: 'not answered (no_answer)',
  busy: 'not answered (busy)',
  failed: 'not answered (failed)',
};

function partyText(party: PartyNumber): string {
  return party.kind === 'e164' ? party.e164 : party.kind === 'extension' ? party.extension : party.raw;
}

function roundingType(type: NumberType): string {
  return type === 'mobile' || type === 'fixed' || type === 'toll_free' || type === 'premium' ? type : 'other';
}

/**
 * The direction of a call whose record has none, as seen from `account`:
 * - to an extension: `internal` when the caller is an extension or one of the account's numbers,
 *   otherwise `inbound` (an outside caller reaching an extension);
 * - to one of the account's numbers or toll-free numbers: `inbound`;
 * - anything else: `outbound`.
 */
export function inferDirection(source: PartyNumber, destination: PartyNumber, account: Account): Direction {
  if (destination.kind === 'extension') {
    if (source.kind === 'extension' || (source.kind === 'e164' && account.numbers.has(source.e164)))
      return 'internal';
    return 'inbound';
  }
  if (
    destination.kind === 'e164' &&
    (account.numbers.has(destination.e164) || account.tollFreeNumbers.has(destination.e164))
  ) {
    return 'inbound';
  }
  return 'outbound';
}

/**
 * Billable seconds of `talkSec` seconds of talk under `rule`: talk time rounded up to whole seconds,
 * then up to the next multiple of the increment, never less than the minimum; 0 when there was no
 * talk time (no minimum applies).
 */
export function billableSeconds(talkSec: number, rule: RoundingRule): number {
  if (!(talkSec > 0)) return 0;
  const increment = rule.incrementSec;
  const rounded = Math.ceil(Math.ceil(talkSec) / increment) * increment;
  return rounded < rule.minimumSec ? rule.minimumSec : rounded;
}

/**
 * Exact cost of `seconds` billable seconds at `rateNano` nano-units per minute, as an integer at
 * {@link COST_SCALE} (10^-11). `seconds` must be a multiple of 3. A `bigint` beyond 2^53.
 */
export function costUnits(rateNano: number, seconds: number): number | bigint {
  const units = rateNano * (seconds / 3) * 5;
  if (Number.isSafeInteger(units)) return units;
  return BigInt(rateNano) * BigInt(seconds / 3) * 5n;
}

/**
 * Memo of {@link costText} for calls up to 3 hours: per rate, the texts by billable seconds / 3 (pure: a
 * cache of a pure function). Billable seconds come in few values (whole minutes, or 6-second steps), so
 * nearly every call finds its text here instead of formatting an 11-digit fraction. Forgotten wholesale
 * past {@link COST_TEXT_RATES} rates, so it stays bounded whatever the tariff.
 */
const COST_TEXT = new Map<number, string[]>();
const COST_TEXT_RATES = 4096;

/** The exact cost of `seconds` billable seconds (a multiple of 3, > 0) at `rateNano`, as a decimal string. */
export function costText(rateNano: number, seconds: number): string {
  if (seconds > 10_800) return formatScaled(costUnits(rateNano, seconds), COST_SCALE);
  let byThirds = COST_TEXT.get(rateNano);
  if (byThirds === undefined) {
    if (COST_TEXT.size >= COST_TEXT_RATES) COST_TEXT.clear();
    byThirds = [];
    COST_TEXT.set(rateNano, byThirds);
  }
  const thirds = seconds / 3;
  return (byThirds[thirds] ??= formatScaled(costUnits(rateNano, seconds), COST_SCALE));
}

/** Memo of {@link minutesText} for calls up to 3 hours (pure: a cache of a pure function). */
const MINUTES_TEXT: string[] = [];

/** `seconds / 60` as an exact decimal string (`seconds` a multiple of 3). */
export function minutesText(seconds: number): string {
  if (seconds <= 10_800) {
    const known = MINUTES_TEXT[seconds];
    if (known !== undefined) return known;
    return (MINUTES_TEXT[seconds] = formatScaled((seconds / 3) * 5, 2));
  }
  return formatScaled((seconds / 3) * 5, 2);
}

/**
 * Rates one CDR for `account` under `tariff` (see docs/rating.md for the rules).
 *
 * Expected failures are values: `UNKNOWN_ACCOUNT` when `account` is `undefined`, `BAD_NUMBER` when the
 * called number is `unparsed`, `NO_RATE` when the tariff has no rate (international, toll-free) or no
 * rounding rule for the call. Classification and rate lookup happen for every call, billable or not,
 * so an unpriceable destination is always surfaced.
 */
export function rate(cdr: NormalisedCdr, account: Account | undefined, tariff: Tariff): RateResult {
  if (account === undefined) return reject('UNKNOWN_ACCOUNT', `no account ${JSON.stringify(cdr.accountId)}`);
  const destination = cdr.destination;
  if (destination.kind === 'unparsed') {
    return reject(
      'BAD_NUMBER',
      `destination ${JSON.stringify(destination.raw)} is neither a phone number nor an extension`,
    );
  }
  const country = account.country;
  const day = Math.floor(cdr.startMs / MS_PER_DAY);
  let direction = cdr.direction ?? inferDirection(cdr.source, destination, account);
  if (direction === 'outbound' && destination.kind === 'extension') direction = 'internal';

  let callType: CallType;
  let priced: RateRow | undefined;
  let destinationCountry: string | null;
  let typeForRounding: string;
  if (destination.kind === 'extension' || direction === 'internal') {
    callType = direction === 'inbound' ? 'inbound' : 'internal';
    destinationCountry = destination.kind === 'e164' ? destination.country : null;
    typeForRounding = destination.kind === 'e164' ? roundingType(destination.type) : 'other';
  } else if (direction === 'inbound') {
    destinationCountry = destination.country;
    typeForRounding = roundingType(destination.type);
    if (account.tollFreeNumbers.has(destination.e164)) {
      callType = 'inbound_toll_free';
      typeForRounding = 'toll_free';
      priced = tariff.tollFree.get(country)?.lookup(destination.e164, day);
      if (priced === undefined) {
        return reject(
          'NO_RATE',
          `no inbound toll-free rate for ${destination.e164} (account country ${country}) on ${formatIsoDate(day)}`,
        );
      }
    } else {
      callType = 'inbound';
    }
  } else {
    destinationCountry = destination.country;
    priced = tariff.premium.get(country)?.lookup(destination.e164, day);
    if (priced !== undefined) {
      callType = 'domestic_metered';
      typeForRounding = 'premium';
    } else {
      typeForRounding = roundingType(destination.type);
      if (tariff.isDomestic(country, destination.country)) {
        callType = 'domestic';
      } else {
        callType = 'international';
        priced = tariff.internationalRate(country, destination.e164, day);
        if (priced === undefined) {
          return reject(
            'NO_RATE',
            `no international rate for ${destination.e164} (${destination.country}) from ${country} on ${formatIsoDate(day)}`,
          );
        }
      }
    }
  }

  const rule = tariff.roundingRule(country, destinationCountry ?? country, typeForRounding, day);
  if (rule === undefined) {
    return reject(
      'NO_RATE',
      `no rounding rule for a call from ${country} to ${destinationCountry ?? country} (${typeForRounding}) on ${formatIsoDate(day)}`,
    );
  }

  let reason: string | null = null;
  if (callType === 'inbound') reason = REASON_INBOUND;
  else if (cdr.disposition !== 'answered') reason = REASON_NOT_ANSWERED[cdr.disposition] ?? 'not answered';
  else if (!(cdr.durationSec > 0)) reason = REASON_NO_TALK;
  else if (day < account.billingStartDay)
    reason = `before billing start date ${formatIsoDate(account.billingStartDay)}`;

  const seconds = reason === null ? billableSeconds(cdr.durationSec, rule) : 0;
  const rateText = priced === undefined ? '0' : priced.rateText;
  const cost = priced === undefined || seconds === 0 ? '0' : costText(priced.rateNano, seconds);

  return {
    kind: 'rated',
    call: {
      cdr_id: cdr.cdrId,
      account_id: account.accountId,
      call_type: callType,
      billable: reason === null,
      billable_seconds: seconds,
      billable_minutes: seconds === 0 ? '0' : minutesText(seconds),
      rate: rateText,
      cost,
      currency: account.currency,
      source: partyText(cdr.source),
      destination: partyText(destination),
      destination_country: destinationCountry,
      matched_prefix: priced === undefined ? null : priced.prefix,
      start_time: formatIsoInstant(cdr.startMs),
      end_time: formatIsoInstant(cdr.endMs),
      duration_sec: cdr.durationSec,
      reason,
    },
  };
}
