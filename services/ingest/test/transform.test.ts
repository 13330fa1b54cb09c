import type { ConsumedMessage } from '@cdrate/kafka';
import { createNormaliser } from '@cdrate/numbering';
import { parseIsoDate, type Account } from '@cdrate/rating-core';
import {
  decodeDlqRecord,
  createNormalizedCdrBatchWriter,
  decodeNormalizedCdrs,
  dlqPayloadBytes,
  encodeAccount,
  encodeRawCdr,
  type DlqRecord,
  type NormalizedCdr,
  type RawCdr,
} from '@cdrate/schemas';
import { BatchKeys, DuplicateWindow, type SeenKeys } from '../src/dedup.js';
import { ingestBatch, type IngestBatchResult } from '../src/transform.js';

/** A duplicate window over key strings (`account_id` U+0000 `cdr_id`), for readable tests. */
function seenOf(keys: readonly string[]): SeenKeys & { readonly size: number } {
  const set = new Set(keys);
  return { has: (batch, index) => set.has(batch.key(index)), size: set.size };
}

function keysOf(batch: BatchKeys): string[] {
  return Array.from({ length: batch.count }, (_, i) => batch.key(i));
}

const NOW = Date.UTC(2026, 2, 1, 12, 0, 0, 123);

function account(id: string, country: string, numbers: string[] = []): Account {
  return {
    accountId: id,
    country,
    billingStartDay: parseIsoDate('2025-01-01')!,
    includedMinutes: 100,
    overageRate: '0.02',
    currency: 'USD',
    numbers: new Set(numbers),
    tollFreeNumbers: new Set(),
  };
}

const accounts = new Map([
  ['acct-us', account('acct-us', 'US', ['+12125550100'])],
  ['acct-gb', account('acct-gb', 'GB')],
]);
const normaliser = createNormaliser({ cacheSize: 100 });

const goodRaw = {
  cdr_id: 'c-1',
  account_id: 'acct-us',
  direction: 'outbound',
  source: '(212) 555-0100',
  destination: '011 44 20 7946 0958',
  start_time: '2026-03-01T09:00:00-05:00',
  end_time: '2026-03-01T09:02:05.500-05:00',
  duration_sec: 125.5,
  disposition: 'answered',
};

let offset = 0;
function message(value: Buffer | string | null, contentType?: string): ConsumedMessage {
  return {
    key: null,
    value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value, 'utf8'),
    headers: contentType === undefined ? {} : { 'content-type': Buffer.from(contentType) },
    offset: String(offset++),
    timestamp: String(NOW),
  };
}

function json(value: unknown): ConsumedMessage {
  return message(JSON.stringify(value), 'application/json');
}

/** A batch's result plus the records it gave its output, each with its key, as written and read back. */
type Run = IngestBatchResult & { readonly normalized: { key: string; cdr: NormalizedCdr }[] };

function run(messages: ConsumedMessage[], seen: SeenKeys = seenOf([])): Run {
  const normalized: { key: string; cdr: NormalizedCdr }[] = [];
  const writer = createNormalizedCdrBatchWriter();
  const output = {
    add(key: string, record: NormalizedCdr) {
      writer.append(record);
      const decoded = decodeNormalizedCdrs(writer.take());
      if (!decoded.ok || !decoded.value.items[0]!.ok) throw new Error('a record written does not read back');
      normalized.push({ key, cdr: { ...decoded.value.items[0]!.value } });
    },
  };
  const result = ingestBatch(messages, {
    accounts,
    normaliser,
    seen,
    nowMs: NOW,
    topic: 'cdr.raw',
    partition: 3,
    output,
  });
  return { ...result, normalized };
}

function normalized(result: Run): NormalizedCdr[] {
  return result.normalized.map((r) => r.cdr);
}

function dlq(result: IngestBatchResult): DlqRecord[] {
  return result.deadLetters.map((m) => {
    const decoded = decodeDlqRecord(m.value);
    if (!decoded.ok) throw new Error(decoded.message);
    return decoded.value;
  });
}

/** The single reject code of a one-message batch. */
function rejectCode(input: ConsumedMessage): string {
  const result = run([input]);
  expect(result.normalized).toHaveLength(0);
  expect(result.deadLetters).toHaveLength(1);
  return dlq(result)[0]!.error_code;
}

const expectedNormalized: NormalizedCdr = {
  cdr_id: 'c-1',
  account_id: 'acct-us',
  direction: 'outbound',
  source: '+12125550100',
  source_type: 'fixed_or_mobile',
  destination: '+442079460958',
  destination_type: 'fixed',
  destination_country: 'GB',
  start_time: Date.UTC(2026, 2, 1, 14, 0, 0),
  end_time: Date.UTC(2026, 2, 1, 14, 2, 5, 500),
  duration_ms: 125_500,
  disposition: 'answered',
  received_at: NOW,
  raw_source: '(212) 555-0100',
  raw_destination: '011 44 20 7946 0958',
};

describe('ingestBatch: good records', () => {
  it('turns a JSON CDR into an Avro NormalizedCdr keyed by account_id, numbers normalised in the account country', () => {
    const result = run([json(goodRaw)]);
    expect(result.deadLetters).toHaveLength(0);
    expect(result.normalized[0]!.key).toBe('acct-us');
    expect(normalized(result)).toEqual([expectedNormalized]);
    expect(keysOf(result.accepted)).toEqual(['acct-us\u0000c-1']);
  });

  it('turns the same CDR sent as framed Avro into the same NormalizedCdr', () => {
    const avro = encodeRawCdr({ ...goodRaw, direction: 'outbound', disposition: 'answered' });
    expect(normalized(run([message(avro, 'avro/binary')]))).toEqual([expectedNormalized]);
  });

  it('reads content-type headers with parameters or in capitals, and refuses unknown ones', () => {
    const text = JSON.stringify(goodRaw);
    const avro = encodeRawCdr({ ...goodRaw, direction: 'outbound', disposition: 'answered' });
    expect(normalized(run([message(text, 'Application/JSON; charset=utf-8')]))).toEqual([expectedNormalized]);
    expect(normalized(run([message(avro, ' AVRO/binary ')]))).toEqual([expectedNormalized]);
    const refused = run([message(text, 'application/jsonl')]);
    expect(refused.rejects.map((r) => r.code)).toEqual(['MALFORMED_RECORD']);
    expect(refused.rejects[0]!.message).toBe(
      'UNKNOWN_CONTENT_TYPE: content-type "application/jsonl" is neither application/json nor avro/binary',
    );
  });

  it('decides by the first byte when there is no content-type header', () => {
    const avro = encodeRawCdr(goodRaw as RawCdr);
    const result = run([message(avro), message(JSON.stringify({ ...goodRaw, cdr_id: 'c-2' }))]);
    expect(normalized(result).map((c) => c.cdr_id)).toEqual(['c-1', 'c-2']);
  });

  it('reads national numbers in the country of the account (GB) and extensions as extensions', () => {
    const result = run([
      json({
        ...goodRaw,
        account_id: 'acct-gb',
        source: '101',
        destination: '020 7946 0958',
        direction: null,
      }),
    ]);
    expect(normalized(result)[0]).toMatchObject({
      direction: null,
      source: '101',
      source_type: 'extension',
      destination: '+442079460958',
      destination_country: 'GB',
    });
  });

  it('keeps an unreadable calling number as unparsed and derives the duration from the times when absent', () => {
    const result = run([json({ ...goodRaw, source: 'anonymous', duration_sec: null })]);
    expect(normalized(result)[0]).toMatchObject({
      source: 'anonymous',
      source_type: 'unparsed',
      duration_ms: 125_500,
    });
  });
});

describe('ingestBatch: every reject path becomes a DLQ record and never throws', () => {
  it.each([
    ['garbage bytes', message(Buffer.from([0xff, 0x00, 0x13, 0x37]), 'application/json'), 'MALFORMED_RECORD'],
    ['garbage bytes without a header', message(Buffer.from([0x00, 0xff, 0xfe])), 'MALFORMED_RECORD'],
    ['an empty (null) value', message(null), 'MALFORMED_RECORD'],
    ['a 1 MB message', message(Buffer.alloc(1024 * 1024, 0x61), 'application/json'), 'MALFORMED_RECORD'],
    ['a JSON array', json([1, 2, 3]), 'MALFORMED_RECORD'],
    ['a JSON string', json('cdr'), 'MALFORMED_RECORD'],
    ['a field of the wrong type', json({ ...goodRaw, cdr_id: { id: 1 } }), 'BAD_FIELD'],
    [
      'an id too large for a JSON number',
      message(JSON.stringify(goodRaw).replace('"c-1"', '12345678901234567890'), 'application/json'),
      'BAD_FIELD',
    ],
    ['an unknown content type', message(JSON.stringify(goodRaw), 'text/csv'), 'MALFORMED_RECORD'],
    [
      'Avro of another record',
      message(
        encodeAccount({
          account_id: 'a',
          country: 'US',
          billing_start_date: '2025-01-01',
          included_minutes: 0,
          overage_rate: '0.02',
          toll_free_numbers: [],
          numbers: [],
          currency: 'USD',
        }),
        'avro/binary',
      ),
      'MALFORMED_RECORD',
    ],
    [
      'truncated Avro',
      message(encodeRawCdr(goodRaw as RawCdr).subarray(0, 20), 'avro/binary'),
      'MALFORMED_RECORD',
    ],
    ['JSON labelled as Avro', message(JSON.stringify(goodRaw), 'avro/binary'), 'MALFORMED_RECORD'],
    ['a missing field', json({ ...goodRaw, destination: undefined }), 'MISSING_FIELD'],
    ['an unknown direction', json({ ...goodRaw, direction: 'sideways' }), 'BAD_FIELD'],
    ['an unknown disposition', json({ ...goodRaw, disposition: 'maybe' }), 'BAD_FIELD'],
    ['a duration that is not a number', json({ ...goodRaw, duration_sec: 'long' }), 'BAD_FIELD'],
    ['a time without offset', json({ ...goodRaw, start_time: '2026-03-01T09:00:00' }), 'BAD_TIME'],
    ['end before start', json({ ...goodRaw, end_time: '2026-03-01T08:00:00-05:00' }), 'END_BEFORE_START'],
    ['a negative duration', json({ ...goodRaw, duration_sec: -1 }), 'NEGATIVE_DURATION'],
    ['a huge duration', json({ ...goodRaw, duration_sec: 1e300 }), 'BAD_FIELD'],
    ['an unknown account', json({ ...goodRaw, account_id: 'nobody' }), 'UNKNOWN_ACCOUNT'],
    ['an unreadable called number', json({ ...goodRaw, destination: 'call me' }), 'BAD_NUMBER'],
  ])('%s', (_name, input, code) => {
    expect(rejectCode(input)).toBe(code);
  });

  it('keeps the original bytes, the cdr_id when known, the stage and the origin', () => {
    const garbage = Buffer.from([0xcd, 0x01, 0x01, 0xff, 0xff]);
    const unknown = json({ ...goodRaw, account_id: 'nobody' });
    const result = run([message(garbage, 'avro/binary'), unknown]);
    const [first, second] = dlq(result);
    expect(first).toMatchObject({ cdr_id: null, stage: 'ingest', payload_encoding: 'base64' });
    expect(first!.origin).toEqual({ topic: 'cdr.raw', partition: 3, offset: result.rejects[0]!.offset });
    expect(dlqPayloadBytes(first!)).toEqual(garbage);
    expect(second).toMatchObject({
      cdr_id: 'c-1',
      error_code: 'UNKNOWN_ACCOUNT',
      payload_encoding: 'utf8',
      failed_at: new Date(NOW).toISOString(),
    });
    expect(dlqPayloadBytes(second!)).toEqual(unknown.value);
    expect(result.deadLetters.map((m) => m.key)).toEqual([null, 'c-1']);
    expect(result.deadLetters[0]!.headers).toEqual({ 'content-type': 'application/json' });
    expect(result.accepted.count).toBe(0);
  });
});

describe('ingestBatch: duplicates', () => {
  it('drops a repeat of an (account_id, cdr_id) within the batch and counts it', () => {
    const result = run([
      json(goodRaw),
      json({ ...goodRaw, duration_sec: 1 }),
      json({ ...goodRaw, cdr_id: 'c-2' }),
    ]);
    expect(normalized(result).map((c) => c.cdr_id)).toEqual(['c-1', 'c-2']);
    expect(result.duplicates).toBe(1);
  });

  it('drops a cdr_id already in the window, without remembering anything itself', () => {
    const seen = seenOf(['acct-us\u0000c-1']);
    const result = run([json(goodRaw)], seen);
    expect(result.normalized).toHaveLength(0);
    expect(result.duplicates).toBe(1);
    expect(seen.size).toBe(1);
  });

  it('treats the same cdr_id of another account as a different call (the ClickHouse key)', () => {
    const result = run([
      json(goodRaw),
      json({ ...goodRaw, account_id: 'acct-gb', destination: '+12125550111' }),
    ]);
    expect(result.normalized).toHaveLength(2);
  });

  it('does not count a rejected CDR, so its replay after a fix is not a duplicate', () => {
    const result = run([
      json({ ...goodRaw, account_id: 'nobody' }),
      json({ ...goodRaw, account_id: 'nobody' }),
    ]);
    expect(result.deadLetters).toHaveLength(2);
    expect(result.duplicates).toBe(0);
  });
});

describe('the duplicate window (DEDUP_WINDOW)', () => {
  it('remembers at least the last `window` ids; older repeats pass and are left to ClickHouse dedup', () => {
    const window = new DuplicateWindow(4);
    const keys = new BatchKeys();
    for (let i = 0; i < 20; i++) keys.push('acct-us', `c-${i}`);
    window.addAll(keys);
    for (let i = 16; i < 20; i++) expect(window.has(keys, i)).toBe(true);
    expect(window.has(keys, 0)).toBe(false);
    const result = run([json({ ...goodRaw, cdr_id: 'c-19' }), json({ ...goodRaw, cdr_id: 'c-0' })], window);
    expect(normalized(result).map((c) => c.cdr_id)).toEqual(['c-0']);
    expect(result.duplicates).toBe(1);
  });
});
