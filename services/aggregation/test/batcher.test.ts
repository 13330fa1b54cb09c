import { InfraError } from '@cdrate/errors';
import { Batcher, isRowDataError } from '../src/batcher.js';
import type { BatchRow, BatchSink, RefusedRow, Scheduler } from '../src/batcher.js';

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

/** A sink recording inserts; `fail` decides per insert (return an error to throw). */
function fakeSink(fail: (lines: string[]) => InfraError | undefined = () => undefined) {
  const inserts: string[][] = [];
  const refused: RefusedRow<number>[] = [];
  const sink: BatchSink<number> = {
    insert(rows) {
      const lines = rows.map((row) => row.line);
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

const rows = (from: number, count: number): BatchRow<number>[] =>
  Array.from({ length: count }, (_, i) => ({ line: `r${from + i}`, source: from + i }));

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
    await batcher.add([]);
    expect(inserts).toEqual([]);
  });

  it('splits an oversized buffer into inserts of at most maxRows, resolving after all of them', async () => {
    const { sink, inserts } = fakeSink();
    const batcher = new Batcher({ sink, maxRows: 3, maxWaitMs: 1000, schedule: fakeClock().schedule });
    await batcher.add(rows(0, 7));
    expect(inserts.map((lines) => lines.length)).toEqual([3, 3, 1]);
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
    expect(refused.map((r) => r.row.source)).toEqual([3, 6]);
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
    const failingSink: BatchSink<number> = {
      insert: (batch) => sink.insert(batch),
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
    const sink: BatchSink<number> = {
      async insert(batch) {
        order.push(`start ${batch[0]!.line}`);
        if (batch[0]!.line === 'r0') await gate;
        order.push(`end ${batch[0]!.line}`);
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
    expect(inserts).toEqual([rows(0, 10).map((row) => row.line)]);
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
