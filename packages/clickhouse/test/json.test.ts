import { encodeJsonValue, jsonDecimal } from '@cdrate/clickhouse';
import { JsonDecimal } from '../src/json.js';

describe('encodeJsonValue', () => {
  it('writes bigint quoted, decimals unquoted with all their digits, and Dates as unix seconds', () => {
    const row = {
      call_id: 'c-1',
      amount_micros: 123456789012123456n,
      amount: jsonDecimal('123456789012.123456'),
      started_at: new Date('2023-11-14T22:13:20.500Z'),
      tags: ['a', "b'c"],
      billable: true,
      seconds: 61,
      note: null,
      skipped: undefined,
    };
    expect(encodeJsonValue(row)).toBe(
      '{"call_id":"c-1","amount_micros":"123456789012123456","amount":123456789012.123456,' +
        '"started_at":1700000000,"tags":["a","b\'c"],"billable":true,"seconds":61,"note":null}',
    );
  });

  it('escapes strings as JSON', () => {
    expect(encodeJsonValue({ s: '"\\\n\0📞' })).toBe('{"s":"\\"\\\\\\n\\u0000📞"}');
  });

  it('rejects values that would be written wrongly', () => {
    expect(() => encodeJsonValue({ x: Number.NaN })).toThrow(TypeError);
    expect(() => encodeJsonValue({ x: Number.POSITIVE_INFINITY })).toThrow(TypeError);
    expect(() => encodeJsonValue({ x: new Date('nonsense') })).toThrow(TypeError);
    expect(() => encodeJsonValue({ x: () => 1 })).toThrow(TypeError);
    // A forged decimal must not break out of its field.
    expect(() => encodeJsonValue({ x: new JsonDecimal('1,"admin":true') })).toThrow(TypeError);
  });
});

describe('jsonDecimal', () => {
  it('accepts plain decimal text and rejects the rest', () => {
    expect(jsonDecimal('-0.000001').text).toBe('-0.000001');
    for (const bad of ['1e3', '+1', '01', '1.', '', '1,5', '"1"'])
      expect(() => jsonDecimal(bad)).toThrow(TypeError);
  });
});
