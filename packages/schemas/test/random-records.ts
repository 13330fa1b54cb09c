/** Seeded random records and field values for the differential tests of the hand-written codecs. */
import type { NormalizedCdr, RatedCall } from '@cdrate/schemas';
import {
  CALL_TYPE_SYMBOLS,
  DIRECTION_SYMBOLS,
  DISPOSITION_SYMBOLS,
  NUMBER_TYPE_SYMBOLS,
} from '../src/avro/writer.js';

/** xorshift32 with a fixed seed, so a failure reproduces. */
export function random(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x100000000;
  };
}

export function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

/** Texts that exercise every path of `writeString`. */
export const TEXTS: readonly string[] = [
  '',
  'a',
  '+15551234567',
  'x'.repeat(63),
  'x'.repeat(64),
  'x'.repeat(65),
  'y'.repeat(300),
  'é',
  'Zürich 044 123 45 67',
  '中文号码',
  '😀 call',
  'é'.repeat(32), // 64 bytes
  'é'.repeat(33), // 66 bytes: Buffer's writer
  '\ud800', // unpaired high surrogate
  '\udc00', // unpaired low surrogate
  'a\ud83dz', // high surrogate followed by a non-surrogate
  '\ud800'.repeat(30), // 90 bytes with unpaired surrogates: Buffer's writer
  '\u0000nul',
  '\u007f\u0080\u07ff\u0800\uffff',
];

export function randomText(next: () => number): string {
  if (next() < 0.5) return pick(next, TEXTS);
  const length = Math.floor(next() * 90);
  let text = '';
  for (let i = 0; i < length; i++) {
    const kind = next();
    text += String.fromCharCode(
      kind < 0.8
        ? 0x20 + Math.floor(next() * 0x5f)
        : kind < 0.9
          ? 0x80 + Math.floor(next() * 0x780)
          : Math.floor(next() * 0x10000),
    );
  }
  return text;
}

export const LONGS: readonly number[] = (() => {
  const values = [0, 1, -1, 63, -64, 64, -65, 0x3fffffff, -0x40000000, 0x40000000, -0x40000001];
  for (let bits = 1; bits <= 53; bits++) {
    const power = 2 ** bits;
    values.push(power - 1, power, power + 1, -power + 1, -power, -power - 1);
  }
  values.push(9007199254740990, -9007199254740990, Date.UTC(2026, 0, 1), -Date.UTC(2026, 0, 1));
  return values.filter((n) => Math.abs(n) <= 9007199254740990);
})();

export function randomLong(next: () => number): number {
  if (next() < 0.3) return pick(next, LONGS);
  const magnitude = Math.floor(next() * 2 ** Math.floor(next() * 53));
  return next() < 0.2 ? -magnitude : magnitude;
}

export function randomNormalizedCdr(next: () => number): NormalizedCdr {
  return {
    cdr_id: randomText(next),
    account_id: randomText(next),
    direction: next() < 0.3 ? null : pick(next, DIRECTION_SYMBOLS),
    source: randomText(next),
    source_type: pick(next, NUMBER_TYPE_SYMBOLS),
    destination: randomText(next),
    destination_type: pick(next, NUMBER_TYPE_SYMBOLS),
    destination_country: next() < 0.3 ? null : randomText(next),
    start_time: randomLong(next),
    end_time: 9007199254740990, // never before start_time
    duration_ms: Math.abs(randomLong(next)),
    disposition: pick(next, DISPOSITION_SYMBOLS),
    received_at: randomLong(next),
    raw_source: randomText(next),
    raw_destination: randomText(next),
  };
}

export function randomRatedCall(next: () => number): RatedCall {
  const optional = (): string | null => (next() < 0.4 ? null : randomText(next));
  return {
    cdr_id: randomText(next),
    account_id: randomText(next),
    call_type: pick(next, CALL_TYPE_SYMBOLS),
    billable: next() < 0.5,
    billable_seconds: pick(next, [0, 1, 30, 63, 64, 8191, 8192, 2 ** 31 - 1, 4_000_000]),
    billable_minutes: pick(next, ['0', '3', '0.5', '123456789012.123456']),
    rate: pick(next, ['0', '0.125', '123456789.123456789']),
    cost: pick(next, ['0', '0.37500000000', '1234567.12345678901']),
    currency: pick(next, ['USD', 'BRL', 'EUR', '']),
    source: randomText(next),
    destination: randomText(next),
    destination_country: optional(),
    matched_prefix: optional(),
    start_time: randomLong(next),
    end_time: randomLong(next),
    duration_ms: Math.abs(randomLong(next)),
    reason: optional(),
    rated_at: randomLong(next),
    rating_version: Math.abs(randomLong(next)),
  };
}
