// The baseline for `cdr rate`: the same line reader and batched writer, with JSON.parse +
// JSON.stringify per line and nothing else. Usage: node baseline.mjs <in.jsonl> <out.jsonl>
import { createReadStream, createWriteStream } from 'node:fs';
import { BatchedWriter, readLines } from '../dist/index.js';

const [input, output] = process.argv.slice(2);
const started = performance.now();
const out = createWriteStream(output, { highWaterMark: 1 << 20 });
const writer = new BatchedWriter(out);
let n = 0;
await readLines(createReadStream(input, { highWaterMark: 1 << 20 }), (lines) => {
  for (const line of lines) {
    if (line.length === 0) continue;
    writer.write(JSON.stringify(JSON.parse(line)) + '\n');
    n++;
  }
  return writer.drain();
});
await writer.close(true);
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ records: n, seconds, perSecond: Math.round(n / seconds) }));
