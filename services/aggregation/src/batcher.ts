/**
 * The shared insert buffer of one table. Consumer handlers of several partitions append their rows — a
 * {@link RowChunk} of insert-ready bytes per handler call — and await the flush that carries them; a flush
 * happens when the buffer holds `maxRows` rows or its oldest row has waited `maxWaitMs`. A handler's promise
 * settles only with the insert of its rows, so the consumer commits its offsets only after ClickHouse has them.
 */
import { InfraError } from '@cdrate/errors';
import { chunkBytes, chunkRows, type RowChunk } from './chunks.js';

/** A row the table refused on its own (the rest of its batch was inserted): row `row` of `chunk`. */
export interface RefusedRow<C extends RowChunk> {
  readonly chunk: C;
  readonly row: number;
  readonly error: InfraError;
}

/** Where a batcher's rows go. */
export interface BatchSink<C extends RowChunk> {
  /**
   * Inserts `rows` rows in one insert; their lines are the concatenation of `body` (whole lines, in order).
   * Throws an `InfraError`: retryable when the table may accept the same rows later, `BAD_REQUEST` when it
   * refuses their content.
   */
  insert(body: readonly Buffer[], rows: number): Promise<void>;
  /**
   * Takes the rows the table refused one by one (e.g. dead-letters them). Resolve once they are safe; a
   * throw fails the whole flush (its handlers then get the batch again).
   */
  refuse(rows: readonly RefusedRow<C>[]): Promise<void>;
}

/** Schedules `run` after `ms`; returns a cancel function. The default uses an unref'd `setTimeout`. */
export type Scheduler = (run: () => void, ms: number) => () => void;

export interface BatcherOptions<C extends RowChunk> {
  readonly sink: BatchSink<C>;
  /** Flush once this many rows are buffered; one insert carries at most this many rows. */
  readonly maxRows: number;
  /** Flush once the oldest buffered row has waited this long (ms). */
  readonly maxWaitMs: number;
  readonly schedule?: Scheduler;
  /**
   * Says whether a refused insert may be split to find the rows at fault: true for errors about the data of
   * some rows, false for errors that every row would get (unknown table or column, syntax). Default:
   * {@link isRowDataError}.
   */
  readonly isolatable?: (error: InfraError) => boolean;
}

/**
 * ClickHouse error codes that blame the data of a row, not the request: CANNOT_PARSE_TEXT (6),
 * CANNOT_PARSE_ESCAPE_SEQUENCE (25, e.g. a lone UTF-16 surrogate `\ud800` on 18.16),
 * CANNOT_PARSE_QUOTED_STRING (26), CANNOT_PARSE_INPUT_ASSERTION_FAILED (27), ATTEMPT_TO_READ_AFTER_EOF (32),
 * BAD_ARGUMENTS (36, an unknown Enum8 name on modern servers), LOGICAL_ERROR (49, what 18.16 reports for an
 * unknown Enum8 name), CANNOT_PARSE_DATE (38), CANNOT_PARSE_DATETIME (41),
 * TYPE_MISMATCH (53), ARGUMENT_OUT_OF_BOUND (69, e.g. too many decimal digits), CANNOT_CONVERT_TYPE (70),
 * CANNOT_PARSE_NUMBER (72), TOO_LARGE_STRING_SIZE (131), UNKNOWN_ELEMENT_OF_ENUM (691, an unknown Enum8 name
 * in TabSeparated on modern servers). Not INCORRECT_DATA (117): for rows written by one serializer,
 * "unknown field" means the table lacks a column, which every row would hit.
 */
const ROW_DATA_ERROR_CODES: ReadonlySet<number> = new Set([
  6, 25, 26, 27, 32, 36, 38, 41, 49, 53, 69, 70, 72, 131, 691,
]);

/** True for a non-retryable ClickHouse error caused by the content of a row (see `ROW_DATA_ERROR_CODES`). */
export function isRowDataError(error: InfraError): boolean {
  return (
    error.code === 'BAD_REQUEST' &&
    typeof error.vendorCode === 'number' &&
    ROW_DATA_ERROR_CODES.has(error.vendorCode)
  );
}

/** Rows `[from, to)` of `chunk`. */
interface Slice<C extends RowChunk> {
  readonly chunk: C;
  readonly from: number;
  readonly to: number;
}

interface Pending<C extends RowChunk> {
  readonly chunks: C[];
  rows: number;
  readonly done: Promise<void>;
  resolve(): void;
  reject(error: unknown): void;
  cancelTimer: (() => void) | undefined;
}

const realScheduler: Scheduler = (run, ms) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return () => clearTimeout(timer);
};

/** Splits `slices` holding more than `rows` rows into the first `rows` rows and the rest. */
function splitSlices<C extends RowChunk>(
  slices: readonly Slice<C>[],
  rows: number,
): [Slice<C>[], Slice<C>[]] {
  const left: Slice<C>[] = [];
  const right: Slice<C>[] = [];
  let remaining = rows;
  for (const slice of slices) {
    const count = slice.to - slice.from;
    if (remaining >= count) {
      left.push(slice);
      remaining -= count;
    } else if (remaining > 0) {
      left.push({ chunk: slice.chunk, from: slice.from, to: slice.from + remaining });
      right.push({ chunk: slice.chunk, from: slice.from + remaining, to: slice.to });
      remaining = 0;
    } else {
      right.push(slice);
    }
  }
  return [left, right];
}

/**
 * Size- and time-bounded insert buffer shared by concurrent handlers. Flushes run one at a time, in order.
 *
 * Outcome of a flush for every handler whose rows it carries:
 * - the insert succeeded → resolve;
 * - a retryable `InfraError` (sink down, timeout) → every handler rejects with it; nothing is lost because
 *   the consumer commits nothing and redelivers, and the tables deduplicate rows inserted twice;
 * - an isolatable error (the table refuses the content of some row) → the rows are split in halves until
 *   the refused rows are found (about 2·log2(n) inserts per refused row); the others are inserted, the
 *   refused ones go to `sink.refuse`, then resolve. One bad row never blocks the rest;
 * - anything else → reject with it (the consumer stops: a bug or a misconfiguration).
 *
 * The insert bodies are views of the chunks' bytes: no row is copied or re-encoded on the way.
 */
export class Batcher<C extends RowChunk> {
  readonly #sink: BatchSink<C>;
  readonly #maxRows: number;
  readonly #maxWaitMs: number;
  readonly #schedule: Scheduler;
  readonly #isolatable: (error: InfraError) => boolean;
  #pending: Pending<C> | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #draining = false;

  constructor(options: BatcherOptions<C>) {
    if (!Number.isSafeInteger(options.maxRows) || options.maxRows < 1) {
      throw new RangeError(`maxRows must be a positive integer, got ${options.maxRows}`);
    }
    if (!Number.isSafeInteger(options.maxWaitMs) || options.maxWaitMs < 0) {
      throw new RangeError(`maxWaitMs must be an integer ≥ 0, got ${options.maxWaitMs}`);
    }
    this.#sink = options.sink;
    this.#maxRows = options.maxRows;
    this.#maxWaitMs = options.maxWaitMs;
    this.#schedule = options.schedule ?? realScheduler;
    this.#isolatable = options.isolatable ?? isRowDataError;
  }

  /** Rows buffered and not yet handed to an insert. */
  get bufferedRows(): number {
    return this.#pending?.rows ?? 0;
  }

  /**
   * Buffers the rows of `chunk`; resolves when the insert carrying them succeeded (see the class doc for
   * failures). A chunk without rows resolves at once.
   */
  add(chunk: C): Promise<void> {
    const rows = chunkRows(chunk);
    if (rows === 0) return Promise.resolve();
    const pending = (this.#pending ??= this.#open());
    pending.chunks.push(chunk);
    pending.rows += rows;
    if (pending.rows >= this.#maxRows || this.#draining) this.#flushPending();
    else pending.cancelTimer ??= this.#schedule(() => this.#flushPending(), this.#maxWaitMs);
    return pending.done;
  }

  /**
   * Flushes the buffer now if it holds at least `minRows` rows. For a caller that knows no more rows can
   * arrive before a flush (every handler waits on one), so waiting out `maxWaitMs` would only idle.
   */
  flushIfAtLeast(minRows: number): void {
    if (this.bufferedRows >= minRows) this.#flushPending();
  }

  /**
   * Flushes what is buffered now and from now on flushes every `add` at once (shutdown: the handlers in
   * flight finish quickly). Resolves when every flush started so far has settled; never rejects (the
   * handlers get the errors).
   */
  drain(): Promise<void> {
    this.#draining = true;
    this.#flushPending();
    return this.#flushing;
  }

  #open(): Pending<C> {
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const done = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { chunks: [], rows: 0, done, resolve, reject, cancelTimer: undefined };
  }

  #flushPending(): void {
    const pending = this.#pending;
    if (pending === undefined) return;
    this.#pending = undefined;
    pending.cancelTimer?.();
    this.#flushing = this.#flushing.then(() =>
      this.#write(pending.chunks).then(
        () => pending.resolve(),
        (error: unknown) => pending.reject(error),
      ),
    );
  }

  /** Inserts the rows of `chunks` in inserts of at most `maxRows`, isolating refused rows. */
  async #write(chunks: readonly C[]): Promise<void> {
    const refused: RefusedRow<C>[] = [];
    let part: Slice<C>[] = [];
    let partRows = 0;
    for (const chunk of chunks) {
      const rows = chunkRows(chunk);
      for (let from = 0; from < rows;) {
        const to = Math.min(rows, from + this.#maxRows - partRows);
        part.push({ chunk, from, to });
        partRows += to - from;
        from = to;
        if (partRows === this.#maxRows) {
          for (const row of await this.#insertIsolating(part, partRows)) refused.push(row);
          part = [];
          partRows = 0;
        }
      }
    }
    if (partRows > 0) for (const row of await this.#insertIsolating(part, partRows)) refused.push(row);
    if (refused.length > 0) await this.#sink.refuse(refused);
  }

  async #insertIsolating(slices: readonly Slice<C>[], rows: number): Promise<RefusedRow<C>[]> {
    try {
      await this.#sink.insert(
        slices.map((slice) => chunkBytes(slice.chunk, slice.from, slice.to)),
        rows,
      );
      return [];
    } catch (failure) {
      if (!(failure instanceof InfraError) || failure.retryable || !this.#isolatable(failure)) throw failure;
      const [only] = slices;
      if (rows === 1 && only !== undefined) return [{ chunk: only.chunk, row: only.from, error: failure }];
      const middle = Math.ceil(rows / 2);
      const [left, right] = splitSlices(slices, middle);
      const refusedLeft = await this.#insertIsolating(left, middle);
      const refusedRight = await this.#insertIsolating(right, rows - middle);
      return [...refusedLeft, ...refusedRight];
    }
  }
}
