// Properties of billable time and cost over random calls (fast-check).
import fc from 'fast-check';
import {
  billableSeconds,
  COST_SCALE,
  costText,
  costUnits,
  formatScaled,
  minutesText,
  rate,
  type RoundingRule,
} from '@cdrate/rating-core';
import { account, call, compile, defaultSources, e164 } from './fixtures.js';

const rules = fc
  .record({ increment: fc.integer({ min: 1, max: 40 }), minimum: fc.integer({ min: 0, max: 40 }) })
  .map(({ increment, minimum }): RoundingRule => ({
    incrementSec: increment * 3,
    minimumSec: minimum * 3,
    fromDay: 0,
  }));
const talk = fc.integer({ min: 1, max: 100_000 });

describe('billable seconds', () => {
  it('are at least the talk time', () => {
    fc.assert(fc.property(rules, talk, (rule, t) => billableSeconds(t, rule) >= t));
  });

  it('never decrease when talk time grows', () => {
    fc.assert(
      fc.property(
        rules,
        talk,
        talk,
        (rule, a, b) => billableSeconds(Math.min(a, b), rule) <= billableSeconds(Math.max(a, b), rule),
      ),
    );
  });

  it('are a multiple of the increment when above the minimum, else the minimum', () => {
    fc.assert(
      fc.property(rules, talk, (rule, t) => {
        const s = billableSeconds(t, rule);
        return s === rule.minimumSec || (s % rule.incrementSec === 0 && s - t < rule.incrementSec);
      }),
    );
  });

  it('are 0 without talk time', () => {
    fc.assert(fc.property(rules, (rule) => billableSeconds(0, rule) === 0));
  });
});

/** A decimal string as a BigInt scaled by 10^scale (test oracle, independent of parseScaled). */
function scaledBigInt(text: string, scale: number): bigint {
  const [whole = '0', fraction = ''] = text.split('.');
  if (fraction.length > scale) throw new Error(`${text} has more than ${scale} decimals`);
  return BigInt(whole + fraction.padEnd(scale, '0'));
}

describe('cost', () => {
  const rates = fc.integer({ min: 0, max: 10_000_000_000 }); // nano-units: up to 10 per minute, 9 decimals

  it('is exactly billable minutes × rate (checked in BigInt rationals)', () => {
    fc.assert(
      fc.property(rates, fc.integer({ min: 1, max: 200_000 }), (rateNano, thirds) => {
        const seconds = thirds * 3;
        const cost = scaledBigInt(formatScaled(costUnits(rateNano, seconds), 11), 11);
        const minutes = scaledBigInt(minutesText(seconds), 2);
        // cost × 10^11 = (rate × 10^9) × (minutes × 10^2), and minutes × 60 = seconds
        return cost === BigInt(rateNano) * minutes && minutes * 60n === BigInt(seconds) * 100n;
      }),
    );
  });

  it('text is the same from the memo as computed afresh, for any rate and length', () => {
    fc.assert(
      fc.property(rates, fc.integer({ min: 1, max: 200_000 }), (rateNano, thirds) => {
        const expected = formatScaled(costUnits(rateNano, thirds * 3), COST_SCALE);
        return costText(rateNano, thirds * 3) === expected && costText(rateNano, thirds * 3) === expected;
      }),
    );
    // Every length the memo keeps (up to 3 hours), of a few rates, asked forwards and then backwards.
    for (const rateNano of [1, 20_000_000, 123_456_789, 9_999_999_999]) {
      const expected = (thirds: number): string => formatScaled(costUnits(rateNano, thirds * 3), COST_SCALE);
      for (let thirds = 1; thirds <= 3_601; thirds++)
        if (costText(rateNano, thirds * 3) !== expected(thirds))
          throw new Error(`${rateNano} × ${thirds * 3} s`);
      for (let thirds = 3_601; thirds >= 1; thirds--)
        if (costText(rateNano, thirds * 3) !== expected(thirds))
          throw new Error(`${rateNano} × ${thirds * 3} s`);
    }
    // More rates than the memo keeps (4,096), so that it is forgotten and filled again on the way.
    for (let r = 0; r < 5_000; r++) {
      const rateNano = r * 7_919_357 + 1;
      for (const thirds of [1, 2, 20, 3_600, 3_601]) {
        const expected = formatScaled(costUnits(rateNano, thirds * 3), COST_SCALE);
        if (costText(rateNano, thirds * 3) !== expected || costText(rateNano, thirds * 3) !== expected)
          throw new Error(`costText(${rateNano}, ${thirds * 3}) is not ${expected}`);
      }
    }
  });

  it('of a rated call is its billable minutes × its rate, for random rates with up to 6 decimals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 99_999_999 }),
        fc.integer({ min: 1, max: 20_000 }),
        (micro, t) => {
          const rateText = formatScaled(micro, 6);
          const sources = defaultSources();
          sources['international.csv'] += `*,99532,${rateText},Tbilisi,2024-01-01\n`;
          sources['rounding.csv'] += 'US,GE,*,6,30,2000-01-01\n';
          const result = rate(
            call({ to: e164('+995322123456', 'GE'), talk: t }),
            account('US'),
            compile(sources),
          );
          if (result.kind !== 'rated') return false;
          const c = result.call;
          // cost × 10^11 = (rate × 10^9) × (minutes × 10^2)
          return (
            scaledBigInt(c.cost, 11) === BigInt(micro) * 1000n * scaledBigInt(c.billable_minutes, 2) &&
            c.rate === rateText
          );
        },
      ),
      { numRuns: 50 },
    );
  });
});
