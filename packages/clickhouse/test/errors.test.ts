import { InfraError } from '@cdrate/errors';
import { toInfraError } from '@cdrate/clickhouse';
import { ClickHouseError, parseError } from '@clickhouse/client';

/** How 18.16 reports an error over HTTP: a plain Error carrying the body text. */
function legacy(code: number, text: string): Error {
  return new Error(`Code: ${code}, e.displayText() = DB::Exception: ${text}, e.what() = DB::Exception\n`);
}

/** How a modern server's error arrives: a ClickHouseError parsed by @clickhouse/client. */
function modern(code: number, type: string, text: string): Error {
  return parseError(`Code: ${code}. DB::Exception: ${text}. (${type}) (version 24.8.4.13 (official build))`);
}

function socketError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code, syscall: 'connect' });
}

describe('toInfraError', () => {
  it('parses the code from both 18.16 messages and modern ClickHouseError', () => {
    const fromModern = modern(60, 'UNKNOWN_TABLE', 'Table default.x does not exist');
    expect(fromModern).toBeInstanceOf(ClickHouseError);
    for (const vendor of [legacy(60, "Table default.x doesn't exist."), fromModern]) {
      const error = toInfraError(vendor);
      expect(error).toBeInstanceOf(InfraError);
      expect(error.code).toBe('BAD_REQUEST');
      expect(error.retryable).toBe(false);
      expect(error.vendorCode).toBe(60);
      expect(error.cause).toBe(vendor);
    }
  });

  it.each([
    [60, 'UNKNOWN_TABLE'],
    [62, 'SYNTAX_ERROR'],
    [115, 'UNKNOWN_SETTING'],
    [27, 'CANNOT_PARSE_INPUT_ASSERTION_FAILED'],
    [26, 'CANNOT_PARSE_QUOTED_STRING'],
    [69, 'ARGUMENT_OUT_OF_BOUND'],
    [72, 'CANNOT_PARSE_NUMBER'],
    [6, 'CANNOT_PARSE_TEXT'],
    [53, 'TYPE_MISMATCH'],
  ])('maps code %i (%s) to non-retryable BAD_REQUEST', (code, type) => {
    for (const vendor of [legacy(code, 'x'), modern(code, type, 'x')]) {
      expect(toInfraError(vendor)).toMatchObject({ code: 'BAD_REQUEST', retryable: false, vendorCode: code });
    }
  });

  it('maps code 159 (max_execution_time exceeded) to retryable TIMEOUT', () => {
    for (const vendor of [
      legacy(159, 'Timeout exceeded'),
      modern(159, 'TIMEOUT_EXCEEDED', 'Timeout exceeded'),
    ]) {
      expect(toInfraError(vendor)).toMatchObject({ code: 'TIMEOUT', retryable: true, vendorCode: 159 });
    }
  });

  it.each([
    [202, 'TOO_MANY_SIMULTANEOUS_QUERIES'],
    [252, 'TOO_MANY_PARTS'],
    [241, 'MEMORY_LIMIT_EXCEEDED'],
    [210, 'NETWORK_ERROR'],
    [209, 'SOCKET_TIMEOUT'],
    [319, 'UNKNOWN_STATUS_OF_INSERT'],
    [242, 'TABLE_IS_READ_ONLY'],
  ])('maps code %i (%s) to retryable SINK_UNAVAILABLE', (code, type) => {
    for (const vendor of [legacy(code, 'x'), modern(code, type, 'x')]) {
      expect(toInfraError(vendor)).toMatchObject({
        code: 'SINK_UNAVAILABLE',
        retryable: true,
        vendorCode: code,
      });
    }
  });

  it('keeps unknown codes as non-retryable BAD_REQUEST with the vendor code', () => {
    expect(toInfraError(legacy(999, 'something new'))).toMatchObject({
      code: 'BAD_REQUEST',
      retryable: false,
      vendorCode: 999,
    });
    expect(
      toInfraError(new ClickHouseError({ message: 'x', code: '1001', type: 'STD_EXCEPTION' })),
    ).toMatchObject({
      code: 'BAD_REQUEST',
      vendorCode: 1001,
    });
  });

  it('maps refused, reset, unreachable and hung-up connections to retryable SINK_UNAVAILABLE', () => {
    for (const code of ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']) {
      expect(toInfraError(socketError(code))).toMatchObject({ code: 'SINK_UNAVAILABLE', vendorCode: code });
    }
    expect(toInfraError(new Error('socket hang up'))).toMatchObject({
      code: 'SINK_UNAVAILABLE',
      retryable: true,
    });
    const several = new AggregateError([socketError('ECONNREFUSED'), socketError('ECONNREFUSED')], '');
    expect(toInfraError(several)).toMatchObject({ code: 'SINK_UNAVAILABLE', vendorCode: 'ECONNREFUSED' });
  });

  it('maps client and socket timeouts to retryable TIMEOUT', () => {
    expect(toInfraError(new Error('Timeout error.'))).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(toInfraError(socketError('ETIMEDOUT'))).toMatchObject({ code: 'TIMEOUT', retryable: true });
  });

  it('maps HTTP 5xx without a ClickHouse code to retryable SINK_UNAVAILABLE', () => {
    expect(toInfraError(new Error('<html><head><title>502 Bad Gateway</title></head></html>'))).toMatchObject(
      {
        code: 'SINK_UNAVAILABLE',
      },
    );
    expect(toInfraError(Object.assign(new Error('oops'), { statusCode: 503 }))).toMatchObject({
      code: 'SINK_UNAVAILABLE',
      vendorCode: 503,
    });
  });

  it('treats anything else as a non-retryable INTERNAL error and keeps the cause', () => {
    const bug = new TypeError('x is not a function');
    expect(toInfraError(bug)).toMatchObject({ code: 'INTERNAL', retryable: false, cause: bug });
    expect(toInfraError('a string')).toMatchObject({ code: 'INTERNAL', cause: 'a string' });
  });

  it('returns an InfraError unchanged and names the operation in new messages', () => {
    const existing = new InfraError('CONFIG', 'bad');
    expect(toInfraError(existing)).toBe(existing);
    expect(toInfraError(legacy(60, 'no table'), 'insert into cdr.calls').message).toMatch(
      /^ClickHouse insert into cdr\.calls failed: Code: 60/,
    );
  });
});
