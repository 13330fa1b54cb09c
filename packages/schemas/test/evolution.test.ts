import {
  ACCOUNT_V1,
  createAvroCodec,
  RATED_CALL_V1,
  SCHEMA_HISTORY,
  type AvroRecordSchema,
  type RatedCall,
} from '@cdrate/schemas';
import { account, avroLong, avroString, ratedCall } from './fixtures.js';

/** A made-up version 2 of RatedCall, shaped as the evolution rules demand: one field appended with a default. */
const RATED_CALL_V2_EXAMPLE: AvroRecordSchema = {
  ...RATED_CALL_V1,
  fields: [
    ...RATED_CALL_V1.fields,
    { name: 'tariff_id', type: 'string', default: 'default', doc: 'example' },
  ],
};

interface RatedCallV2 extends RatedCall {
  readonly tariff_id: string;
}

describe('schema evolution', () => {
  const v1Only = createAvroCodec<RatedCall>({
    name: 'RatedCall',
    versions: [RATED_CALL_V1],
    maxBytes: 65536,
  });
  const v1AndV2 = createAvroCodec<RatedCallV2>({
    name: 'RatedCall',
    versions: [RATED_CALL_V1, RATED_CALL_V2_EXAMPLE],
    maxBytes: 65536,
  });

  it('decodes a record written with an older version, filling the new field with its default', () => {
    const writtenByV1 = v1Only.encode(ratedCall);
    expect(writtenByV1[2]).toBe(1);
    expect(v1AndV2.decode(writtenByV1)).toEqual({ ok: true, value: { ...ratedCall, tariff_id: 'default' } });
  });

  it('decodes a record written with a newer version it does not know, ignoring the appended fields', () => {
    const writtenByV2 = v1AndV2.encode({ ...ratedCall, tariff_id: 'carrier-b-2026' });
    expect(writtenByV2[2]).toBe(2);
    expect(v1Only.decode(writtenByV2)).toEqual({ ok: true, value: ratedCall });
  });

  it('bounds array block counts also when resolving an older version', () => {
    const v2: AvroRecordSchema = {
      ...ACCOUNT_V1,
      fields: [...ACCOUNT_V1.fields, { name: 'tags', type: { type: 'array', items: 'string' }, default: [] }],
    };
    const codec = createAvroCodec<typeof account & { tags: string[] }>({
      name: 'Account',
      versions: [ACCOUNT_V1, v2],
      maxBytes: 1 << 20,
    });
    expect(
      codec.decode(
        createAvroCodec({ name: 'Account', versions: [ACCOUNT_V1], maxBytes: 1 << 20 }).encode(account),
      ),
    ).toEqual({
      ok: true,
      value: { ...account, tags: [] },
    });
    const prefix = [
      0xcd,
      4,
      1,
      ...avroString('a'),
      ...avroString('US'),
      ...avroString('2026-01-01'),
      ...avroLong(1),
    ];
    const evil = Buffer.from([
      ...prefix,
      ...avroString('0.02'),
      ...avroLong(2 ** 31 - 1),
      ...avroString('+1'),
    ]);
    expect(codec.decode(evil)).toMatchObject({ ok: false, code: 'CORRUPT' });
  });

  describe.each(Object.entries(SCHEMA_HISTORY))('%s history', (_name, versions) => {
    const history: readonly AvroRecordSchema[] = versions;

    it('keeps every published version as a prefix of the next, new fields with defaults', () => {
      for (let v = 1; v < history.length; v++) {
        const older = history[v - 1]!;
        const newer = history[v]!;
        expect(newer.name).toBe(older.name);
        expect(newer.fields.slice(0, older.fields.length)).toEqual(older.fields);
        for (const added of newer.fields.slice(older.fields.length)) expect(added).toHaveProperty('default');
      }
    });

    it('only appends enum symbols, and only to enums with a default symbol', () => {
      const enums = (
        schema: unknown,
        found: Map<string, { symbols: string[]; default?: string }>,
      ): typeof found => {
        if (Array.isArray(schema)) schema.forEach((s) => enums(s, found));
        else if (typeof schema === 'object' && schema !== null) {
          const s = schema as Record<string, unknown>;
          if (s['type'] === 'enum') found.set(s['name'] as string, s as never);
          for (const value of Object.values(s)) enums(value, found);
        }
        return found;
      };
      for (let v = 1; v < history.length; v++) {
        const older = enums(history[v - 1], new Map());
        const newer = enums(history[v], new Map());
        for (const [name, before] of older) {
          const after = newer.get(name)!;
          expect(after.symbols.slice(0, before.symbols.length)).toEqual(before.symbols);
          if (after.symbols.length > before.symbols.length) expect(before.default).toBeDefined();
        }
      }
    });
  });
});
