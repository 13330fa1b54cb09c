import type { DlqRecord, RatedCall } from '@cdrate/schemas';

/** A billable international call of 62.5 s started 2026-01-15T10:20:30.250Z, cost with 11 decimals. */
export function ratedCall(overrides: Partial<RatedCall> = {}): RatedCall {
  return {
    cdr_id: 'cdr-1',
    account_id: 'acct-1',
    call_type: 'international',
    billable: true,
    billable_seconds: 120,
    billable_minutes: '2',
    rate: '0.123456789',
    cost: '1234567.12345678901',
    currency: 'USD',
    source: '+14155550100',
    destination: '+442071838750',
    destination_country: 'GB',
    matched_prefix: '4420',
    start_time: Date.UTC(2026, 0, 15, 10, 20, 30, 250),
    end_time: Date.UTC(2026, 0, 15, 10, 21, 32, 750),
    duration_ms: 62_500,
    reason: null,
    rated_at: Date.UTC(2026, 0, 15, 10, 25, 0, 7),
    rating_version: Date.UTC(2026, 0, 15, 10, 25, 0, 7),
    ...overrides,
  };
}

export function dlqRecord(overrides: Partial<DlqRecord> = {}): DlqRecord {
  return {
    cdr_id: 'cdr-9',
    error_code: 'NO_RATE',
    error_message: 'no rate for +999',
    stage: 'rating',
    payload: '{"cdr_id":"cdr-9"}',
    payload_encoding: 'utf8',
    origin: { topic: 'cdr.normalized', partition: 3, offset: '9223372036854775807' },
    failed_at: '2026-01-15T10:25:00.123Z',
    ...overrides,
  };
}
