import { chunkBytes, chunkRows, RowChunkWriter } from '../src/chunks.js';

describe('RowChunkWriter', () => {
  it('takes out the rows written since the last take, with their ends and sources, and starts empty again', () => {
    const writer = new RowChunkWriter(8, 1);
    writer.appendLine('{"a":1}', 0, 0);
    writer.appendLine('{"b":"é😀"}', 2, 5);
    const chunk = writer.take();
    expect(chunk.bytes.toString('utf8')).toBe('{"a":1}\n{"b":"é😀"}\n');
    expect([...chunk.ends]).toEqual([8, chunk.bytes.length]);
    expect([...chunk.messageIndex]).toEqual([0, 2]);
    expect([...chunk.itemIndex]).toEqual([0, 5]);
    expect(chunkRows(chunk)).toBe(2);
    expect(chunkBytes(chunk, 1, 2).toString('utf8')).toBe('{"b":"é😀"}\n');
    expect(chunkBytes(chunk, 0, 0).length).toBe(0);
    expect([writer.length, writer.rows]).toEqual([0, 0]);

    writer.appendLine('x', 1, 1);
    const next = writer.take();
    expect(next.bytes.toString('utf8')).toBe('x\n');
    // The first chunk is a copy: writing more does not change it.
    expect(chunk.bytes.toString('utf8')).toBe('{"a":1}\n{"b":"é😀"}\n');
  });

  it('grows past its initial sizes without losing rows', () => {
    const writer = new RowChunkWriter(4, 1);
    const expected: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const line = `row-${i}-${'x'.repeat(i % 50)}`;
      expected.push(line);
      writer.appendLine(line, i, i % 3);
    }
    const chunk = writer.take();
    expect(chunk.bytes.toString('utf8')).toBe(expected.join('\n') + '\n');
    expect(chunkRows(chunk)).toBe(1000);
    expect(chunkBytes(chunk, 500, 501).toString('utf8')).toBe(expected[500] + '\n');
    expect(chunk.messageIndex[999]).toBe(999);
    expect(chunk.itemIndex[998]).toBe(998 % 3);
  });

  it('forgets a row whose writing was abandoned: the next row is written over it', () => {
    const writer = new RowChunkWriter(64, 4);
    writer.appendLine('kept', 0, 0);
    const out = writer.reserve(100);
    out.write('half a row that failed', writer.length, 'latin1'); // never ended
    const again = writer.reserve(10);
    let end = writer.length + again.write('next', writer.length, 'latin1');
    again[end++] = 0x0a;
    writer.endRow(end, 1, 0);
    const chunk = writer.take();
    expect(chunk.bytes.toString('utf8')).toBe('kept\nnext\n');
    expect([...chunk.messageIndex]).toEqual([0, 1]);
  });

  it('discards the rows written since the last take', () => {
    const writer = new RowChunkWriter(64, 4);
    writer.appendLine('of a batch that failed', 0, 0);
    writer.discard();
    writer.appendLine('next', 3, 1);
    const chunk = writer.take();
    expect(chunk.bytes.toString('utf8')).toBe('next\n');
    expect([...chunk.messageIndex, ...chunk.itemIndex]).toEqual([3, 1]);
  });

  it('truncates to its first rows since the last take, so the rows after them are written over', () => {
    const writer = new RowChunkWriter(64, 4);
    writer.appendLine('kept', 0, 0);
    writer.appendLine('kept too', 1, 0);
    writer.appendLine('of a message given up', 2, 0);
    writer.appendLine('and its second record', 2, 1);
    writer.truncate(2);
    expect([writer.rows, writer.length]).toEqual([2, 'kept\nkept too\n'.length]);
    writer.appendLine('next', 3, 0);
    const chunk = writer.take();
    expect(chunk.bytes.toString('utf8')).toBe('kept\nkept too\nnext\n');
    expect([...chunk.messageIndex]).toEqual([0, 1, 3]);
    writer.appendLine('all of it given up', 0, 0);
    writer.truncate(0);
    expect([writer.rows, writer.length]).toEqual([0, 0]);
    expect(() => writer.truncate(1)).toThrow(RangeError);
    expect(() => writer.truncate(-1)).toThrow(RangeError);
  });

  it('refuses a row end outside what was reserved', () => {
    const writer = new RowChunkWriter(16, 4);
    expect(() => writer.endRow(0, 0, 0)).toThrow(RangeError);
    expect(() => writer.endRow(17, 0, 0)).toThrow(RangeError);
  });
});
