/**
 * Valid numbers by E.164 in shared memory, so that normalisers in several worker threads parse each
 * number once between them (libphonenumber costs 5–30 µs a parse; see {@link createNormaliser}).
 *
 * Any thread may add and read at any time. An entry is written into a region no other thread touches
 * (reserved with `Atomics.add`) and then published by one `Atomics.compareExchange` of its index slot;
 * readers see a slot with `Atomics.load`, so they see the entry completely written. Entries are never
 * changed or removed; when the table is full, adding does nothing. Two threads may add the same number
 * at the same time: both entries are equal, either may be found.
 */
import type { NumberType, PartyNumber } from '@cdrate/rating-core';
import { hashString } from '@cdrate/rating-core';

/** Int32 words before the index: [0] next free arena unit, [1] entries. */
const HEADER = 2;
/** Arena units (UTF-16) per entry reserved on average. */
const UNITS_PER_ENTRY = 32;
/** Types of valid numbers, by code. `unknown` (possible but not valid) numbers are not shared. */
const TYPES: readonly NumberType[] = ['mobile', 'fixed', 'fixed_or_mobile', 'toll_free', 'premium', 'other'];
const TYPE_CODES: ReadonlyMap<string, number> = new Map(TYPES.map((type, code) => [type, code]));

export class SharedNumberTable {
  private readonly words: Int32Array;
  private readonly slots: number;
  private readonly maxEntries: number;
  private readonly arena: Uint16Array;
  /** Country code strings, so that every hit does not build one. */
  private readonly countries = new Map<number, string>();

  /** A view of a table's memory, made by {@link SharedNumberTable.create} in this or another thread. */
  constructor(readonly buffer: SharedArrayBuffer) {
    this.slots = SharedNumberTable.slotsOf(buffer.byteLength);
    this.maxEntries = this.slots / 2;
    this.words = new Int32Array(buffer, 0, HEADER + this.slots);
    this.arena = new Uint16Array(buffer, (HEADER + this.slots) * 4);
  }

  /** A new table for up to `maxEntries` numbers (rounded up to a power of two). */
  static create(maxEntries: number): SharedNumberTable {
    let slots = 1024;
    while (slots < maxEntries * 2) slots *= 2;
    return new SharedNumberTable(
      new SharedArrayBuffer((HEADER + slots) * 4 + (slots / 2) * UNITS_PER_ENTRY * 2),
    );
  }

  /** Index slots of a buffer made by {@link create}. */
  private static slotsOf(bytes: number): number {
    // bytes = (HEADER + slots) * 4 + slots * UNITS_PER_ENTRY
    return (bytes - HEADER * 4) / (4 + UNITS_PER_ENTRY);
  }

  /** The valid number `e164`, when some thread added it. */
  get(e164: string): PartyNumber | undefined {
    const hash = hashString(e164);
    const words = this.words;
    const mask = this.slots - 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const ref = Atomics.load(words, HEADER + i);
      if (ref === 0) return undefined;
      const party = this.entryAt(ref - 1, hash, e164);
      if (party !== undefined) return party;
    }
  }

  /** Shares the valid number `party` (kind `e164`, type not `unknown`); nothing when the table is full. */
  add(party: PartyNumber): void {
    if (party.kind !== 'e164') return;
    const type = TYPE_CODES.get(party.type);
    if (type === undefined) return;
    const words = this.words;
    if (Atomics.add(words, 1, 1) >= this.maxEntries) return;
    const { e164, country } = party;
    const units = 5 + country.length + e164.length;
    const at = Atomics.add(words, 0, units);
    if (at + units > this.arena.length) return;
    const hash = hashString(e164);
    const arena = this.arena;
    arena[at] = hash & 0xffff;
    arena[at + 1] = hash >>> 16;
    arena[at + 2] = type;
    arena[at + 3] = country.length;
    for (let k = 0; k < country.length; k++) arena[at + 4 + k] = country.charCodeAt(k);
    const e = at + 4 + country.length;
    arena[e] = e164.length;
    for (let k = 0; k < e164.length; k++) arena[e + 1 + k] = e164.charCodeAt(k);
    const mask = this.slots - 1;
    for (let i = hash & mask; ;) {
      const seen = Atomics.compareExchange(words, HEADER + i, 0, at + 1);
      if (seen === 0) return;
      // Taken (perhaps just now): already this number, or try the next slot.
      if (this.entryAt(seen - 1, hash, e164) !== undefined) return;
      i = (i + 1) & mask;
    }
  }

  /** The entry at arena unit `at` when it is `e164` (with `hash`), else `undefined`. */
  private entryAt(at: number, hash: number, e164: string): PartyNumber | undefined {
    const arena = this.arena;
    if (arena[at] !== (hash & 0xffff) || arena[at + 1] !== hash >>> 16) return undefined;
    const countryLength = arena[at + 3] as number;
    const e = at + 4 + countryLength;
    if (arena[e] !== e164.length) return undefined;
    for (let k = 0; k < e164.length; k++) if (arena[e + 1 + k] !== e164.charCodeAt(k)) return undefined;
    let key = 0;
    for (let k = 0; k < countryLength; k++) key = key * 65536 + (arena[at + 4 + k] as number);
    let country = countryLength <= 2 ? this.countries.get(key) : undefined;
    if (country === undefined) {
      country = String.fromCharCode(...arena.subarray(at + 4, e));
      if (countryLength <= 2) this.countries.set(key, country);
    }
    return Object.freeze({
      kind: 'e164',
      e164,
      country,
      type: TYPES[arena[at + 2] as number] as NumberType,
    });
  }
}
