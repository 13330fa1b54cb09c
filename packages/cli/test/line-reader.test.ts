// The streaming line reader and the duplicate window.
import { Readable } from 'node:stream';
import { readLines } from '@cdrate/cli';

async function collect(chunks: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  await readLines(Readable.from(chunks.map((c) => Buffer.from(c))), (lines, first) => {
    lines.forEach((line, i) => out.push(`${first + i}:${line}`));
  });
  return out;
}

describe('readLines', () => {
  it('splits lines across chunk boundaries, drops CR, keeps a last line without newline', async () => {
    expect(await collect(['a\r\nb', 'c\n', '\nd'])).toEqual(['1:a', '2:bc', '3:', '4:d']);
  });

  it('decodes UTF-8 split inside a character', async () => {
    const bytes = Buffer.from('São Paulo\n');
    const out: string[] = [];
    await readLines(
      Readable.from([bytes.subarray(0, 2), bytes.subarray(2)]),
      (lines) => void out.push(...lines),
    );
    expect(out).toEqual(['São Paulo']);
  });
});
