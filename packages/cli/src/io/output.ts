/**
 * Batched writing to a stream: each text is UTF-8-encoded straight into a 1 MiB block (no string
 * concatenation, which builds rope strings that must be flattened later); full blocks are handed to
 * the stream. `drain()` waits when the stream asks for back-pressure.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const BLOCK = 1 << 20;

export class BatchedWriter {
  private block = Buffer.allocUnsafeSlow(BLOCK);
  private used = 0;

  constructor(private readonly stream: Writable) {}

  write(text: string): void {
    // A UTF-16 code unit takes at most 3 bytes in UTF-8.
    if (this.used + text.length * 3 > BLOCK) {
      this.flushBlock();
      if (text.length * 3 > BLOCK) {
        this.stream.write(text);
        return;
      }
    }
    this.used += this.block.write(text, this.used);
  }

  /** Writes bytes as they are (already encoded). */
  writeBytes(bytes: Buffer): void {
    if (bytes.length === 0) return;
    if (this.used + bytes.length > BLOCK) {
      this.flushBlock();
      if (bytes.length > BLOCK / 2) {
        this.stream.write(bytes);
        return;
      }
    }
    this.used += bytes.copy(this.block, this.used);
  }

  /** Waits until the stream can take more. */
  async drain(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  /** Writes what is buffered and, for streams we own, ends them and waits until all is written. */
  async close(end: boolean): Promise<void> {
    this.flushBlock();
    if (end) {
      const finished = once(this.stream, 'finish');
      this.stream.end();
      await finished;
    } else {
      await this.drain();
    }
  }

  private flushBlock(): void {
    if (this.used === 0) return;
    this.stream.write(this.block.subarray(0, this.used));
    this.block = Buffer.allocUnsafeSlow(BLOCK);
    this.used = 0;
  }
}
