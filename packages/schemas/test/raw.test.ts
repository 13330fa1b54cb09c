import { decodeRawCdrJson, decodeRawCdrMessage, encodeRawCdr, type RawCdrInput } from '@cdrate/schemas';
import { rawCdr } from './fixtures.js';

const json = (value: unknown): Buffer => Buffer.from(JSON.stringify(value), 'utf8');

describe('decodeRawCdrJson', () => {
  it('reads the known fields of a switch JSON record and ignores others', () => {
    const result = decodeRawCdrJson(json({ ...rawCdr, switch_name: 'sw1', trunk: { id: 3 } }));
    expect(result).toEqual({ ok: true, value: rawCdr });
  });

  it('passes numbers through and reports missing or null fields as null', () => {
    const result = decodeRawCdrJson(
      '{"cdr_id": 123, "account_id": "a", "source": 5551234567, "duration_sec": "65", "end_time": null}',
    );
    const expected: RawCdrInput = {
      cdr_id: 123,
      account_id: 'a',
      direction: null,
      source: 5551234567,
      destination: null,
      start_time: null,
      end_time: null,
      duration_sec: '65',
      disposition: null,
    };
    expect(result).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['{"cdr_id": true}', 'BAD_FIELD', /cdr_id/],
    ['{"duration_sec": [60]}', 'BAD_FIELD', /duration_sec/],
    ['{"source": {"number": "1"}}', 'BAD_FIELD', /source/],
    ['{"cdr_id": 12345678901234567890}', 'BAD_FIELD', /as a string/],
    ['[1, 2]', 'NOT_AN_OBJECT', /array/],
    ['null', 'NOT_AN_OBJECT', /null/],
    ['"cdr"', 'NOT_AN_OBJECT', /string/],
    ['{"cdr_id": "1"', 'NOT_JSON', /JSON|Unexpected|Expected/],
    ['', 'NOT_JSON', /./],
  ])('rejects %s as %s', (text, code, message) => {
    const result = decodeRawCdrJson(Buffer.from(text));
    expect(result).toEqual({ ok: false, code, message: expect.stringMatching(message) });
  });

  it('names the first bad field in field order, in these words', () => {
    expect(decodeRawCdrJson('{"disposition": [1], "duration_sec": 1e400, "account_id": false}')).toEqual({
      ok: false,
      code: 'BAD_FIELD',
      message: 'account_id must be a string or a number, got boolean',
    });
    expect(decodeRawCdrJson('{"disposition": [1], "duration_sec": 1e400}')).toEqual({
      ok: false,
      code: 'BAD_FIELD',
      message: 'duration_sec Infinity loses digits as a JSON number; send it as a string',
    });
    expect(decodeRawCdrJson('{"destination": 9007199254740993, "start_time": 9007199254740993}')).toEqual({
      ok: false,
      code: 'BAD_FIELD',
      message: 'destination 9007199254740992 loses digits as a JSON number; send it as a string',
    });
    expect(decodeRawCdrJson('{"disposition": [1]}')).toEqual({
      ok: false,
      code: 'BAD_FIELD',
      message: 'disposition must be a string or a number, got an array',
    });
  });

  it('reads only own fields, not ones inherited from the object prototype', () => {
    const result = decodeRawCdrJson('{"cdr_id": "c", "toString": 1}');
    expect(result.ok && result.value.cdr_id).toBe('c');
    expect(decodeRawCdrJson('{"__proto__": {"cdr_id": "inherited"}}')).toMatchObject({
      ok: true,
      value: { cdr_id: null },
    });
  });

  it('reads a Uint8Array view into a larger buffer, not only a Buffer', () => {
    const whole = Buffer.from(`xx${JSON.stringify(rawCdr)}yy`, 'utf8');
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 2, whole.length - 4);
    expect(decodeRawCdrJson(view)).toEqual({ ok: true, value: rawCdr });
  });

  it('rejects bytes that are not UTF-8 instead of replacing them', () => {
    const bytes = Buffer.concat([Buffer.from('{"cdr_id":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(decodeRawCdrJson(bytes)).toMatchObject({ ok: false, code: 'NOT_JSON' });
  });

  it('refuses a 1 MB message before parsing it', () => {
    const huge = json({ cdr_id: 'x'.repeat(1024 * 1024) });
    expect(decodeRawCdrJson(huge)).toMatchObject({ ok: false, code: 'TOO_LARGE' });
    expect(decodeRawCdrJson(huge.toString('utf8'))).toMatchObject({ ok: false, code: 'TOO_LARGE' });
  });

  it('survives deeply nested JSON', () => {
    const deep = '{"x":' + '['.repeat(30000) + ']'.repeat(30000) + '}';
    expect(decodeRawCdrJson(deep).ok).toBe(true);
    expect(decodeRawCdrJson('['.repeat(60000)).ok).toBe(false);
  });
});

describe('decodeRawCdrMessage', () => {
  const avro = encodeRawCdr(rawCdr);
  const text = json(rawCdr);

  it('decodes by content-type header, with or without parameters', () => {
    expect(decodeRawCdrMessage(avro, 'avro/binary')).toEqual({ ok: true, value: rawCdr });
    expect(decodeRawCdrMessage(text, 'application/json')).toEqual({ ok: true, value: rawCdr });
    expect(decodeRawCdrMessage(text, 'Application/JSON; charset=utf-8')).toEqual({ ok: true, value: rawCdr });
  });

  it('sniffs the first byte when there is no header', () => {
    expect(decodeRawCdrMessage(avro)).toEqual({ ok: true, value: rawCdr });
    expect(decodeRawCdrMessage(text)).toEqual({ ok: true, value: rawCdr });
    expect(decodeRawCdrMessage(Buffer.alloc(0))).toMatchObject({ ok: false, code: 'NOT_JSON' });
  });

  it('reports a header that contradicts the bytes and an unknown content type', () => {
    expect(decodeRawCdrMessage(text, 'avro/binary')).toMatchObject({ ok: false, code: 'NOT_AVRO' });
    expect(decodeRawCdrMessage(avro, 'application/json')).toMatchObject({ ok: false, code: 'NOT_JSON' });
    expect(decodeRawCdrMessage(text, 'text/csv')).toMatchObject({ ok: false, code: 'UNKNOWN_CONTENT_TYPE' });
  });
});
