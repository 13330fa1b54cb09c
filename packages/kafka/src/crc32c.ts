// CRC-32C (Castagnoli), the checksum of Kafka record batches. Node 20 has none built in (`zlib.crc32` is
// the IEEE polynomial), so this is the table-driven JavaScript kind, 16 bytes per step ("slicing-by-16").
import { endianness } from 'node:os';

/** Reflected Castagnoli polynomial. */
const POLYNOMIAL = 0x82f63b78;

/**
 * 16 tables of 256 entries: `TABLES[k * 256 + b]` is the CRC of byte `b` followed by `k` zero bytes, so that
 * 16 input bytes fold into the CRC with 16 independent look-ups.
 */
const TABLES = new Int32Array(16 * 256);
for (let n = 0; n < 256; n++) {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
  TABLES[n] = c;
}
for (let n = 0; n < 256; n++) {
  let c = TABLES[n]!;
  for (let k = 1; k < 16; k++) {
    c = TABLES[c & 0xff]! ^ (c >>> 8);
    TABLES[k * 256 + n] = c;
  }
}

/** Word reads through an `Int32Array` view give the bytes in the order the tables expect only on LE. */
const LITTLE_ENDIAN = endianness() === 'LE';

/**
 * CRC-32C of `bytes[start, end)`, as an unsigned 32-bit integer (what kafkajs's
 * `protocol/recordBatch/crc32C` returns for those bytes). ~5× faster than kafkajs's byte-at-a-time loop.
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!LITTLE_ENDIAN) return crc32cPortable(bytes, start, end);
  const t = TABLES;
  let crc = -1;
  let i = start;
  // Bytes up to a 4-byte boundary one at a time, then 16 at a time as four aligned words.
  const head = Math.min(end, i + ((4 - ((bytes.byteOffset + i) & 3)) & 3));
  for (; i < head; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  const words = ((end - i) >>> 4) << 2;
  if (words > 0) {
    const w = new Int32Array(bytes.buffer, bytes.byteOffset + i, words);
    for (let j = 0; j < words; j += 4) {
      const a = w[j]! ^ crc;
      const b = w[j + 1]!;
      const c = w[j + 2]!;
      const d = w[j + 3]!;
      crc =
        t[3840 + (a & 0xff)]! ^
        t[3584 + ((a >>> 8) & 0xff)]! ^
        t[3328 + ((a >>> 16) & 0xff)]! ^
        t[3072 + (a >>> 24)]! ^
        t[2816 + (b & 0xff)]! ^
        t[2560 + ((b >>> 8) & 0xff)]! ^
        t[2304 + ((b >>> 16) & 0xff)]! ^
        t[2048 + (b >>> 24)]! ^
        t[1792 + (c & 0xff)]! ^
        t[1536 + ((c >>> 8) & 0xff)]! ^
        t[1280 + ((c >>> 16) & 0xff)]! ^
        t[1024 + (c >>> 24)]! ^
        t[768 + (d & 0xff)]! ^
        t[512 + ((d >>> 8) & 0xff)]! ^
        t[256 + ((d >>> 16) & 0xff)]! ^
        t[d >>> 24]!;
    }
    i += words * 4;
  }
  for (; i < end; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}

/** The portable path (what big-endian machines run), exported so that tests cover it on any machine. */
export function crc32cPortable(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const t = TABLES;
  let crc = -1;
  let i = start;
  for (; i + 16 <= end; i += 16) {
    const a = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) ^ crc;
    crc =
      t[3840 + (a & 0xff)]! ^
      t[3584 + ((a >>> 8) & 0xff)]! ^
      t[3328 + ((a >>> 16) & 0xff)]! ^
      t[3072 + (a >>> 24)]! ^
      t[2816 + bytes[i + 4]!]! ^
      t[2560 + bytes[i + 5]!]! ^
      t[2304 + bytes[i + 6]!]! ^
      t[2048 + bytes[i + 7]!]! ^
      t[1792 + bytes[i + 8]!]! ^
      t[1536 + bytes[i + 9]!]! ^
      t[1280 + bytes[i + 10]!]! ^
      t[1024 + bytes[i + 11]!]! ^
      t[768 + bytes[i + 12]!]! ^
      t[512 + bytes[i + 13]!]! ^
      t[256 + bytes[i + 14]!]! ^
      t[bytes[i + 15]!]!;
  }
  for (; i < end; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
  return ~crc >>> 0;
}
