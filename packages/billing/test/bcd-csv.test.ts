import { PassThrough, Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  BCD_CSV_HEADER,
  bcdCsvLineFromTsv,
  createBcdCsvTransform,
  csvField,
  formatUtcSeconds,
  unescapeTsv,
} from '@cdrate/billing';

/** 2026-01-10 10:00:00 UTC */
const START = String(Date.UTC(2026, 0, 10, 10, 0, 0) / 1000);
const END = String(Date.UTC(2026, 0, 10, 10, 1, 2) / 1000);

function tsv(fields: readonly string[]): string {
  return fields.join('\t');
}

async function convert(chunks: readonly Buffer[]): Promise<{ text: string; rows: number }> {
  const transform = createBcdCsvTransform();
  const sink = new PassThrough();
  const parts: Buffer[] = [];
  sink.on('data', (chunk: Buffer) => parts.push(chunk));
  await pipeline(Readable.from(chunks), transform, sink);
  return { text: Buffer.concat(parts).toString('utf8'), rows: transform.rows };
}

describe('billed-call-detail CSV', () => {
  it('has exactly the columns of the domain', () => {
    expect(BCD_CSV_HEADER).toBe(
      'Source Number,Destination Number,Start Time (UTC+0),End Time (UTC+0),Duration (sec),Billable Minutes,Total Cost,Rate,Call Type\n',
    );
  });

  it('prints an 18.16 row (decimals padded to their scale) in the shortest exact form', () => {
    const line = tsv([
      '+12125550100',
      '+4930123456',
      START,
      END,
      '62.500',
      '2.000000',
      '0.25000000000',
      '0.125000000',
      'international',
    ]);
    expect(bcdCsvLineFromTsv(line)).toBe(
      '+12125550100,+4930123456,2026-01-10 10:00:00,2026-01-10 10:01:02,62.5,2,0.25,0.125,International\n',
    );
  });

  it('prints a modern row (decimals unpadded) the same way', () => {
    const line = tsv([
      '+12125550100',
      '+4930123456',
      START,
      END,
      '62.5',
      '2',
      '0.25',
      '0.125',
      'international',
    ]);
    expect(bcdCsvLineFromTsv(line)).toBe(
      '+12125550100,+4930123456,2026-01-10 10:00:00,2026-01-10 10:01:02,62.5,2,0.25,0.125,International\n',
    );
  });

  it('keeps unrounded costs and Brazilian fractional minutes exact', () => {
    const line = tsv([
      '+5511999990000',
      '+18005550100',
      START,
      END,
      '66.000',
      '1.100000',
      '0.01375000000',
      '0.012500000',
      'inbound_toll_free',
    ]);
    expect(bcdCsvLineFromTsv(line)).toBe(
      '+5511999990000,+18005550100,2026-01-10 10:00:00,2026-01-10 10:01:02,66,1.1,0.01375,0.0125,Inbound Toll-Free\n',
    );
  });

  it('names the three billed call types as the domain does', () => {
    const row = (type: string): string =>
      bcdCsvLineFromTsv(tsv(['+1', '+2', START, END, '1', '1', '0', '0', type]))
        .trimEnd()
        .split(',')
        .pop()!;
    expect(row('inbound_toll_free')).toBe('Inbound Toll-Free');
    expect(row('international')).toBe('International');
    expect(row('domestic_metered')).toBe('Domestic Metered');
    expect(() => row('domestic')).toThrow(TypeError);
  });

  it('quotes a number only when it holds a comma, a quote or a line break, and undoes TSV escapes', () => {
    expect(csvField('+12125550100')).toBe('+12125550100');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(unescapeTsv('a\\tb\\\\c\\nd')).toBe('a\tb\\c\nd');
    expect(bcdCsvLineFromTsv(tsv(['x\\ny', '+2', START, END, '1', '1', '0', '0', 'international']))).toBe(
      `"x\ny",+2,2026-01-10 10:00:00,2026-01-10 10:01:02,1,1,0,0,International\n`,
    );
  });

  it('formats unix seconds as UTC date and time', () => {
    expect(formatUtcSeconds('0')).toBe('1970-01-01 00:00:00');
    expect(formatUtcSeconds(String(Date.UTC(2026, 1, 1, 1, 0, 0) / 1000))).toBe('2026-02-01 01:00:00');
    expect(formatUtcSeconds('4294967295')).toBe('2106-02-07 06:28:15');
    expect(formatUtcSeconds(String(Date.UTC(2024, 1, 29, 23, 59, 59) / 1000))).toBe('2024-02-29 23:59:59');
    expect(() => formatUtcSeconds('4294967296')).toThrow(TypeError);
    expect(() => formatUtcSeconds('')).toThrow(TypeError);
    expect(() => formatUtcSeconds('1.5')).toThrow(TypeError);
    expect(() => formatUtcSeconds('-1')).toThrow(TypeError);
  });

  it('refuses rows of the wrong shape', () => {
    expect(() => bcdCsvLineFromTsv('a\tb')).toThrow(TypeError);
    expect(() => bcdCsvLineFromTsv(tsv(['+1', '+2', 'x', END, '1', '1', '0', '0', 'international']))).toThrow(
      TypeError,
    );
    expect(() =>
      bcdCsvLineFromTsv(tsv(['+1', '+2', START, END, '1e3', '1', '0', '0', 'international'])),
    ).toThrow(TypeError);
  });

  it('streams rows split anywhere across chunks, UTF-8 included, header first', async () => {
    const rows = [
      tsv(['+1', '+2', START, END, '60.000', '1.000000', '0.12500000000', '0.125000000', 'international']),
      tsv([
        '+3',
        '+4 ☎',
        START,
        END,
        '1.500',
        '1.000000',
        '0.00000000000',
        '0.000000000',
        'domestic_metered',
      ]),
    ];
    const bytes = Buffer.from(rows.join('\n') + '\n', 'utf8');
    const chunks = [...bytes].map((byte) => Buffer.from([byte]));
    const { text, rows: count } = await convert(chunks);
    expect(count).toBe(2);
    expect(text).toBe(
      BCD_CSV_HEADER +
        '+1,+2,2026-01-10 10:00:00,2026-01-10 10:01:02,60,1,0.125,0.125,International\n' +
        '+3,+4 ☎,2026-01-10 10:00:00,2026-01-10 10:01:02,1.5,1,0,0,Domestic Metered\n',
    );
  });

  it('writes the header alone for a month without billed calls', async () => {
    expect(await convert([])).toEqual({ text: BCD_CSV_HEADER, rows: 0 });
  });

  it('fails when the input ends inside a row', async () => {
    await expect(convert([Buffer.from('+1\t+2\t')])).rejects.toThrow(/ended inside a row/);
  });
});
