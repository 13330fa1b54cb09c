// The pipeline commands without servers: argument parsing, filters, key extraction, Avro mapping, line
// splitting, and the ClickHouse row → RatedCall mapping that makes `cdr export rated` print what `cdr rate` does.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { sql } from '@cdrate/clickhouse';
import { buildDlqRecord, encodeNormalizedCdr, encodeRawCdr, type DlqRecord } from '@cdrate/schemas';
import * as schemas from '@cdrate/schemas';
import { runCli, type CliIo, type Command } from '@cdrate/cli';
import { accountsLoadCommand, parseAccountsLoadArgs } from '../src/commands/accounts-load.js';
import {
  matchesFilter,
  parseReplayArgs,
  parseSince,
  planReplay,
  replayContentType,
  type ReplayFilter,
} from '../src/commands/dlq-replay.js';
import {
  checkAccountId,
  exportQuery,
  normaliseDecimal,
  parseExportRatedArgs,
  parseMonth,
  ratedCallFromRow,
  type ExportRow,
} from '../src/commands/export-rated.js';
import { ratedCsvLine, ratedJsonLine } from '../src/io/formats.js';
import {
  accountIdKey,
  csvRowObject,
  forEachLine,
  parsePublishArgs,
  publishCommand,
  toRawCdr,
} from '../src/commands/publish.js';
import { dlqReplayCommand } from '../src/commands/dlq-replay.js';
import { exportRatedCommand } from '../src/commands/export-rated.js';

const DEFAULT_RATES = join(__dirname, '..', '..', '..', 'rate-tables', 'default');
const NO_ENV = {};

async function run(
  commands: readonly Command[],
  args: readonly string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdin: Readable.from(['']), stdout, stderr };
  const code = await runCli(args, io, commands);
  return { code, stdout: out, stderr: err };
}

const ALL = [
  accountsLoadCommand(NO_ENV),
  publishCommand(NO_ENV),
  dlqReplayCommand(NO_ENV),
  exportRatedCommand(NO_ENV),
];

describe('help and usage errors', () => {
  it.each([
    [['accounts', 'load', '--help'], 'cdr accounts load —'],
    [['publish', '--help'], 'cdr publish —'],
    [['dlq', 'replay', '-h'], 'cdr dlq replay —'],
    [['export', 'rated', '--help'], 'cdr export rated —'],
  ])('%j prints its help on stdout, exit 0', async (args, start) => {
    const result = await run(ALL, args);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith(start)).toBe(true);
    expect(result.stdout).toMatch(/Exit codes:/);
    expect(result.stderr).toBe('');
  });

  it.each([
    [['accounts', 'load'], 'cdr accounts load: missing --file'],
    [['publish', '--file', 'x', '--format', 'xml'], 'cdr publish: --format must be json or avro, got "xml"'],
    [['publish', '--file', 'x', '--rate', '0'], 'cdr publish: --rate must be a positive number'],
    [['publish', '--file', 'x', '--brokers', 'nohost'], 'cdr publish: --brokers: "nohost" is not host:port'],
    [['publish', '--file', 'x', '--bogus'], "cdr publish: Unknown option '--bogus'"],
    [
      ['dlq', 'replay', '--stage', 'billing'],
      'cdr dlq replay: --stage must be ingest, rating or aggregation',
    ],
    [['dlq', 'replay', '--since', 'yesterday'], 'cdr dlq replay: --since must be ISO 8601'],
    [['dlq', 'replay', '--code', 'no rate'], 'cdr dlq replay: --code must be an error code'],
    [['export', 'rated', '--month', '2026-01'], 'cdr export rated: missing --account'],
    [['export', 'rated', '--account', 'a', '--month', '2026-1'], 'cdr export rated: --month must be YYYY-MM'],
    [
      ['export', 'rated', '--account', 'a', '--month', '2026-01', '--database', 'x;DROP'],
      '--database: "x;DROP"',
    ],
  ])('%j is a usage error: exit 2, message on stderr', async (args, message) => {
    const result = await run(ALL, args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('--help` for usage.');
  });
});

describe('connection defaults', () => {
  it('come from the options, else the environment, else the local stack', () => {
    const env = {
      KAFKA_BROKERS: 'k1:9092,k2:9093',
      TOPIC_RAW: 'env.raw',
      TOPIC_PARTITIONS: '3',
      CLICKHOUSE_URL: 'http://ch:8123',
      CLICKHOUSE_DATABASE: 'billing',
      CLICKHOUSE_USER: 'u',
      CLICKHOUSE_PASSWORD: 'p',
    };
    expect(parsePublishArgs(['--file', 'f'], env)).toMatchObject({
      brokers: ['k1:9092', 'k2:9093'],
      topic: 'env.raw',
      partitions: 3,
      format: 'json',
      inFormat: 'auto',
      rate: undefined,
    });
    expect(parsePublishArgs(['--file', 'f', '--brokers', 'b:1', '--topic', 't'], env)).toMatchObject({
      brokers: ['b:1'],
      topic: 't',
    });
    expect(parsePublishArgs(['--file', 'f'], {})).toMatchObject({
      brokers: ['127.0.0.1:9092'],
      topic: 'cdr.raw',
    });
    expect(parseAccountsLoadArgs(['--file', 'a.jsonl'], {})).toEqual({
      file: 'a.jsonl',
      topic: 'accounts',
      brokers: ['127.0.0.1:9092'],
      partitions: 6,
    });
    expect(parseExportRatedArgs(['--account', 'acme', '--month', '2026-02'], env)).toEqual({
      account: 'acme',
      year: 2026,
      month: 2,
      format: 'jsonl',
      out: '-',
      clickhouse: { url: 'http://ch:8123', database: 'billing', username: 'u', password: 'p' },
    });
    expect(parseExportRatedArgs(['--account', 'acme', '--month', '2026-02'], {})).toMatchObject({
      clickhouse: { url: 'http://127.0.0.1:8123', database: 'cdr' },
    });
  });

  it('dlq replay: filters, group and destination', () => {
    const options = parseReplayArgs(
      [
        '--code',
        'NO_RATE',
        '--code',
        'UNKNOWN_ACCOUNT',
        '--stage',
        'rating',
        '--cdr-id',
        'c1',
        '--since',
        '2026-01-02',
      ],
      { TOPIC_DLQ: 'env.dlq' },
    );
    expect(options).toMatchObject({
      topic: 'env.dlq',
      group: expect.stringMatching(/^cdrate-dlq-replay-[0-9a-f]{12}$/),
      to: undefined,
      dryRun: false,
      fromBeginning: false,
      idleTimeoutMs: 30_000,
    });
    if (options === 'help') throw new Error('unexpected');
    expect([...options.filter.codes]).toEqual(['NO_RATE', 'UNKNOWN_ACCOUNT']);
    expect(options.filter.stage).toBe('rating');
    expect([...options.filter.cdrIds]).toEqual(['c1']);
    expect(options.filter.sinceMs).toBe(Date.UTC(2026, 0, 2));
  });

  it('dlq replay: each selection remembers its own position unless --group is given', () => {
    const group = (args: string[]): string => {
      const options = parseReplayArgs(args, {});
      if (options === 'help') throw new Error('unexpected');
      return options.group;
    };
    expect(group([])).toBe('cdrate-dlq-replay');
    expect(group(['--code', 'A', '--code', 'B'])).toBe(group(['--code', 'B', '--code', 'A']));
    expect(group(['--code', 'A'])).not.toBe(group(['--code', 'B']));
    expect(group(['--code', 'A'])).not.toBe(group(['--code', 'A', '--stage', 'rating']));
    expect(group(['--code', 'A', '--group', 'mine'])).toBe('mine');
    expect(() => group(['--group', 'bad group'])).toThrow(/--group/);
  });
});

describe('input validation', () => {
  it('parses --since as an instant with an offset or a UTC date', () => {
    expect(parseSince('2026-01-02T03:04:05Z')).toBe(Date.UTC(2026, 0, 2, 3, 4, 5));
    expect(parseSince('2026-01-02T03:04:05.250+01:00')).toBe(Date.UTC(2026, 0, 2, 2, 4, 5, 250));
    expect(() => parseSince('2026-01-02T03:04:05')).toThrow(/--since/); // no offset: a guess
    expect(() => parseSince('2026-02-30')).toThrow(/--since/);
  });

  it('checks account ids and months strictly', () => {
    expect(checkAccountId('acme-us')).toBe('acme-us');
    expect(checkAccountId("o'brien & co")).toBe("o'brien & co"); // quoting is the sql tag's job
    expect(() => checkAccountId('')).toThrow(/1 to 256/);
    expect(() => checkAccountId('a'.repeat(257))).toThrow(/1 to 256/);
    expect(() => checkAccountId('a\nb')).toThrow(/control/);
    expect(() => checkAccountId(' acme')).toThrow(/spaces/);
    expect(parseMonth('2026-12')).toEqual({ year: 2026, month: 12 });
    for (const bad of ['2026-00', '2026-13', '26-01', '2026-1', '1969-12', '2106-01', '2026-01-01'])
      expect(() => parseMonth(bad)).toThrow(/--month/);
  });
});

describe('cdr publish helpers', () => {
  it('reads account_id cheaply from a JSON line, or gives no key', () => {
    const key = (text: string): string | null => accountIdKey(Buffer.from(text))?.toString() ?? null;
    expect(key('{"cdr_id":"1","account_id":"acme-us","source":"x"}')).toBe('acme-us');
    expect(key('{"account_id" :  "spaced"}')).toBe('spaced');
    expect(key('{"account_id":12345,"x":1}')).toBe('12345');
    expect(key('{"account_id":"esc\\"aped"}')).toBeNull();
    expect(key('{"account_id":""}')).toBeNull();
    expect(key('{"account_id":1.5}')).toBeNull();
    expect(key('{"account_id":null}')).toBeNull();
    expect(key('{"cdr_id":"1"}')).toBeNull();
    expect(key('not json at all')).toBeNull();
    expect(key('{"account_id":"unterminated')).toBeNull();
    // Near misses before the field, the field first or last, a line ending inside the name.
    expect(key('{"a":1,"acc":2,"account":3,"account_idx":4,"account_id":"late"}')).toBe('late');
    expect(key('"account_id":"first"')).toBe('first');
    expect(key('{"cdr_id":"1","account_i')).toBeNull();
    expect(key('"account_id"')).toBeNull();
  });

  it('maps records to Avro RawCdr with the schema defaults, or refuses them', () => {
    const base = {
      cdr_id: 'c1',
      account_id: 'acme',
      source: '+12125550100',
      destination: '+442079460000',
      start_time: '2026-01-05T10:00:00Z',
      end_time: '2026-01-05T10:01:00Z',
    };
    expect(toRawCdr(base)).toEqual({ ...base, direction: null, duration_sec: null, disposition: 'answered' });
    expect(
      toRawCdr({ ...base, cdr_id: 77, duration_sec: '62.5', direction: 'outbound', disposition: 'busy' }),
    ).toEqual({
      ...base,
      cdr_id: '77',
      direction: 'outbound',
      duration_sec: 62.5,
      disposition: 'busy',
    });
    expect(toRawCdr({ ...base, cdr_id: '' })).toBeUndefined();
    expect(toRawCdr({ ...base, direction: 'sideways' })).toBeUndefined();
    expect(toRawCdr({ ...base, disposition: 'maybe' })).toBeUndefined();
    expect(toRawCdr({ ...base, duration_sec: 'long' })).toBeUndefined();
    expect(toRawCdr({ ...base, start_time: 5 })).toBeUndefined();
    expect(toRawCdr([base])).toBeUndefined();
    expect(() => encodeRawCdr(toRawCdr(base)!)).not.toThrow(); // a valid RawCdr for the codec
  });

  it('turns a CSV row into an object without its empty fields', () => {
    expect(csvRowObject(['cdr_id', 'direction', 'x'], ['c1', '', 'y'])).toEqual({ cdr_id: 'c1', x: 'y' });
  });

  it('splits bytes into lines across chunks, drops \\r, keeps invalid UTF-8 as is', async () => {
    const chunks = [
      Buffer.from('{"a":1}\r\n{"b"'),
      Buffer.from(':2}\n'),
      Buffer.from([0xff, 0xfe, 0x0a]),
      Buffer.from('\nlast'),
    ];
    const lines: [string, number][] = [];
    await forEachLine(Readable.from(chunks), (line, n) => {
      lines.push([line.toString('hex'), n]);
    });
    expect(lines).toEqual([
      [Buffer.from('{"a":1}').toString('hex'), 1],
      [Buffer.from('{"b":2}').toString('hex'), 2],
      ['fffe', 3],
      ['', 4],
      [Buffer.from('last').toString('hex'), 5],
    ]);
  });
});

describe('cdr dlq replay helpers', () => {
  const record = (overrides: Partial<Parameters<typeof buildDlqRecord>[0]> = {}): DlqRecord =>
    buildDlqRecord({
      cdrId: 'c1',
      errorCode: 'NO_RATE',
      errorMessage: 'no international rate',
      stage: 'rating',
      payload: Buffer.from('{"cdr_id":"c1","account_id":"acme"}'),
      origin: { topic: 'cdr.raw', partition: 2, offset: '41' },
      failedAtMs: Date.UTC(2026, 0, 10),
      ...overrides,
    });
  const filter = (f: Partial<ReplayFilter>): ReplayFilter => ({
    codes: new Set(),
    stage: undefined,
    cdrIds: new Set(),
    sinceMs: undefined,
    ...f,
  });

  it('matches every given filter, all when none is given', () => {
    const r = record();
    expect(matchesFilter(r, filter({}))).toBe(true);
    expect(matchesFilter(r, filter({ codes: new Set(['NO_RATE', 'X']) }))).toBe(true);
    expect(matchesFilter(r, filter({ codes: new Set(['UNKNOWN_ACCOUNT']) }))).toBe(false);
    expect(matchesFilter(r, filter({ stage: 'rating' }))).toBe(true);
    expect(matchesFilter(r, filter({ stage: 'ingest' }))).toBe(false);
    expect(matchesFilter(r, filter({ cdrIds: new Set(['c1']) }))).toBe(true);
    expect(matchesFilter(record({ cdrId: null }), filter({ cdrIds: new Set(['c1']) }))).toBe(false);
    expect(matchesFilter(r, filter({ sinceMs: Date.UTC(2026, 0, 10) }))).toBe(true);
    expect(matchesFilter(r, filter({ sinceMs: Date.UTC(2026, 0, 10) + 1 }))).toBe(false);
    expect(matchesFilter(r, filter({ codes: new Set(['NO_RATE']), stage: 'ingest' }))).toBe(false);
  });

  it('sends the original bytes to the origin topic (or --to), Avro by the frame magic, keyed by account', () => {
    const json = planReplay(record(), undefined, schemas);
    expect(json).toEqual({
      to: 'cdr.raw',
      key: Buffer.from('acme'),
      contentType: 'application/json',
      value: Buffer.from('{"cdr_id":"c1","account_id":"acme"}'),
    });
    expect(planReplay(record(), 'other.topic', schemas).to).toBe('other.topic');

    const normalized = encodeNormalizedCdr({
      cdr_id: 'c2',
      account_id: 'acme',
      direction: null,
      source: '+12125550100',
      source_type: 'fixed',
      destination: '+442079460000',
      destination_type: 'fixed',
      destination_country: 'GB',
      start_time: Date.UTC(2026, 0, 5),
      end_time: Date.UTC(2026, 0, 5, 0, 1),
      duration_ms: 60_000,
      disposition: 'answered',
      raw_source: '2125550100',
      raw_destination: '+442079460000',
      received_at: Date.UTC(2026, 0, 5, 0, 2),
    });
    const avro = planReplay(
      record({ payload: normalized, origin: { topic: 'cdr.normalized', partition: 0, offset: '7' } }),
      undefined,
      schemas,
    );
    expect(avro.to).toBe('cdr.normalized');
    expect(avro.contentType).toBe('avro/binary');
    expect(avro.key).toBe('acme');
    expect(avro.value.equals(normalized)).toBe(true);
    expect(replayContentType(Buffer.from([0xcd, 1, 1]))).toBe('avro/binary');
    expect(replayContentType(Buffer.from('garbage'))).toBe('application/json');
    expect(replayContentType(Buffer.alloc(0))).toBe('application/json');
  });
});

describe('cdr export rated: ClickHouse rows back to cdr rate output', () => {
  it('normalises decimals to the core form, padded (18.16) or not (modern)', () => {
    expect(normaliseDecimal('0.37500000000')).toBe('0.375');
    expect(normaliseDecimal('0.375')).toBe('0.375');
    expect(normaliseDecimal('0.00000000000')).toBe('0');
    expect(normaliseDecimal('0')).toBe('0');
    expect(normaliseDecimal('12.000')).toBe('12');
    expect(normaliseDecimal('62.500')).toBe('62.5');
    expect(normaliseDecimal('10')).toBe('10');
    expect(normaliseDecimal('100.010000')).toBe('100.01');
    expect(() => normaliseDecimal('1e3')).toThrow(TypeError);
    expect(() => normaliseDecimal('-1')).toThrow(TypeError);
  });

  const row18 = (overrides: Partial<ExportRow> = {}): ExportRow => ({
    v_account_id: 'acme-us',
    v_cdr_id: 'c-1',
    v_call_type: 'international',
    v_billable: 1,
    v_billable_seconds: 120,
    v_billable_minutes: '2.000000',
    v_rate: '0.187500000',
    v_cost: '0.37500000000',
    v_currency: 'USD',
    v_source: '+12125550100',
    v_destination: '+442079460000',
    v_destination_country: 'GB',
    v_matched_prefix: '44',
    v_start_seconds: Date.UTC(2026, 0, 5, 10, 0, 0) / 1000,
    v_start_ms: 250,
    v_end_seconds: Date.UTC(2026, 0, 5, 10, 2, 0) / 1000,
    v_end_ms: 0,
    v_duration_sec: '119.750',
    v_reason: '',
    ...overrides,
  });

  it('maps times with ms, nulls, booleans and numbers exactly', () => {
    expect(ratedCallFromRow(row18())).toEqual({
      cdr_id: 'c-1',
      account_id: 'acme-us',
      call_type: 'international',
      billable: true,
      billable_seconds: 120,
      billable_minutes: '2',
      rate: '0.1875',
      cost: '0.375',
      currency: 'USD',
      source: '+12125550100',
      destination: '+442079460000',
      destination_country: 'GB',
      matched_prefix: '44',
      start_time: '2026-01-05T10:00:00.250Z',
      end_time: '2026-01-05T10:02:00Z',
      duration_sec: 119.75,
      reason: null,
    });
    const free = ratedCallFromRow(
      row18({
        v_call_type: 'internal',
        v_billable: 0,
        v_billable_seconds: 0,
        v_billable_minutes: '0.000000',
        v_rate: '0.000000000',
        v_cost: '0.00000000000',
        v_destination: '2001',
        v_destination_country: '',
        v_matched_prefix: '',
        v_reason: 'no talk time',
        v_duration_sec: '0.000',
      }),
    );
    expect(free).toMatchObject({
      billable: false,
      billable_minutes: '0',
      rate: '0',
      cost: '0',
      destination_country: null,
      matched_prefix: null,
      duration_sec: 0,
      reason: 'no talk time',
    });
  });

  it('gives the same line for a padded (18.16) and an unpadded (modern) row', () => {
    const modern = row18({
      v_billable_minutes: '2',
      v_rate: '0.1875',
      v_cost: '0.375',
      v_duration_sec: '119.75',
    });
    expect(ratedJsonLine(ratedCallFromRow(modern))).toBe(ratedJsonLine(ratedCallFromRow(row18())));
    expect(ratedCsvLine(ratedCallFromRow(modern))).toBe(ratedCsvLine(ratedCallFromRow(row18())));
  });

  it('refuses rows of another shape', () => {
    expect(() => ratedCallFromRow(row18({ v_call_type: 'premium' }))).toThrow(/call_type/);
    expect(() => ratedCallFromRow(row18({ v_start_ms: 1000 }))).toThrow(/start_time_ms/);
    expect(() => ratedCallFromRow(row18({ v_cost: '1e-3' }))).toThrow(TypeError);
  });

  it('rebuilds the exact line cdr rate prints, from a row as 18.16 renders it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cdr-export-'));
    writeFileSync(
      join(dir, 'accounts.jsonl'),
      JSON.stringify({
        account_id: 'acme-us',
        country: 'US',
        billing_start_date: '2026-01-01',
        included_minutes: 100,
        numbers: ['+12125550100'],
      }) + '\n',
    );
    const cdrs = [
      { cdr_id: 'intl', destination: '+442079460000', duration_sec: 62.5 },
      { cdr_id: 'dom', destination: '+13105550199', start_time: '2026-01-05T05:00:00.123-05:00' },
      { cdr_id: 'ext', destination: '2001', disposition: 'busy' },
    ].map((c) =>
      JSON.stringify({
        account_id: 'acme-us',
        source: '+12125550100',
        start_time: '2026-01-05T10:00:00Z',
        end_time: '2026-01-05T10:01:03.5Z',
        ...c,
      }),
    );
    writeFileSync(join(dir, 'cdrs.jsonl'), cdrs.join('\n') + '\n');
    const { rateCommand } = await import('../src/commands/rate.js');
    const rated = await run(
      [rateCommand],
      [
        'rate',
        '--rates',
        DEFAULT_RATES,
        '--accounts',
        join(dir, 'accounts.jsonl'),
        '--in',
        join(dir, 'cdrs.jsonl'),
        '--out',
        '-',
        '--rejects',
        join(dir, 'rejects.jsonl'),
        '--quiet',
      ],
    );
    expect(rated.code).toBe(0);
    const lines = rated.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(3);
    for (const line of lines) {
      const call = JSON.parse(line) as Record<string, unknown>;
      const pad = (value: unknown, scale: number): string => {
        const [int, frac = ''] = String(value).split('.');
        return `${int}.${frac.padEnd(scale, '0')}`;
      };
      const startMs = Date.parse(call['start_time'] as string);
      const endMs = Date.parse(call['end_time'] as string);
      const row: ExportRow = {
        v_account_id: call['account_id'] as string,
        v_cdr_id: call['cdr_id'] as string,
        v_call_type: call['call_type'] as string,
        v_billable: call['billable'] === true ? 1 : 0,
        v_billable_seconds: call['billable_seconds'] as number,
        v_billable_minutes: pad(call['billable_minutes'], 6),
        v_rate: pad(call['rate'], 9),
        v_cost: pad(call['cost'], 11),
        v_currency: call['currency'] as string,
        v_source: call['source'] as string,
        v_destination: call['destination'] as string,
        v_destination_country: (call['destination_country'] as string | null) ?? '',
        v_matched_prefix: (call['matched_prefix'] as string | null) ?? '',
        v_start_seconds: Math.floor(startMs / 1000),
        v_start_ms: startMs % 1000,
        v_end_seconds: Math.floor(endMs / 1000),
        v_end_ms: endMs % 1000,
        v_duration_sec: pad(call['duration_sec'], 3),
        v_reason: (call['reason'] as string | null) ?? '',
      };
      expect(ratedJsonLine(ratedCallFromRow(row))).toBe(line + '\n');
    }
  });

  it('builds the month query with literals only through the sql tag', () => {
    const query = exportQuery(sql, 'cdr', "x' OR 1=1 --", 2026, 1).text;
    expect(query).toContain("WHERE account_id = 'x\\' OR 1=1 --'");
    expect(query).toContain('FROM `cdr`.`rated_calls`');
    // Deduplicate over the month and its neighbours, then keep the calls whose latest start is in it.
    expect(query).toContain(`start_time >= toDateTime(${Date.UTC(2025, 11, 1) / 1000}, 'UTC')`);
    expect(query).toContain(`start_time < toDateTime(${Date.UTC(2026, 2, 1) / 1000}, 'UTC')`);
    expect(query).toContain("HAVING toYYYYMM(v_start, 'UTC') = 202601");
    expect(exportQuery(sql, 'cdr', 'a', 2026, 12).text).toContain(
      `start_time < toDateTime(${Date.UTC(2027, 1, 1) / 1000}, 'UTC')`,
    );
  });
});
