import type { ConsumedMessage } from '@cdrate/kafka';
import {
  compileTariff,
  formatIsoInstant,
  parseIsoDate,
  rate,
  type Account,
  type NormalisedCdr,
  type Tariff,
  type TariffSources,
} from '@cdrate/rating-core';
import {
  decodeDlqRecord,
  createRatedCallBatchWriter,
  decodeRatedCall,
  decodeRatedCalls,
  dlqPayloadBytes,
  encodeNormalizedCdr,
  encodeRatedCall,
  frameNormalizedCdrBatch,
  type NormalizedCdr,
  type RatedCall,
} from '@cdrate/schemas';
import {
  rateBatch,
  toCoreCdr,
  toWireRatedCall,
  UNKNOWN_CALLER_COUNTRY,
  type RateOutcome,
  type RatingBatchResult,
  type RatingContext,
} from '../src/transform.js';

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0, 456);

function tariffOf(international: string): Tariff {
  const sources: TariffSources = {
    'international.csv': `origin_country,prefix,rate_per_minute,description,effective_from\n${international}`,
    'premium.csv':
      'country,prefix,rate_per_minute,description,effective_from\nUS,1900,2.49,premium,2024-01-01\n',
    'toll_free.csv':
      'country,prefix,inbound_rate_per_minute,description,effective_from\nUS,1800,0.025,toll-free,2024-01-01\n',
    'rounding.csv':
      'origin_country,destination_country,destination_type,increment_sec,minimum_sec,effective_from\n*,*,*,60,60,2000-01-01\n',
    'territories.csv': 'country,region\nUS,PR\n',
  };
  const compiled = compileTariff(sources);
  if (compiled.kind !== 'compiled') throw new Error(JSON.stringify(compiled.errors));
  return compiled.tariff;
}

const tariff = tariffOf('*,44,0.0150,UK,2024-01-01\n');

const account: Account = {
  accountId: 'acct-us',
  country: 'US',
  billingStartDay: parseIsoDate('2025-01-01')!,
  includedMinutes: 100,
  overageRate: '0.02',
  currency: 'USD',
  numbers: new Set(['+12125550100']),
  tollFreeNumbers: new Set(['+18005550199']),
};
const accounts = new Map([[account.accountId, account]]);

const wire: NormalizedCdr = {
  cdr_id: 'c-1',
  account_id: 'acct-us',
  direction: null,
  source: '+12125550100',
  source_type: 'fixed_or_mobile',
  destination: '+442079460958',
  destination_type: 'fixed',
  destination_country: 'GB',
  start_time: Date.UTC(2026, 2, 1, 14, 0, 0),
  end_time: Date.UTC(2026, 2, 1, 14, 2, 5, 500),
  duration_ms: 125_500,
  disposition: 'answered',
  received_at: Date.UTC(2026, 2, 1, 14, 2, 6),
  raw_source: '(212) 555-0100',
  raw_destination: '011 44 20 7946 0958',
};

/** The core CDR the edge would have built for `wire` (with the caller's real country). */
const core: NormalisedCdr = {
  cdrId: 'c-1',
  accountId: 'acct-us',
  direction: undefined,
  source: { kind: 'e164', e164: '+12125550100', country: 'US', type: 'fixed_or_mobile' },
  destination: { kind: 'e164', e164: '+442079460958', country: 'GB', type: 'fixed' },
  startMs: wire.start_time,
  endMs: wire.end_time,
  durationSec: 125.5,
  disposition: 'answered',
};

/** Framed Avro of a RatedCall: a valid cdrate record, but not the one rating reads. */
function ratedCallBytes(): Buffer {
  const result = rate(core, account, tariff);
  if (result.kind !== 'rated') throw new Error(result.message);
  return encodeRatedCall(toWireRatedCall(result.call, wire, NOW));
}

let offset = 0;
function message(value: Buffer | null): ConsumedMessage {
  return { key: null, value, headers: {}, offset: String(offset++), timestamp: String(NOW) };
}

/** {@link rateBatch} plus the rated calls it gave its output, each with its key, as written and read back. */
function rateAll(
  messages: ConsumedMessage[],
  context: Omit<RatingContext, 'output'>,
): RatingBatchResult & { readonly rated: { key: string; call: RatedCall }[] } {
  const rated: { key: string; call: RatedCall }[] = [];
  const writer = createRatedCallBatchWriter();
  const output = {
    add(key: string, record: RatedCall) {
      writer.append(record);
      const decoded = decodeRatedCalls(writer.take());
      if (!decoded.ok || !decoded.value.items[0]!.ok)
        throw new Error('a rated call written does not read back');
      rated.push({ key, call: { ...decoded.value.items[0]!.value } });
    },
  };
  return { ...rateBatch(messages, { ...context, output }), rated };
}

/** One message through {@link rateBatch}: its one rated call (decoded back from the frame) or its reject. */
function rateMessage(
  value: Buffer | null,
  lookup: typeof accounts,
  using: Tariff,
  nowMs: number,
): RateOutcome {
  const result = rateAll([message(value)], {
    accounts: lookup,
    tariff: using,
    nowMs,
    topic: 'cdr.normalized',
    partition: 0,
  });
  const [one] = result.rated;
  if (one !== undefined) return { kind: 'rated', call: one.call };
  const [reject] = result.rejects;
  if (reject === undefined || result.rejects.length !== 1) throw new Error('expected one outcome');
  return { kind: 'rejected', cdrId: reject.cdrId, code: reject.code, message: reject.message };
}

function rejected(outcome: RateOutcome): { code: string; cdrId: string | null } {
  if (outcome.kind !== 'rejected') throw new Error(`expected a reject, got ${JSON.stringify(outcome.call)}`);
  return { code: outcome.code, cdrId: outcome.cdrId };
}

describe('toCoreCdr', () => {
  it('rebuilds the parties from the number types without parsing', () => {
    expect(toCoreCdr(wire)).toEqual({
      ...core,
      source: { ...core.source, country: UNKNOWN_CALLER_COUNTRY },
    });
  });

  it('reads extensions and an unparsed caller as such', () => {
    const cdr = toCoreCdr({
      ...wire,
      direction: 'internal',
      source: 'anonymous',
      source_type: 'unparsed',
      destination: '204',
      destination_type: 'extension',
      destination_country: null,
    });
    expect(cdr).toMatchObject({
      direction: 'internal',
      source: { kind: 'unparsed', raw: 'anonymous' },
      destination: { kind: 'extension', extension: '204' },
    });
  });

  it('rejects an E.164 called number without a country as BAD_FIELD', () => {
    expect(toCoreCdr({ ...wire, destination_country: null })).toMatchObject({
      kind: 'rejected',
      code: 'BAD_FIELD',
    });
  });
});

describe('toWireRatedCall', () => {
  it('copies every core field, takes times and duration from the NormalizedCdr and stamps rated_at = rating_version', () => {
    const result = rate(core, account, tariff);
    if (result.kind !== 'rated') throw new Error(result.message);
    const call = result.call;
    const mapped = toWireRatedCall(call, wire, NOW);
    expect(mapped).toEqual({
      cdr_id: call.cdr_id,
      account_id: call.account_id,
      call_type: call.call_type,
      billable: call.billable,
      billable_seconds: call.billable_seconds,
      billable_minutes: call.billable_minutes,
      rate: call.rate,
      cost: call.cost,
      currency: call.currency,
      source: call.source,
      destination: call.destination,
      destination_country: call.destination_country,
      matched_prefix: call.matched_prefix,
      start_time: wire.start_time,
      end_time: wire.end_time,
      duration_ms: wire.duration_ms,
      reason: call.reason,
      rated_at: NOW,
      rating_version: NOW,
    });
    // The ms values are the same instants the core printed, and the duration the same seconds.
    expect(formatIsoInstant(mapped.start_time)).toBe(call.start_time);
    expect(formatIsoInstant(mapped.end_time)).toBe(call.end_time);
    expect(mapped.duration_ms / 1000).toBe(call.duration_sec);
    expect(mapped).toMatchObject({ call_type: 'international', billable_seconds: 180, cost: '0.045' });
  });

  it('keeps nulls as nulls (reason, matched_prefix, destination_country)', () => {
    const internal: NormalisedCdr = { ...core, destination: { kind: 'extension', extension: '204' } };
    const result = rate(internal, account, tariff);
    if (result.kind !== 'rated') throw new Error(result.message);
    const mapped = toWireRatedCall(result.call, { ...wire, destination: '204' }, NOW);
    expect(mapped).toMatchObject({
      call_type: 'internal',
      destination_country: null,
      matched_prefix: null,
      reason: null,
    });
    expect(decodeRatedCall(encodeRatedCall(mapped))).toEqual({
      ok: true,
      value: expect.objectContaining(mapped),
    });
  });
});

describe('rating one message', () => {
  it('rates a NormalizedCdr exactly as the core does and encodes the RatedCall', () => {
    const outcome = rateMessage(encodeNormalizedCdr(wire), accounts, tariff, NOW);
    const expected = rate(core, account, tariff);
    if (outcome.kind !== 'rated' || expected.kind !== 'rated') throw new Error('not rated');
    // Read back from the batch frame it was written into.
    expect(outcome.call).toEqual(toWireRatedCall(expected.call, wire, NOW));
  });

  it('infers the direction from the account when the record has none (toll-free inbound)', () => {
    const inbound = {
      ...wire,
      source: '+442079460958',
      destination: '+18005550199',
      destination_country: 'US',
    };
    const outcome = rateMessage(
      encodeNormalizedCdr({ ...inbound, destination_type: 'toll_free' }),
      accounts,
      tariff,
      NOW,
    );
    expect(outcome.kind === 'rated' && outcome.call).toMatchObject({
      call_type: 'inbound_toll_free',
      rate: '0.025',
    });
  });

  it.each([
    ['an unknown account', encodeNormalizedCdr({ ...wire, account_id: 'nobody' }), 'UNKNOWN_ACCOUNT', 'c-1'],
    [
      'an international destination without a rate',
      encodeNormalizedCdr({ ...wire, destination: '+33142685300', destination_country: 'FR' }),
      'NO_RATE',
      'c-1',
    ],
    [
      'an unparsed called number',
      encodeNormalizedCdr({ ...wire, destination: 'call me', destination_type: 'unparsed' }),
      'BAD_NUMBER',
      'c-1',
    ],
    [
      'an E.164 called number without country',
      encodeNormalizedCdr({ ...wire, destination_country: null }),
      'BAD_FIELD',
      'c-1',
    ],
    ['garbage bytes', Buffer.from('garbage'), 'MALFORMED_RECORD', null],
    ['truncated Avro', encodeNormalizedCdr(wire).subarray(0, 12), 'MALFORMED_RECORD', null],
    ['Avro of another record', ratedCallBytes(), 'MALFORMED_RECORD', null],
    ['an empty (null) value', null, 'MALFORMED_RECORD', null],
  ])('rejects %s', (_name, value, code, cdrId) => {
    expect(rejected(rateMessage(value, accounts, tariff, NOW))).toEqual({ code, cdrId });
  });

  it('rejects a call whose cost does not fit the wire (BAD_FIELD) instead of failing the batch', () => {
    const expensive = tariffOf('*,44,1000000,UK,2024-01-01\n');
    const long = { ...wire, end_time: wire.start_time + 36_000_000, duration_ms: 36_000_000 };
    const outcome = rateMessage(encodeNormalizedCdr(long), accounts, expensive, NOW);
    expect(rejected(outcome)).toEqual({ code: 'BAD_FIELD', cdrId: 'c-1' });
  });
});

describe('rateBatch', () => {
  it('keys rated calls by account_id, dead-letters rejects as stage rating with the original bytes, and counts call types', () => {
    const unknown = encodeNormalizedCdr({ ...wire, cdr_id: 'c-2', account_id: 'nobody' });
    const messages = [
      message(encodeNormalizedCdr(wire)),
      message(unknown),
      message(encodeNormalizedCdr({ ...wire, cdr_id: 'c-3' })),
    ];
    const result = rateAll(messages, {
      accounts,
      tariff,
      nowMs: NOW,
      topic: 'cdr.normalized',
      partition: 2,
    });
    expect(result.rated.map((m) => m.key)).toEqual(['acct-us', 'acct-us']);
    expect([...result.callTypes]).toEqual([['international', 2]]);
    expect(result.deadLetters).toHaveLength(1);
    expect(result.deadLetters[0]!.key).toBe('c-2');
    const record = decodeDlqRecord(result.deadLetters[0]!.value);
    if (!record.ok) throw new Error(record.message);
    expect(record.value).toMatchObject({
      cdr_id: 'c-2',
      error_code: 'UNKNOWN_ACCOUNT',
      stage: 'rating',
      payload_encoding: 'base64',
      origin: { topic: 'cdr.normalized', partition: 2, offset: messages[1]!.offset },
      failed_at: new Date(NOW).toISOString(),
    });
    expect(dlqPayloadBytes(record.value)).toEqual(unknown);
    expect(result.rejects.map((r) => r.code)).toEqual(['UNKNOWN_ACCOUNT']);
  });

  it('rates every record of a batch frame; a refused one is dead-lettered alone, as its own single frame', () => {
    const unknown = encodeNormalizedCdr({ ...wire, cdr_id: 'c-2', account_id: 'nobody' });
    const batch = message(
      frameNormalizedCdrBatch([
        encodeNormalizedCdr(wire),
        unknown,
        encodeNormalizedCdr({ ...wire, cdr_id: 'c-3' }),
      ]),
    );
    const result = rateAll([batch], {
      accounts,
      tariff,
      nowMs: NOW,
      topic: 'cdr.normalized',
      partition: 4,
    });
    expect(result.rated.map((r) => r.key)).toEqual(['acct-us', 'acct-us']);
    expect(result.rated.map((r) => r.call.cdr_id)).toEqual(['c-1', 'c-3']);
    expect(result.deadLetters).toHaveLength(1);
    const record = decodeDlqRecord(result.deadLetters[0]!.value);
    if (!record.ok) throw new Error(record.message);
    expect(record.value).toMatchObject({
      cdr_id: 'c-2',
      error_code: 'UNKNOWN_ACCOUNT',
      origin: { topic: 'cdr.normalized', partition: 4, offset: batch.offset },
    });
    expect(dlqPayloadBytes(record.value)).toEqual(unknown);
  });

  it('dead-letters a batch frame that cannot be read as one record with the bytes as they are', () => {
    const whole = frameNormalizedCdrBatch([encodeNormalizedCdr(wire), encodeNormalizedCdr(wire)]);
    const cut = whole.subarray(0, whole.length - 10);
    const result = rateAll([message(cut)], { accounts, tariff, nowMs: NOW, topic: 't', partition: 0 });
    expect(result.rated).toEqual([]);
    expect(result.rejects.map((r) => [r.code, r.cdrId])).toEqual([['MALFORMED_RECORD', null]]);
    const record = decodeDlqRecord(result.deadLetters[0]!.value);
    if (!record.ok) throw new Error(record.message);
    expect(dlqPayloadBytes(record.value)).toEqual(cut);
  });
});
