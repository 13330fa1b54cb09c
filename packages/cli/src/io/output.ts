/**
 * Batched writing to a stream: text is collected and written in blocks of ~256 KiB; `drain()` waits
 * when the stream asks for back-pressure.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';

const BLOCK = 256 * 1024;

export class BatchedWriter {
  private buffer = '';

  constructor(private readonly stream: Writable) {}

  write(text: string): void {
    this.buffer += text;
    if (this.buffer.length >= BLOCK) this.flushBuffer();
  }

  /** Waits until the stream can take more. */
  async drain(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, 'drain');
  }

  /** Writes what is buffered and, for streams we own, ends them and waits until all is on disk. */
  async close(end: boolean): Promise<void> {
    this.flushBuffer();
    if (end) {
      const finished = once(this.stream, 'finish');
      this.stream.end();
      await finished;
    } else {
      await this.drain();
    }
  }

  private flushBuffer(): void {
    if (this.buffer.length === 0) return;
    this.stream.write(this.buffer);
    this.buffer = '';
  }
}
