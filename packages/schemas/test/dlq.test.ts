import {
  buildDlqRecord,
  deadLetterMessage,
  decodeDlqRecord,
  dlqPayloadBytes,
  encodeDlqRecord,
  encodeRawCdr,
  type DlqRecord,
} from '@cdrate/schemas';
import { rawCdr } from './fixtures.js';

const origin = { topic: 'cdr.raw', partition: 3, offset: '9007199254740993' };
const failedAtMs = Date.UTC(2026, 10, 26, 9, 30, 0, 123);

function build(payload: Uint8Array): DlqRecord {
  return buildDlqRecord({
    cdrId: null,
    errorCode: 'MALFORMED_RECORD',
    errorMessage: 'record is not an object',
    stage: 'ingest',
    payload,
    origin,
    failedAtMs,
  });
}

describe('DLQ records', () => {
  it('keeps a UTF-8 payload as text', () => {
    const record = build(Buffer.from('{"cdr_id": "é1", "start_time": oops}'));
    expect(record).toEqual({
      cdr_id: null,
      error_code: 'MALFORMED_RECORD',
      error_message: 'record is not an object',
      stage: 'ingest',
      payload: '{"cdr_id": "é1", "start_time": oops}',
      payload_encoding: 'utf8',
      origin,
      failed_at: '2026-11-26T09:30:00.123Z',
    });
  });

  it('keeps bytes that are not UTF-8 (Avro, garbage) as base64, and gives them back exactly', () => {
    for (const bytes of [encodeRawCdr(rawCdr), Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80])]) {
      const record = build(bytes);
      expect(record.payload_encoding).toBe('base64');
      expect(record.payload).toBe(bytes.toString('base64'));
      const parsed = decodeDlqRecord(encodeDlqRecord(record));
      expect(parsed).toEqual({ ok: true, value: record });
      expect(parsed.ok && dlqPayloadBytes(parsed.value).equals(bytes)).toBe(true);
    }
  });

  it('round-trips through JSON with the offset as exact digits', () => {
    const record = { ...build(Buffer.from('x')), cdr_id: 'sw1-1', stage: 'rating' as const };
    const bytes = encodeDlqRecord(record);
    expect(JSON.parse(bytes.toString('utf8'))).toMatchObject({ origin: { offset: '9007199254740993' } });
    expect(decodeDlqRecord(bytes)).toEqual({ ok: true, value: record });
    expect(decodeDlqRecord(bytes.toString('utf8'))).toEqual({ ok: true, value: record });
  });

  it('keeps an empty payload', () => {
    const record = build(new Uint8Array(0));
    expect(record.payload).toBe('');
    expect(dlqPayloadBytes(record).length).toBe(0);
  });

  it.each([
    ['stage', { stage: 'billing' }],
    ['payload_encoding', { payload_encoding: 'hex' }],
    ['payload', { payload_encoding: 'base64', payload: 'not base64!' }],
    ['error_code', { error_code: '' }],
    ['failed_at', { failed_at: '2026-11-26 09:30:00' }],
    ['origin.offset', { origin: { ...origin, offset: -1 } }],
    ['origin.partition', { origin: { ...origin, partition: '3' } }],
    ['cdr_id', { cdr_id: 7 }],
  ])('rejects a record with a bad %s', (field, change) => {
    const text = JSON.stringify({ ...build(Buffer.from('x')), ...change });
    expect(decodeDlqRecord(text)).toEqual({
      ok: false,
      code: 'BAD_FIELD',
      message: expect.stringContaining(field),
    });
  });

  it('returns error values for garbage', () => {
    expect(decodeDlqRecord(Buffer.from([0xff, 0xfe]))).toMatchObject({ ok: false, code: 'NOT_JSON' });
    expect(decodeDlqRecord('{')).toMatchObject({ ok: false, code: 'NOT_JSON' });
    expect(decodeDlqRecord('[]')).toMatchObject({ ok: false, code: 'NOT_AN_OBJECT' });
    expect(decodeDlqRecord('{"stage":"ingest"}')).toMatchObject({ ok: false, code: 'BAD_FIELD' });
  });

  it('refuses to encode a record that breaks its contract', () => {
    expect(() => encodeDlqRecord({ ...build(Buffer.from('x')), failed_at: 'yesterday' })).toThrow(TypeError);
  });
});

describe('deadLetterMessage', () => {
  it('addresses the JSON record by cdr_id with its content type, payload intact', () => {
    const payload = Buffer.from([0xcd, 0x01, 0xff]);
    const letter = deadLetterMessage({
      cdrId: 'c-9',
      errorCode: 'MALFORMED_RECORD',
      errorMessage: 'TRUNCATED: ends early',
      stage: 'rating',
      payload,
      origin: { topic: 'cdr.normalized', partition: 2, offset: '41' },
      failedAtMs: Date.UTC(2026, 0, 2, 3, 4, 5),
    });
    expect(letter.key).toBe('c-9');
    expect(letter.headers).toEqual({ 'content-type': 'application/json' });
    const decoded = decodeDlqRecord(letter.value);
    if (!decoded.ok) throw new Error(decoded.message);
    expect(decoded.value).toMatchObject({
      cdr_id: 'c-9',
      error_code: 'MALFORMED_RECORD',
      stage: 'rating',
      payload_encoding: 'base64',
      failed_at: '2026-01-02T03:04:05.000Z',
    });
    expect(dlqPayloadBytes(decoded.value)).toEqual(payload);
  });

  it('sends a dead letter without a known cdr_id without a key', () => {
    const letter = deadLetterMessage({
      cdrId: null,
      errorCode: 'MALFORMED_RECORD',
      errorMessage: 'NOT_JSON: x',
      stage: 'ingest',
      payload: Buffer.from('{'),
      origin: { topic: 'cdr.raw', partition: 0, offset: '0' },
      failedAtMs: 0,
    });
    expect(letter.key).toBeNull();
  });
});
