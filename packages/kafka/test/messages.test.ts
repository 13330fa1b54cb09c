import { InfraError } from '@cdrate/errors';
import type { KafkaMessage } from 'kafkajs';
import { fromKafkaJSMessage, normaliseHeaders, toKafkaJSMessages } from '../src/messages.js';

function fetched(fields: { [K in keyof KafkaMessage]?: KafkaMessage[K] | undefined }): KafkaMessage {
  return {
    key: null,
    value: null,
    timestamp: '1764144000000',
    attributes: 0,
    offset: '42',
    headers: {},
    ...fields,
  } as KafkaMessage;
}

describe('toKafkaJSMessages', () => {
  it('keeps keys, values, headers and explicit partitions and defaults a missing key to null', () => {
    const out = toKafkaJSMessages('cdr.raw', [
      { key: 'acct-1', value: '{"a":1}', headers: { source: 'sbc-1' } },
      { value: Buffer.from([0xff, 0x00]), partition: 3 },
    ]);
    expect(out).toEqual([
      { key: 'acct-1', value: '{"a":1}', headers: { source: 'sbc-1' } },
      { key: null, value: Buffer.from([0xff, 0x00]), partition: 3 },
    ]);
  });

  it('copies each headers object once: messages that share one share its copy', () => {
    const shared = { 'content-type': 'application/json' };
    const other = { 'content-type': 'avro/binary' };
    const out = toKafkaJSMessages('cdr.raw', [
      { value: 'a', headers: shared },
      { value: 'b', headers: shared },
      { value: 'c', headers: other },
      { value: 'd', headers: shared },
    ]);
    expect(out.map((m) => m.headers)).toEqual([shared, shared, other, shared]);
    expect(out[0]!.headers).not.toBe(shared);
    expect(out[1]!.headers).toBe(out[0]!.headers);
    expect(out[2]!.headers).not.toBe(out[1]!.headers);
    // A later change to the caller's object does not reach messages already converted.
    shared['content-type'] = 'changed';
    expect(out[0]!.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('reports every malformed message at once as a CONFIG error', () => {
    let caught: unknown;
    try {
      toKafkaJSMessages('bad topic!', [
        { value: 42 as unknown as string },
        { value: 'ok', partition: -1 },
        { value: 'ok', key: 7 as unknown as string },
      ]);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InfraError);
    const error = caught as InfraError;
    expect(error.code).toBe('CONFIG');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('topic: "bad topic!"');
    expect(error.message).toContain('bad topic![0].value');
    expect(error.message).toContain('bad topic![1].partition');
    expect(error.message).toContain('bad topic![2].key');
  });
});

describe('fromKafkaJSMessage', () => {
  it('hands over arbitrary value bytes untouched', () => {
    const garbage = Buffer.from([0x00, 0xff, 0xfe, 0xc3, 0x28, 0x80]);
    const message = fromKafkaJSMessage(fetched({ value: garbage, key: Buffer.from('acct-9') }));
    expect(message.value).toEqual(garbage);
    expect(message.key?.toString()).toBe('acct-9');
    expect(message.offset).toBe('42');
    expect(message.timestamp).toBe('1764144000000');
  });

  it('keeps tombstones and missing keys as null and missing headers as empty', () => {
    const message = fromKafkaJSMessage(fetched({ headers: undefined }));
    expect(message.value).toBeNull();
    expect(message.key).toBeNull();
    expect(message.headers).toEqual({});
  });
});

describe('normaliseHeaders', () => {
  it('turns strings into UTF-8 bytes, keeps the last of repeated headers and drops undefined ones', () => {
    const headers = normaliseHeaders({
      text: 'é',
      bytes: Buffer.from([1, 2]),
      repeated: [Buffer.from('first'), 'last'],
      missing: undefined,
    });
    expect(headers).toEqual({
      text: Buffer.from('é', 'utf8'),
      bytes: Buffer.from([1, 2]),
      repeated: Buffer.from('last'),
    });
  });

  it('hands over headers that already are one Buffer per name as they are, without copying', () => {
    const headers = { 'content-type': Buffer.from('application/json'), source: Buffer.from('sbc-1') };
    expect(normaliseHeaders(headers)).toBe(headers);
    expect(normaliseHeaders({})).toEqual({});
  });

  it('copies what kafkajs can also hand over: repeated names, null values, __proto__ and inherited names', () => {
    const repeated = { a: [Buffer.from('1'), Buffer.from('2')] };
    expect(normaliseHeaders(repeated)).toEqual({ a: Buffer.from('2') });

    // An own "__proto__" header (kafkajs defines one when a record has it) is not handed over as is.
    const proto = JSON.parse('{"__proto__": "p"}') as Record<string, unknown>;
    proto['__proto__'] = Buffer.from('p');
    expect(normaliseHeaders(proto as never)).not.toBe(proto);

    const withNull = { a: Buffer.from('a'), b: null } as never;
    expect(normaliseHeaders(withNull)).not.toBe(withNull);
    expect(normaliseHeaders(withNull)).toEqual({ a: Buffer.from('a'), b: null });

    const inherited = Object.create({ parent: Buffer.from('x') }) as Record<string, Buffer>;
    inherited['own'] = Buffer.from('y');
    const fromInherited = normaliseHeaders(inherited);
    expect(fromInherited).not.toBe(inherited);
    expect(fromInherited).toEqual({ own: Buffer.from('y') });
    expect(Object.keys(fromInherited)).toEqual(['own']);
  });
});
