// Shared fixtures of the rating-core tests: the shipped default tariff and small accounts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  compileTariff,
  parseIsoDate,
  parseIsoInstant,
  TARIFF_FILES,
  type Account,
  type Direction,
  type Disposition,
  type NormalisedCdr,
  type NumberType,
  type PartyNumber,
  type Tariff,
  type TariffSources,
} from '@cdrate/rating-core';

export const DEFAULT_TARIFF_DIR = join(__dirname, '..', '..', '..', 'rate-tables', 'default');

export function defaultSources(): Record<string, string> {
  const sources: Record<string, string> = {};
  for (const file of TARIFF_FILES) sources[file] = readFileSync(join(DEFAULT_TARIFF_DIR, file), 'utf8');
  return sources;
}

export function compile(sources: TariffSources): Tariff {
  const result = compileTariff(sources);
  if (result.kind !== 'compiled') throw new Error(JSON.stringify(result.errors));
  return result.tariff;
}

export const defaultTariff = (): Tariff => compile(defaultSources());

export function account(country: string, extra: Partial<Account> = {}): Account {
  return {
    accountId: 'acct-' + country,
    country,
    billingStartDay: parseIsoDate('2025-01-01')!,
    includedMinutes: 1000,
    overageRate: '0.02',
    currency: 'USD',
    numbers: new Set<string>(),
    tollFreeNumbers: new Set<string>(),
    ...extra,
  };
}

export const e164 = (number: string, country: string, type: NumberType = 'fixed'): PartyNumber => ({
  kind: 'e164',
  e164: number,
  country,
  type,
});

export const extension = (digits: string): PartyNumber => ({ kind: 'extension', extension: digits });

export interface CallSpec {
  readonly to: PartyNumber;
  readonly from?: PartyNumber;
  readonly talk: number;
  readonly start?: string;
  readonly direction?: Direction;
  readonly disposition?: Disposition;
}

/** A normalised CDR starting at `start` (default 2026-03-02T10:00:00Z) with `talk` seconds of talk. */
export function call(spec: CallSpec): NormalisedCdr {
  const startMs = parseIsoInstant(spec.start ?? '2026-03-02T10:00:00Z')!;
  return {
    cdrId: 'cdr-1',
    accountId: 'acct',
    direction: spec.direction ?? 'outbound',
    source: spec.from ?? e164('+12125550100', 'US', 'fixed_or_mobile'),
    destination: spec.to,
    startMs,
    endMs: startMs + spec.talk * 1000,
    durationSec: spec.talk,
    disposition: spec.disposition ?? 'answered',
  };
}
