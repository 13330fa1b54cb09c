import { DEAD_LETTER_HEADERS, toDeadLetter } from '@cdrate/kafka';
import type { ConsumedMessage } from '@cdrate/kafka';

describe('toDeadLetter', () => {
  const garbage: ConsumedMessage = {
    key: Buffer.from('acct-7'),
    value: Buffer.from([0xff, 0xfe, 0x00]),
    headers: { source: Buffer.from('sbc-1') },
    offset: '1234',
    timestamp: '1764144000000',
  };

  it('keeps key, value bytes and headers and adds the reason and the source position', () => {
    const letter = toDeadLetter({ topic: 'cdr.raw', partition: 3 }, garbage, {
      code: 'MALFORMED',
      message: 'not JSON',
    });
    expect(letter.key).toEqual(Buffer.from('acct-7'));
    expect(letter.value).toEqual(Buffer.from([0xff, 0xfe, 0x00]));
    expect(letter.headers).toEqual({
      source: Buffer.from('sbc-1'),
      [DEAD_LETTER_HEADERS.code]: 'MALFORMED',
      [DEAD_LETTER_HEADERS.message]: 'not JSON',
      [DEAD_LETTER_HEADERS.topic]: 'cdr.raw',
      [DEAD_LETTER_HEADERS.partition]: '3',
      [DEAD_LETTER_HEADERS.offset]: '1234',
    });
  });

  it('turns a tombstone into an empty value', () => {
    const letter = toDeadLetter(
      { topic: 't', partition: 0 },
      { ...garbage, value: null },
      { code: 'X', message: 'y' },
    );
    expect(letter.value).toEqual(Buffer.alloc(0));
  });
});
