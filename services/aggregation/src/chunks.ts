/**
 * Rows as bytes. A handler writes the rows of the messages it consumed into a {@link RowChunkWriter} as soon
 * as they are decoded and hands the {@link RowChunk} it takes out to the table's `Batcher`: the buffer then
 * holds a few objects per handler call (bytes and typed arrays), none per row, so nothing per row survives
 * the handler for the garbage collector to copy and promote while it waits for its insert.
 */

/** Rows of one table written by one handler call: insert-ready lines and where each row came from. */
export interface RowChunk {
  /** The rows' lines, each ending with a newline, in order. */
  readonly bytes: Buffer;
  /** `ends[i]`: offset in `bytes` just after row `i`'s newline (row `i` starts at `ends[i - 1]`, or 0). */
  readonly ends: Uint32Array;
  /** `messageIndex[i]`: index of row `i`'s message in the consumed batch. */
  readonly messageIndex: Uint32Array;
  /** `itemIndex[i]`: index of row `i`'s record in its message (0 for a message of one record). */
  readonly itemIndex: Uint32Array;
}

/** Number of rows of `chunk`. */
export function chunkRows(chunk: RowChunk): number {
  return chunk.ends.length;
}

/** The bytes of rows `[from, to)` of `chunk` (a view, not a copy). */
export function chunkBytes(chunk: RowChunk, from: number, to: number): Buffer {
  const start = from === 0 ? 0 : chunk.ends[from - 1]!;
  const end = to === 0 ? 0 : chunk.ends[to - 1]!;
  return chunk.bytes.subarray(start, end);
}

/**
 * Collects rows as bytes in scratch buffers that grow as needed and are reused; {@link take} copies the
 * rows written since the last take out into a {@link RowChunk}. Not for concurrent use across an `await`:
 * write a handler's rows and take them in one synchronous stretch.
 */
export class RowChunkWriter {
  #bytes: Buffer;
  #length = 0;
  #ends: Uint32Array;
  #messages: Uint32Array;
  #items: Uint32Array;
  #rows = 0;

  constructor(initialBytes = 256 * 1024, initialRows = 1024) {
    this.#bytes = Buffer.allocUnsafe(initialBytes);
    this.#ends = new Uint32Array(initialRows);
    this.#messages = new Uint32Array(initialRows);
    this.#items = new Uint32Array(initialRows);
  }

  /** Bytes written since the last take: where the next row starts. */
  get length(): number {
    return this.#length;
  }

  /** Rows written since the last take. */
  get rows(): number {
    return this.#rows;
  }

  /**
   * The buffer to write the next row into, from offset {@link length}, with at least `bytes` free after it.
   * Valid until the next `reserve`, `appendLine` or `take`.
   */
  reserve(bytes: number): Buffer {
    const needed = this.#length + bytes;
    if (!(needed <= this.#bytes.length)) {
      if (!Number.isSafeInteger(needed) || needed > 0xffffffff) {
        throw new RangeError(`a chunk of ${needed} bytes is too large`);
      }
      const grown = Buffer.allocUnsafe(Math.max(needed, 2 * this.#bytes.length));
      this.#bytes.copy(grown, 0, 0, this.#length);
      this.#bytes = grown;
    }
    return this.#bytes;
  }

  /**
   * Ends the row written from {@link length} up to `end` (its newline included) and records its message
   * and item index. A row whose writing failed is simply not ended: the next one overwrites it.
   */
  endRow(end: number, message: number, item: number): void {
    if (!(end > this.#length && end <= this.#bytes.length)) {
      throw new RangeError(`row end ${end} outside the written buffer`);
    }
    if (this.#rows === this.#ends.length) this.#growRows();
    this.#ends[this.#rows] = end;
    this.#messages[this.#rows] = message;
    this.#items[this.#rows] = item;
    this.#rows++;
    this.#length = end;
  }

  /** Appends `line` (UTF-8; it must not contain a newline) and a newline as one row. */
  appendLine(line: string, message: number, item: number): void {
    const out = this.reserve(Buffer.byteLength(line, 'utf8') + 1);
    let end = this.#length + out.write(line, this.#length, 'utf8');
    out[end++] = 0x0a;
    this.endRow(end, message, item);
  }

  /** The rows written since the last take, copied out; the writer is empty afterwards. */
  take(): RowChunk {
    const bytes = Buffer.allocUnsafe(this.#length);
    this.#bytes.copy(bytes, 0, 0, this.#length);
    const chunk: RowChunk = {
      bytes,
      ends: this.#ends.slice(0, this.#rows),
      messageIndex: this.#messages.slice(0, this.#rows),
      itemIndex: this.#items.slice(0, this.#rows),
    };
    this.#length = 0;
    this.#rows = 0;
    return chunk;
  }

  /**
   * Forgets the rows ended after the first `rows` rows since the last take (and anything written after
   * them), as if they had never been written. @throws RangeError unless 0 ≤ rows ≤ {@link rows}.
   */
  truncate(rows: number): void {
    if (!(Number.isInteger(rows) && rows >= 0 && rows <= this.#rows)) {
      throw new RangeError(`cannot truncate ${this.#rows} rows to ${rows}`);
    }
    this.#rows = rows;
    this.#length = rows === 0 ? 0 : this.#ends[rows - 1]!;
  }

  /** Forgets the rows written since the last take (the writer is empty afterwards). */
  discard(): void {
    this.#length = 0;
    this.#rows = 0;
  }

  #growRows(): void {
    const size = 2 * this.#ends.length;
    const grow = (from: Uint32Array) => {
      const to = new Uint32Array(size);
      to.set(from);
      return to;
    };
    this.#ends = grow(this.#ends);
    this.#messages = grow(this.#messages);
    this.#items = grow(this.#items);
  }
}
