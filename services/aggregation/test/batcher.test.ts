import { InfraError } from '@cdrate/errors';
import { Batcher, isRowDataError } from '../src/batcher.js';
import type { BatchSink, RefusedRow, Scheduler } from '../src/batcher.js';
import { RowChunkWriter, type RowChunk } from '../src/chunks.js';

/** A chunk of rows `r<first>`, `r<first + 1>`, …; a refused row is identified by `first + row`. */
interface TestChunk extends RowChunk {
  readonly first: number;
}

/** A scheduler driven by hand: `advance(ms)` runs what became due. */
function fakeClock() {
  let now = 0;
  const timers = new Set<{ at: number; run: () => void }>();
  const schedule: Scheduler = (run, ms) => {
    const timer = { at: now + ms, run };
    timers.add(timer);
    return () => timers.delete(timer);
  };
  return {
    schedule,
    pending: () => timers.size,
    advance(ms: number) {
      now += ms;
      for (const timer of [...timers]) {
        if (timer.at <= now) {
          timers.delete(timer);
          timer.run();
        }
      }
    },
  };
}

/** A sink recording inserts as lines; `fail` decides per insert (return an error to throw). */
function fakeSink(fail: (lines: string[]) => InfraError | undefined = () => undefined) {
  const inserts: string[][] = [];
  const refused: RefusedRow<TestChunk>[] = [];
  const sink: BatchSink<TestChunk> = {
    insert(body, rows) {
      const text = Buffer.concat(body).toString('utf8');
      expect(text.endsWith('\n')).toBe(true);
      const lines = text.slice(0, -1).split('\n');
      expect(lines).toHaveLength(rows);
      const error = fail(lines);
      if (error !== undefined) return Promise.reject(error);
      inserts.push(lines);
      return Promise.resolve();
    },
    refuse(rows) {
      refused.push(...rows);
      return Promise.resolve();
    },
  };
  return { sink, inserts, refused };
}

const writer = new RowChunkWriter(16, 2); // tiny, so that the tests also grow it
const rows = (from: number, count: number): TestChunk => {
  for (let i = 0; i < count; i++) writer.appendLine(`r${from + i}`, i, 0);
  return { ...writer.take(), first: from };
};
const lines = (from: number, count: number) => Array.from({ length: count }, (_, i) => `r${from + i}`);

/** Lets resolved promises run their continuations. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function track(promise: Promise<void>) {
  const state: { status: 'pending' | 'resolved' | 'rejected'; error?: unknown } = { status: 'pending' };
  promise.then(
    () => (state.status = 'resolved'),
    (error: unknown) => Object.assign(state, { status: 'rejected', error }),
  );
  return state;
}

const dataError = () => new InfraError('BAD_REQUEST', 'Code: 69, too many digits', { vendorCode: 69 });

describe('Batcher', () => {
  it('flushes once the buffer holds maxRows, resolving every handler whose rows it carried', async () => {
    const clock = fakeClock();
    const { sink, inserts } = fakeSink();
    const batcher = new Batcher({ sink, maxRows: 5, maxWaitMs: 1000, schedule: clock.schedule });
    const a = track(batcher.add(rows(0, 2)));
    const b = track(batcher.add(rows(2, 2)));
    await settle();
    expect(inserts).toEqual([]);
    expect([a.status, b.status]).toEqual(['pending', 'pending']);
    const c = track(batcher.add(rows(4, 1)));
    await settle();
    expect(inserts).toEqual([['r0', 'r1', 'r2', 'r3', 'r4']]);
    expect([a.status, b.status, c.status]).toEqual(['resolved', 'resolved', 'resolved']);
    expect(clock.pending()).toBe(0);
  });

  it('flushes when the oldest row has waited maxWaitMs, timed from the first row', async () => {
    const clock = fakeClock();
    const { sink, inserts } = fakeSink();
    const batcher = new Batcher({ sink, maxRows: 100, maxWaitMs: 1000, schedule: clock.schedule });
    const a = track(batcher.add(rows(0, 1)));
    clock.advance(600);
    const b = track(batcher.add(rows(1, 1)));
    clock.advance(399);
    await settle();
    expect(inserts).toEqual([]);
    clock.advance(1);
    await settle();
    expect(inserts).toEqual([['r0', 'r1']]);
    expect([a.status, b.status]).toEqual(['resolved', 'resolved']);
    // The next rows start a new buffer with a new timer.
    const c = track(batcher.add(rows(2, 1)));
    clock.advance(999);
    await settle();
    expect(c.status).toBe('pending');
    clock.advance(1);
    await settle();
    expect(inserts).toEqual([['r0', 'r1'], ['r2']]);
  });

  it('resolves an empty add at once without inserting', async () => {
    const { sink, inserts } = fakeSink();
    const batcher = new Batcher({ sink, maxRows: 5, maxWaitMs: 1000, schedule: fakeClock().schedule });
    await batcher.add(rows(0, 0));
    expect(inserts).toEqual([]);
  });

  it('splits an oversized buffer into inserts of at most maxRows, resolving after all of them', async () => {
    const { sink, inserts } = fakeSink();
    const batcher = new Batcher({ sink, maxRows: 3, maxWaitMs: 1000, schedule: fakeClock().schedule });
    await batcher.add(rows(0, 7));
    expect(inserts.map((lines) => lines.length)).toEqual([3, 3, 1]);
  });

  it('splits inserts at maxRows inside a chunk, keeping row order across chunks', async () => {
    const { sink, inserts } = fakeSink();
    const batcher = new Batcher({ sink, maxRows: 5, maxWaitMs: 1000, schedule: fakeClock().schedule });
    const a = batcher.add(rows(0, 3));
    const b = batcher.add(rows(3, 4));
    const c = batcher.drain();
    await Promise.all([a, b, c]);
    expect(inserts).toEqual([lines(0, 5), lines(5, 2)]);
  });

  it('finds every poison row across chunks and insert splits, inserting every other row exactly once', async () => {
    let seed = 3;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let round = 0; round < 40; round++) {
      const poison = new Set<string>();
      const { sink, inserts, refused } = fakeSink((batch) =>
        batch.some((line) => poison.has(line)) ? dataError() : undefined,
      );
      const maxRows = 1 + Math.floor(next() * 20);
      const batcher = new Batcher({ sink, maxRows: 1000, maxWaitMs: 1000, schedule: fakeClock().schedule });
      const small = new Batcher({ sink, maxRows, maxWaitMs: 1000, schedule: fakeClock().schedule });
      let total = 0;
      const chunks: TestChunk[] = [];
      for (let c = 0, count = 1 + Math.floor(next() * 6); c < count; c++) {
        const size = Math.floor(next() * 15);
        chunks.push(rows(total, size));
        total += size;
      }
      for (let i = 0; i < total; i++) if (next() < 0.1) poison.add(`r${i}`);
      const target = round % 2 === 0 ? batcher : small;
      const added = chunks.map((chunk) => target.add(chunk));
      await target.drain();
      await Promise.all(added);
      const good = lines(0, total).filter((line) => !poison.has(line));
      expect(inserts.flat()).toEqual(good);
      expect(refused.map((r) => `r${r.chunk.first + r.row}`)).toEqual(
        lines(0, total).filter((l) => poison.has(l)),
      );
      if (target === small) for (const insert of inserts) expect(insert.length).toBeLessThanOrEqual(maxRows);
    }
  });

  it('rejects every waiting handler with a retryable error, and the next flush starts afresh', async () => {
    const clock = fakeClock();
    let down = true;
    const { sink, inserts } = fakeSink(() =>
      down ? new InfraError('SINK_UNAVAILABLE', 'ECONNREFUSED') : undefined,
    );
    const batcher = new Batcher({ sink, maxRows: 10, maxWaitMs: 100, schedule: clock.schedule });
    const a = track(batcher.add(rows(0, 2)));
    const b = track(batcher.add(rows(2, 3)));
    clock.advance(100);
    await settle();
    expect([a.status, b.status]).toEqual(['rejected', 'rejected']);
    expect(a.error).toMatchObject({ code: 'SINK_UNAVAILABLE', retryable: true });
    expect(b.error).toBe(a.error);
    expect(inserts).toEqual([]);

    down = false; // redelivered by the consumer
    const again = track(batcher.add(rows(0, 5)));
    clock.advance(100);
    await settle();
    expect(again.status).toBe('resolved');
    expect(inserts).toEqual([['r0', 'r1', 'r2', 'r3', 'r4']]);
  });

  it('isolates poison rows by bisection: inserts the rest, hands the poison to refuse, resolves', async () => {
    const poison = new Set(['r3', 'r6']);
    const { sink, inserts, refused } = fakeSink((lines) =>
      lines.some((line) => poison.has(line)) ? dataError() : undefined,
    );
    const batcher = new Batcher({ sink, maxRows: 8, maxWaitMs: 1000, schedule: fakeClock().schedule });
    const a = track(batcher.add(rows(0, 4)));
    const b = track(batcher.add(rows(4, 4)));
    await settle();
    await settle();
    expect([a.status, b.status]).toEqual(['resolved', 'resolved']);
    expect(inserts.flat().sort()).toEqual(['r0', 'r1', 'r2', 'r4', 'r5', 'r7']);
    expect(refused.map((r) => r.chunk.first + r.row)).toEqual([3, 6]);
    expect(refused[0]!.error.vendorCode).toBe(69);
  });

  it('fails the whole flush when a retryable error happens while isolating', async () => {
    let calls = 0;
    const { sink, refused } = fakeSink(() => {
      calls++;
      return calls === 1 ? dataError() : new InfraError('TIMEOUT', 'timed out');
    });
    const batcher = new Batcher({ sink, maxRows: 4, maxWaitMs: 1000, schedule: fakeClock().schedule });
    await expect(batcher.add(rows(0, 4))).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(refused).toEqual([]);
  });

  it('does not split on errors every row would get (unknown table) and rejects with them', async () => {
    const { sink, refused } = fakeSink(() => new InfraError('BAD_REQUEST', 'Code: 60', { vendorCode: 60 }));
    const batcher = new Batcher({ sink, maxRows: 4, maxWaitMs: 1000, schedule: fakeClock().schedule });
    await expect(batcher.add(rows(0, 4))).rejects.toMatchObject({ vendorCode: 60 });
    expect(refused).toEqual([]);
  });

  it('fails the flush when refusing the poison rows fails, so the batch is redelivered', async () => {
    const { sink } = fakeSink((lines) => (lines.includes('r1') ? dataError() : undefined));
    const failingSink: BatchSink<TestChunk> = {
      insert: (body, count) => sink.insert(body, count),
      refuse: () => Promise.reject(new InfraError('BROKER_UNAVAILABLE', 'no broker')),
    };
    const batcher = new Batcher({
      sink: failingSink,
      maxRows: 2,
      maxWaitMs: 1000,
      schedule: fakeClock().schedule,
    });
    await expect(batcher.add(rows(0, 2))).rejects.toMatchObject({ code: 'BROKER_UNAVAILABLE' });
  });

  it('runs flushes one at a time, in order', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const order: string[] = [];
    const sink: BatchSink<TestChunk> = {
      async insert(body) {
        const line = Buffer.concat(body).toString('utf8').trim();
        order.push(`start ${line}`);
        if (line === 'r0') await gate;
        order.push(`end ${line}`);
      },
      refuse: () => Promise.resolve(),
    };
    const batcher = new Batcher({ sink, maxRows: 1, maxWaitMs: 1000, schedule: fakeClock().schedule });
    const first = batcher.add(rows(0, 1));
    const second = batcher.add(rows(1, 1));
    await settle();
    expect(order).toEqual(['start r0']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['start r0', 'end r0', 'start r1', 'end r1']);
  });

  it('flushIfAtLeast flushes a buffer of at least that many rows now and leaves a smaller one to its timer', async () => {
    const clock = fakeClock();
    const { sink, inserts } = fakeSink();
    const batcher = new Batcher({ sink, maxRows: 100, maxWaitMs: 1000, schedule: clock.schedule });
    const small = track(batcher.add(rows(0, 9)));
    batcher.flushIfAtLeast(10);
    await settle();
    expect(small.status).toBe('pending');
    const more = track(batcher.add(rows(9, 1)));
    batcher.flushIfAtLeast(10);
    await settle();
    expect([small.status, more.status]).toEqual(['resolved', 'resolved']);
    expect(inserts).toEqual([lines(0, 10)]);
    expect(clock.pending()).toBe(0);
  });

  it('drain flushes the partial buffer now and every later add at once', async () => {
    const clock = fakeClock();
    const { sink, inserts } = fakeSink();
    const batcher = new Batcher({ sink, maxRows: 100, maxWaitMs: 60_000, schedule: clock.schedule });
    const a = track(batcher.add(rows(0, 3)));
    await batcher.drain();
    await settle();
    expect(a.status).toBe('resolved');
    await batcher.add(rows(3, 1));
    expect(inserts).toEqual([['r0', 'r1', 'r2'], ['r3']]);
    expect(batcher.bufferedRows).toBe(0);
  });
});

describe('isRowDataError', () => {
  it('blames the row for parse, type and range errors only', () => {
    expect(isRowDataError(dataError())).toBe(true);
    expect(isRowDataError(new InfraError('BAD_REQUEST', 'x', { vendorCode: 27 }))).toBe(true);
    expect(isRowDataError(new InfraError('BAD_REQUEST', 'x', { vendorCode: 60 }))).toBe(false);
    expect(isRowDataError(new InfraError('BAD_REQUEST', 'x', { vendorCode: 117 }))).toBe(false);
    expect(isRowDataError(new InfraError('SINK_UNAVAILABLE', 'x', { vendorCode: 252 }))).toBe(false);
    expect(isRowDataError(new InfraError('INTERNAL', 'x'))).toBe(false);
  });
});
