import { renderIdentifier, renderLiteral, sql } from '@cdrate/clickhouse';
import { DateTimeLiteral, DecimalLiteral } from '../src/sql.js';

describe('renderLiteral', () => {
  it('quotes plain strings', () => {
    expect(renderLiteral('abc')).toBe("'abc'");
    expect(renderLiteral('')).toBe("''");
  });

  it('escapes quotes and backslashes so an injection stays inside the literal', () => {
    expect(renderLiteral("O'Brien")).toBe("'O\\'Brien'");
    expect(renderLiteral('a\\b')).toBe("'a\\\\b'");
    expect(renderLiteral("\\'; DROP TABLE x; --")).toBe("'\\\\\\'; DROP TABLE x; --'");
    expect(renderLiteral("'); DROP TABLE t; --")).toBe("'\\'); DROP TABLE t; --'");
    // A trailing backslash must not escape the closing quote.
    expect(renderLiteral('x\\')).toBe("'x\\\\'");
  });

  it('escapes NUL, newlines, tabs and other control characters', () => {
    expect(renderLiteral('a\0b')).toBe("'a\\0b'");
    expect(renderLiteral('l1\nl2\r\n\tx')).toBe("'l1\\nl2\\r\\n\\tx'");
    expect(renderLiteral('\u0001\u001b\u007f\b\f')).toBe("'\\x01\\x1b\\x7f\\b\\f'");
  });

  it('passes unicode and emoji through unchanged', () => {
    expect(renderLiteral('Zürich ☎ 📞 日本')).toBe("'Zürich ☎ 📞 日本'");
  });

  it('rejects strings with unpaired surrogates, which UTF-8 cannot carry', () => {
    expect(() => renderLiteral('a\uD83Db')).toThrow(TypeError);
    expect(() => renderLiteral('\uDCA9')).toThrow(TypeError);
  });

  it('renders a very long hostile string with every special character escaped', () => {
    const long = "'\\\n\0".repeat(100_000);
    const rendered = renderLiteral(long);
    expect(rendered).toHaveLength(2 + 100_000 * 8);
    // Between the delimiting quotes every quote is escaped: no unescaped quote can end the literal early.
    expect(/(^|[^\\])(\\\\)*'/.test(rendered.slice(1, -1))).toBe(false);
  });

  it('renders safe integers and 64-bit bigints', () => {
    expect(renderLiteral(0)).toBe('0');
    expect(renderLiteral(-0)).toBe('0');
    expect(renderLiteral(-42)).toBe('-42');
    expect(renderLiteral(Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
    expect(renderLiteral(-(2n ** 63n))).toBe('-9223372036854775808');
    expect(renderLiteral(2n ** 64n - 1n)).toBe('18446744073709551615');
  });

  it('rejects fractions, NaN, infinities, unsafe integers and bigints outside 64 bits', () => {
    for (const bad of [1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53, 1e21]) {
      expect(() => renderLiteral(bad)).toThrow(TypeError);
    }
    expect(() => renderLiteral(2n ** 64n)).toThrow(TypeError);
    expect(() => renderLiteral(-(2n ** 63n) - 1n)).toThrow(TypeError);
  });

  it('renders booleans as 1/0 and null as NULL', () => {
    expect(renderLiteral(true)).toBe('1');
    expect(renderLiteral(false)).toBe('0');
    expect(renderLiteral(null)).toBe('NULL');
  });

  it('renders arrays element by element, nested and empty', () => {
    expect(renderLiteral([1, 2n, "a'b"])).toBe("[1, 2, 'a\\'b']");
    expect(renderLiteral([[1], []])).toBe('[[1], []]');
    expect(renderLiteral([])).toBe('[]');
  });

  it('rejects values it has no rule for', () => {
    expect(() => renderLiteral(undefined as never)).toThrow(TypeError);
    expect(() => renderLiteral({ a: 1 } as never)).toThrow(TypeError);
    expect(() => renderLiteral(Object.create(null) as never)).toThrow(TypeError);
    expect(() => renderLiteral(Symbol('x') as never)).toThrow(TypeError);
  });
});

describe('sql.decimal', () => {
  it('renders validated decimal text as toDecimal64', () => {
    expect(renderLiteral(sql.decimal('123456789012.123456', 6))).toBe(
      "toDecimal64('123456789012.123456', 6)",
    );
    expect(renderLiteral(sql.decimal('-0.5', 6))).toBe("toDecimal64('-0.5', 6)");
    expect(renderLiteral(sql.decimal('42', 0))).toBe("toDecimal64('42', 0)");
    expect(renderLiteral(sql.decimal('0.123456789012345678', 18))).toBe(
      "toDecimal64('0.123456789012345678', 18)",
    );
  });

  it('rejects anything that is not plain decimal text', () => {
    for (const bad of [
      '',
      '1e5',
      '+1',
      '01',
      '1.',
      '.5',
      ' 1',
      '1 ',
      "1'",
      '0x10',
      'NaN',
      '1,5',
      '--1',
      '١',
    ]) {
      expect(() => sql.decimal(bad, 6)).toThrow(TypeError);
    }
  });

  it('rejects more fraction digits than the scale and values too big for Decimal64', () => {
    expect(() => sql.decimal('1.1234567', 6)).toThrow(/fraction digits/);
    expect(() => sql.decimal('1234567890123.5', 6)).toThrow(/does not fit/);
    expect(() => sql.decimal('1', 19)).toThrow(/scale/);
    expect(() => sql.decimal('1', 1.5)).toThrow(/scale/);
  });
});

describe('forged literal objects', () => {
  it('are validated again when rendered', () => {
    expect(() => renderLiteral(new DecimalLiteral("1'); DROP TABLE t; --", 6))).toThrow(TypeError);
    expect(() => renderLiteral(new DateTimeLiteral(Number.NaN))).toThrow(TypeError);
  });
});

describe('sql.dateTime and Date', () => {
  it('renders unix seconds in UTC', () => {
    expect(renderLiteral(sql.dateTime(1_700_000_000))).toBe("toDateTime(1700000000, 'UTC')");
    expect(renderLiteral(new Date('2023-11-14T22:13:20.999Z'))).toBe("toDateTime(1700000000, 'UTC')");
  });

  it('rejects fractional, negative, out-of-range and invalid times', () => {
    expect(() => sql.dateTime(1.5)).toThrow(TypeError);
    expect(() => sql.dateTime(-1)).toThrow(TypeError);
    expect(() => sql.dateTime(2 ** 32)).toThrow(TypeError);
    expect(() => sql.dateTime(new Date('nonsense'))).toThrow(TypeError);
  });
});

describe('identifiers', () => {
  it('back-quotes valid names with an optional database prefix', () => {
    expect(renderIdentifier('rated_calls')).toBe('`rated_calls`');
    expect(renderIdentifier('cdr.rated_calls')).toBe('`cdr`.`rated_calls`');
    expect(renderIdentifier('_x9')).toBe('`_x9`');
  });

  it('rejects anything else', () => {
    for (const bad of [
      '',
      '9abc',
      'a-b',
      'a b',
      'a.b.c',
      '.a',
      'a.',
      'a`b',
      "a'",
      'a;DROP',
      'tëst',
      'a\nb',
    ]) {
      expect(() => renderIdentifier(bad)).toThrow(TypeError);
    }
  });
});

describe('sql tag', () => {
  it('renders every interpolation through the literal function', () => {
    const hostile = "x' OR 1=1 --";
    const query = sql`SELECT * FROM ${sql.identifier('cdr.calls')} WHERE account = ${hostile} AND n IN ${[1, 2]} AND t >= ${new Date(0)}`;
    expect(query.text).toBe(
      "SELECT * FROM `cdr`.`calls` WHERE account = 'x\\' OR 1=1 --' AND n IN [1, 2] AND t >= toDateTime(0, 'UTC')",
    );
    expect(String(query)).toBe(query.text);
  });

  it('splices nested fragments without re-quoting them', () => {
    const where = sql`account = ${'a'}`;
    expect(sql`SELECT 1 WHERE ${where} AND ${sql`b = ${2}`}`.text).toBe(
      "SELECT 1 WHERE account = 'a' AND b = 2",
    );
  });

  it('throws when an interpolation is not renderable, instead of producing SQL', () => {
    expect(() => sql`SELECT ${undefined as never}`).toThrow(TypeError);
    expect(() => sql`SELECT ${0.1}`).toThrow(TypeError);
  });
});
