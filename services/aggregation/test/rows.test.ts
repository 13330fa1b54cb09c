import { durationSecText, ratedCallRow, rejectedCdrRow } from '../src/rows.js';
import { dlqRecord, ratedCall } from './fixtures.js';

describe('ratedCallRow', () => {
  it('writes every column in DDL order with exact decimals, unix seconds, ms parts and 0/1', () => {
    expect(ratedCallRow(ratedCall())).toBe(
      '{"cdr_id":"cdr-1","account_id":"acct-1","call_type":"international","billable":1,' +
        '"billable_seconds":120,"billable_minutes":2,"rate":0.123456789,"cost":1234567.12345678901,' +
        '"currency":"USD","source":"+14155550100","destination":"+442071838750",' +
        '"destination_country":"GB","matched_prefix":"4420","start_time":1768472430,"end_time":1768472492,' +
        '"start_time_ms":250,"end_time_ms":750,"duration_sec":62.5,"reason":"",' +
        '"rated_at":1768472700,"rating_version":1768472700007}',
    );
  });

  it('stores null destination_country, matched_prefix and reason as empty strings, billable false as 0', () => {
    const row = JSON.parse(
      ratedCallRow(
        ratedCall({
          billable: false,
          destination_country: null,
          matched_prefix: null,
          reason: 'before billing start',
          cost: '0',
        }),
      ),
    ) as Record<string, unknown>;
    expect(row).toMatchObject({
      billable: 0,
      destination_country: '',
      matched_prefix: '',
      reason: 'before billing start',
      cost: 0,
    });
  });

  it('keeps hostile strings intact as valid JSON', () => {
    const hostile = 'a"b\\c\nd\te\u0000f\u2028g😀h\ud800';
    const line = ratedCallRow(ratedCall({ cdr_id: hostile, source: '</script>' }));
    expect(line).not.toContain('\n');
    const row = JSON.parse(line) as Record<string, unknown>;
    expect(row['cdr_id']).toBe(hostile);
    expect(row['source']).toBe('</script>');
  });

  it('writes the smallest cost and the whole-second edge of times exactly', () => {
    const row = ratedCallRow(
      ratedCall({ cost: '0.00000000001', start_time: 999, end_time: 1000, duration_ms: 1 }),
    );
    expect(row).toContain('"cost":0.00000000001,');
    expect(row).toContain(
      '"start_time":0,"end_time":1,"start_time_ms":999,"end_time_ms":0,"duration_sec":0.001,',
    );
  });

  it('refuses values the columns cannot hold exactly', () => {
    expect(() => ratedCallRow(ratedCall({ cost: '1.123456789012' }))).toThrow(/cost .* Decimal\(18, 11\)/);
    expect(() => ratedCallRow(ratedCall({ cost: '12345678.1' }))).toThrow(/cost/);
    expect(() => ratedCallRow(ratedCall({ rate: '1e-3' }))).toThrow(TypeError);
    expect(() => ratedCallRow(ratedCall({ billable_minutes: '-1' }))).toThrow(TypeError);
    expect(() => ratedCallRow(ratedCall({ start_time: -1 }))).toThrow(/start_time/);
    expect(() => ratedCallRow(ratedCall({ end_time: 2 ** 32 * 1000 }))).toThrow(/end_time/);
    expect(() => ratedCallRow(ratedCall({ duration_ms: 1.5 }))).toThrow(/duration_ms/);
    expect(() => ratedCallRow(ratedCall({ call_type: 'premium' as never }))).toThrow(/call_type/);
    expect(() => ratedCallRow(ratedCall({ rating_version: 2 ** 53 }))).toThrow(/rating_version/);
  });
});

describe('durationSecText', () => {
  it('divides milliseconds by 1000 exactly, without trailing zeros', () => {
    expect(durationSecText(62_500)).toBe('62.5');
    expect(durationSecText(62_000)).toBe('62');
    expect(durationSecText(62_050)).toBe('62.05');
    expect(durationSecText(1)).toBe('0.001');
    expect(durationSecText(0)).toBe('0');
    expect(durationSecText(999_999_999_999)).toBe('999999999.999');
  });

  it('refuses what Decimal(12, 3) cannot hold or is not whole milliseconds', () => {
    expect(() => durationSecText(1_000_000_000_000)).toThrow(TypeError);
    expect(() => durationSecText(-1)).toThrow(TypeError);
    expect(() => durationSecText(0.5)).toThrow(TypeError);
  });
});

describe('rejectedCdrRow', () => {
  it('writes every column, the UInt64 offset as quoted digits and failed_at as unix seconds', () => {
    expect(rejectedCdrRow(dlqRecord())).toBe(
      '{"cdr_id":"cdr-9","error_code":"NO_RATE","error_message":"no rate for +999","stage":"rating",' +
        '"payload":"{\\"cdr_id\\":\\"cdr-9\\"}","payload_encoding":"utf8","origin_topic":"cdr.normalized",' +
        '"origin_partition":3,"origin_offset":"9223372036854775807","failed_at":1768472700}',
    );
  });

  it('stores a null cdr_id as an empty string and refuses an offset beyond UInt64', () => {
    expect(JSON.parse(rejectedCdrRow(dlqRecord({ cdr_id: null })))).toMatchObject({ cdr_id: '' });
    expect(() =>
      rejectedCdrRow(dlqRecord({ origin: { topic: 't', partition: 0, offset: '18446744073709551616' } })),
    ).toThrow(/origin.offset/);
  });
});
