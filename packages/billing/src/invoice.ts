/**
 * The usage lines of an invoice, from a month's deduplicated totals per call type. Pure: no I/O.
 *
 * Rules (docs/billing.md, shared domain "Months and invoices"):
 * - Plan minutes = billable minutes of `domestic` + `internal` calls (exact; Brazilian mobile calls give
 *   fractions such as 1.1).
 * - `Included Minutes in Plan`: min(plan minutes, included minutes), charge 0.
 * - `Outbound Minutes Overages`: plan minutes − included minutes when positive, charged
 *   round_half_up(overage minutes × overage rate, 2).
 * - `Domestic Premium Minutes Not in Plan`, `Toll-Free Phone Numbers (DID)`, `International Phone
 *   Numbers (DID)`: the minutes and costs of `domestic_metered`, `inbound_toll_free` and `international`
 *   calls; the costs are summed unrounded, then the sum is rounded half-up to cents, once per line.
 * - `total_charge` = the sum of the (rounded) line charges.
 * Only billable calls count; `inbound` calls are free and on no line.
 */
import { formatFixed, formatUnits, parseUnits, roundHalfUp } from './decimal.js';
import { formatMonth, type Month } from './months.js';

/** Scale of `billable_minutes` (Decimal(18, 6)). */
export const MINUTES_SCALE = 6;
/** Scale of `rate` and of an account's `overage_rate` (Decimal(18, 9)). */
export const RATE_SCALE = 9;
/** Scale of `cost` (Decimal(18, 11), unrounded). */
export const COST_SCALE = 11;
/** Scale of a charge on an invoice: cents. */
export const CHARGE_SCALE = 2;

/** The usage line items of an invoice, exactly as printed on it, in invoice order. */
export const LINE_ITEMS = [
  'Included Minutes in Plan',
  'Outbound Minutes Overages',
  'Domestic Premium Minutes Not in Plan',
  'Toll-Free Phone Numbers (DID)',
  'International Phone Numbers (DID)',
] as const;
export type LineItem = (typeof LINE_ITEMS)[number];

/** The call type whose calls make each priced line. */
const PRICED_LINES: ReadonlyArray<readonly [LineItem, string]> = [
  ['Domestic Premium Minutes Not in Plan', 'domestic_metered'],
  ['Toll-Free Phone Numbers (DID)', 'inbound_toll_free'],
  ['International Phone Numbers (DID)', 'international'],
];
/** Call types whose minutes are plan minutes ("extension to extension dialing is considered outbound"). */
const PLAN_CALL_TYPES: ReadonlySet<string> = new Set(['domestic', 'internal']);

/** What an account's plan says about usage: from the `accounts` topic or an accounts file. */
export interface BillingPlan {
  /** Minutes included per month, exact decimal text (`"3"`, `"100"`, `"2.5"`). */
  readonly includedMinutes: string;
  /** Price per overage minute, exact decimal text with at most 9 decimals (default `"0.02"`). */
  readonly overageRate: string;
  /** ISO 4217 code; every line is in it. */
  readonly currency: string;
}

/**
 * The deduplicated billable calls of one call type and currency in a usage month, as the usage query
 * returns them: counts and exact sums (decimal text; ClickHouse 18.16 pads it to the scale).
 */
export interface CallTypeTotals {
  readonly callType: string;
  readonly currency: string;
  readonly calls: number;
  /** Sum of `billable_minutes`, exact decimal text. */
  readonly minutes: string;
  /** Sum of `cost`, exact and unrounded. */
  readonly cost: string;
}

/** One usage line: minutes in their shortest exact form, the charge with exactly two decimals. */
export interface UsageLine {
  readonly line_item: LineItem;
  readonly minutes: string;
  readonly charge: string;
}

/**
 * The usage of an account in a usage month, as `cdr usage --format json` prints it and the billing API
 * returns it. Snake case: it is a wire format.
 */
export interface UsageReport {
  readonly account_id: string;
  /** The usage month `YYYY-MM` (billed on the invoice of the month after). */
  readonly month: string;
  readonly currency: string;
  /** The plan's included minutes, exact decimal text. */
  readonly included_minutes: string;
  /** All five line items, in {@link LINE_ITEMS} order, zero lines included. */
  readonly lines: readonly UsageLine[];
  /** Sum of the line charges, two decimals. */
  readonly total_charge: string;
}

/** Calls of the month are in a currency that is not the account's: the invoice cannot be made as is. */
export class CurrencyMismatchError extends Error {
  override readonly name = 'CurrencyMismatchError';
  constructor(
    readonly accountCurrency: string,
    readonly callCurrency: string,
    readonly calls: number,
  ) {
    super(
      `${calls} billable call(s) of the month are rated in ${callCurrency}, the account's currency is ${accountCurrency}`,
    );
  }
}

/**
 * Computes the usage lines (see the module comment for the rules).
 * @throws CurrencyMismatchError when a call of the month is rated in another currency than the plan's.
 * @throws TypeError when a total or the plan is not an exact decimal of its scale.
 */
export function computeUsage(input: {
  readonly accountId: string;
  readonly month: Month;
  readonly plan: BillingPlan;
  readonly totals: readonly CallTypeTotals[];
}): UsageReport {
  const { plan } = input;
  const minutesByType = new Map<string, bigint>();
  const costByType = new Map<string, bigint>();
  for (const totals of input.totals) {
    if (totals.calls > 0 && totals.currency !== plan.currency) {
      throw new CurrencyMismatchError(plan.currency, totals.currency, totals.calls);
    }
    const minutes = parseUnits(totals.minutes, MINUTES_SCALE);
    const cost = parseUnits(totals.cost, COST_SCALE);
    minutesByType.set(totals.callType, (minutesByType.get(totals.callType) ?? 0n) + minutes);
    costByType.set(totals.callType, (costByType.get(totals.callType) ?? 0n) + cost);
  }

  let planMinutes = 0n;
  for (const type of PLAN_CALL_TYPES) planMinutes += minutesByType.get(type) ?? 0n;
  const included = parseUnits(plan.includedMinutes, MINUTES_SCALE);
  const includedUsed = planMinutes < included ? planMinutes : included;
  const overage = planMinutes > included ? planMinutes - included : 0n;
  // minutes (scale 6) × rate (scale 9) = scale 15, exact; rounded once.
  const overageCharge = roundHalfUp(
    overage * parseUnits(plan.overageRate, RATE_SCALE),
    MINUTES_SCALE + RATE_SCALE,
    CHARGE_SCALE,
  );

  const lines: { line_item: LineItem; minutes: bigint; charge: bigint }[] = [
    { line_item: 'Included Minutes in Plan', minutes: includedUsed, charge: 0n },
    { line_item: 'Outbound Minutes Overages', minutes: overage, charge: overageCharge },
  ];
  for (const [lineItem, callType] of PRICED_LINES) {
    lines.push({
      line_item: lineItem,
      minutes: minutesByType.get(callType) ?? 0n,
      charge: roundHalfUp(costByType.get(callType) ?? 0n, COST_SCALE, CHARGE_SCALE),
    });
  }
  const total = lines.reduce((sum, line) => sum + line.charge, 0n);
  return {
    account_id: input.accountId,
    month: formatMonth(input.month),
    currency: plan.currency,
    included_minutes: formatUnits(included, MINUTES_SCALE),
    lines: lines.map((line) => ({
      line_item: line.line_item,
      minutes: formatUnits(line.minutes, MINUTES_SCALE),
      charge: formatFixed(line.charge, CHARGE_SCALE),
    })),
    total_charge: formatFixed(total, CHARGE_SCALE),
  };
}

/**
 * The billing plan of an account as the rating core holds it (`includedMinutes` a number ≥ 0 with at most
 * 6 decimals, `overageRate` decimal text). @throws TypeError for values no invoice can be made from.
 */
export function planOf(account: {
  readonly includedMinutes: number;
  readonly overageRate: string;
  readonly currency: string;
}): BillingPlan {
  const included = account.includedMinutes;
  if (!Number.isFinite(included) || included < 0) {
    throw new TypeError(`included minutes must be a number ≥ 0, got ${included}`);
  }
  // String() of a number ≥ 1e21 or < 1e-6 uses an exponent, which parseUnits refuses.
  const includedMinutes = formatUnits(parseUnits(String(included), MINUTES_SCALE), MINUTES_SCALE);
  const rate = parseUnits(account.overageRate, RATE_SCALE);
  if (rate < 0n) throw new TypeError(`overage rate must be ≥ 0, got ${account.overageRate}`);
  return { includedMinutes, overageRate: formatUnits(rate, RATE_SCALE), currency: account.currency };
}
