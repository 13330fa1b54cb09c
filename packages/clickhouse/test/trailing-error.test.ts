import { findTrailingError, rowError } from '../src/trailing-error.js';

const data = '1,"a"\n2,"b"\n';

describe('findTrailingError', () => {
  it('finds the error line 18.16 appends after the data', () => {
    const error =
      'Code: 395, e.displayText() = DB::Exception: Value passed to throwIf is non zero, e.what() = DB::Exception\n';
    expect(findTrailingError(Buffer.from(data + error))).toEqual({
      dataEnd: data.length,
      message: error.trim(),
    });
  });

  it('finds the error line a modern server appends to a text format', () => {
    const error =
      'Code: 395. DB::Exception: Value passed to throwIf is non zero. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO) (version 24.8.4.13 (official build))\n';
    expect(findTrailingError(Buffer.from(data + error))?.dataEnd).toBe(data.length);
  });

  it('finds an error framed by the exception tag of 25.11+', () => {
    const tag = 'ABCDEFGH';
    const message = 'Code: 395. DB::Exception: boom. (FUNCTION_THROW_IF_VALUE_IS_NON_ZERO)';
    const framed = `\r\n__exception__\r\n${tag}\r\n${message}\n${message.length + 1} ${tag}\r\n__exception__\r\n`;
    const found = findTrailingError(Buffer.from(data + framed), tag);
    expect(found?.dataEnd).toBe(data.length);
    expect(found?.message).toContain('boom');
  });

  it('reports nothing for a body that ends with data, including data that mentions an error', () => {
    expect(findTrailingError(Buffer.from(data))).toBeUndefined();
    expect(findTrailingError(Buffer.from(''))).toBeUndefined();
    expect(findTrailingError(Buffer.from('1,"Code: 1, e.displayText() = DB::Exception"\n'))).toBeUndefined();
    expect(findTrailingError(Buffer.from('Code: 1 is fine\n'))).toBeUndefined();
  });
});

describe('rowError', () => {
  it('passes ordinary rows', () => {
    expect(rowError('{"number":"1"}')).toBeUndefined();
    expect(rowError('{"exception":"not an error"}')).toBeUndefined();
    expect(rowError('{"exception":"Code: 1. x","other":1}')).toBeUndefined();
  });

  it('recognises the 18.16 text line and the modern exception row', () => {
    expect(rowError('Code: 395, e.displayText() = DB::Exception: boom')).toMatch(/^Code: 395/);
    expect(rowError('{"exception":"Code: 395. DB::Exception: boom"}')).toBe('Code: 395. DB::Exception: boom');
  });
});
