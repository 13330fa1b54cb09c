import { SETTINGS_MIN_VERSION, filterSettings, parseVersion, supports } from '@cdrate/clickhouse';

const v18 = parseVersion('18.16.1');
const v24 = parseVersion('24.8.4.13');
const v26 = parseVersion('26.1.2.1');

describe('parseVersion', () => {
  it('reads major, minor and patch from version() output', () => {
    expect(v18).toEqual({ major: 18, minor: 16, patch: 1, text: '18.16.1' });
    expect(v24).toMatchObject({ major: 24, minor: 8, patch: 4 });
    expect(parseVersion('25.3.1.2703-testing\n')).toMatchObject({ major: 25, minor: 3, patch: 1 });
    expect(parseVersion('21.11')).toMatchObject({ major: 21, minor: 11, patch: 0 });
  });

  it('rejects text that is not a version', () => {
    for (const bad of ['', 'abc', '18', 'v18.16.1', '18.x']) expect(() => parseVersion(bad)).toThrow();
  });
});

describe('supports', () => {
  it('reports that 18.16 lacks every gated feature', () => {
    for (const feature of [
      'lowCardinality',
      'dateTime64',
      'asyncInsert',
      'insertDeduplicationToken',
      'lightweightDelete',
      'serverSideParams',
      'mutationsSync',
    ] as const) {
      expect(supports(v18, feature)).toBe(false);
      expect(supports(v24, feature)).toBe(true);
      expect(supports(v26, feature)).toBe(true);
    }
  });

  it('compares minor versions within a major', () => {
    expect(supports(parseVersion('21.10.1'), 'asyncInsert')).toBe(false);
    expect(supports(parseVersion('21.11.1'), 'asyncInsert')).toBe(true);
    expect(supports(parseVersion('22.1.1'), 'insertDeduplicationToken')).toBe(false);
    expect(supports(parseVersion('22.2.1'), 'insertDeduplicationToken')).toBe(true);
  });
});

describe('filterSettings', () => {
  const requested = {
    max_execution_time: 30,
    wait_end_of_query: 1,
    date_time_input_format: 'best_effort',
    async_insert: 1,
    insert_deduplication_token: 'batch-1',
    mutations_sync: 1,
    output_format_json_quote_decimals: 1,
    input_format_defaults_for_omitted_fields: 1,
    param_x: 1,
    made_up_setting: 1,
  };

  it('keeps on 18.16 only what 18.16 knows and reports the rest', () => {
    const { settings, dropped } = filterSettings(v18, requested);
    expect(settings).toEqual({
      max_execution_time: 30,
      wait_end_of_query: 1,
      date_time_input_format: 'best_effort',
    });
    expect(dropped.map((setting) => [setting.name, setting.reason])).toEqual([
      ['async_insert', 'too-new'],
      ['insert_deduplication_token', 'too-new'],
      ['mutations_sync', 'too-new'],
      ['output_format_json_quote_decimals', 'too-new'],
      ['input_format_defaults_for_omitted_fields', 'too-new'],
      ['param_x', 'unknown'],
      ['made_up_setting', 'unknown'],
    ]);
  });

  it('keeps every allow-listed setting on modern servers and still drops unknown ones', () => {
    for (const version of [v24, v26]) {
      const { settings, dropped } = filterSettings(version, requested);
      expect(Object.keys(settings)).toHaveLength(8);
      expect(dropped.map((setting) => setting.name)).toEqual(['param_x', 'made_up_setting']);
    }
  });

  it('does not treat inherited object keys as allow-listed', () => {
    const { settings } = filterSettings(
      v26,
      JSON.parse('{"constructor": 1, "toString": 1, "__proto__": 1}') as Record<string, number>,
    );
    expect(settings).toEqual({});
  });

  it('lists wait_end_of_query and max_execution_time for every version', () => {
    expect(SETTINGS_MIN_VERSION['wait_end_of_query']).toEqual({ major: 1, minor: 0 });
    expect(SETTINGS_MIN_VERSION['max_execution_time']).toEqual({ major: 1, minor: 0 });
  });
});
