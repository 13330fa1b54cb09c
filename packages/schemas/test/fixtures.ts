import type { Account, NormalizedCdr, RatedCall, RawCdr } from '@cdrate/schemas';

export const rawCdr: RawCdr = {
  cdr_id: 'sw1-000123',
  account_id: 'acct-42',
  direction: 'outbound',
  source: '(555) 123-4567',
  destination: '011 44 20 7123 4567',
  start_time: '2026-01-31T19:00:00-05:00',
  end_time: '2026-01-31T19:02:05.500-05:00',
  duration_sec: 120.5,
  disposition: 'answered',
};

export const normalizedCdr: NormalizedCdr = {
  cdr_id: 'sw1-000123',
  account_id: 'acct-42',
  direction: null,
  source: '+15551234567',
  source_type: 'fixed_or_mobile',
  destination: '+442071234567',
  destination_type: 'fixed',
  destination_country: 'GB',
  start_time: Date.UTC(2026, 1, 1, 0, 0, 0),
  end_time: Date.UTC(2026, 1, 1, 0, 2, 5, 500),
  duration_ms: 120_500,
  disposition: 'answered',
  received_at: Date.UTC(2026, 1, 1, 0, 2, 6, 789),
  raw_source: '(555) 123-4567',
  raw_destination: '011 44 20 7123 4567',
};

export const ratedCall: RatedCall = {
  cdr_id: 'sw1-000123',
  account_id: 'acct-42',
  call_type: 'international',
  billable: true,
  billable_seconds: 180,
  billable_minutes: '3',
  rate: '0.125',
  cost: '0.37500000000',
  currency: 'USD',
  source: '+15551234567',
  destination: '+442071234567',
  destination_country: 'GB',
  matched_prefix: '4420',
  start_time: Date.UTC(2026, 1, 1, 0, 0, 0),
  end_time: Date.UTC(2026, 1, 1, 0, 2, 5, 500),
  duration_ms: 120_500,
  reason: null,
  rated_at: Date.UTC(2026, 1, 1, 0, 2, 7, 1),
  rating_version: Date.UTC(2026, 1, 1, 0, 2, 7, 1),
};

export const account: Account = {
  account_id: 'acct-42',
  country: 'US',
  billing_start_date: '2025-07-15',
  included_minutes: 1000,
  overage_rate: '0.02',
  toll_free_numbers: ['+18005550100'],
  numbers: ['+15551234567', '+15551234568'],
  currency: 'USD',
};

/** Avro zig-zag varint of `n` (a safe integer). */
export function avroLong(n: number): number[] {
  let z = n >= 0 ? n * 2 : -n * 2 - 1;
  const bytes: number[] = [];
  while (z >= 0x80) {
    bytes.push((z % 0x80) | 0x80);
    z = Math.floor(z / 0x80);
  }
  bytes.push(z);
  return bytes;
}

/** Avro string. */
export function avroString(text: string): number[] {
  const utf8 = [...Buffer.from(text, 'utf8')];
  return [...avroLong(utf8.length), ...utf8];
}
