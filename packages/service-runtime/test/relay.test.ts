import { createKeyPartitioner } from '@cdrate/kafka';
import {
  decodeNormalizedCdrs,
  encodeNormalizedCdr,
  frameNormalizedCdrBatch,
  type NormalizedCdr,
} from '@cdrate/schemas';
import { packRecords, type RelayRecord } from '@cdrate/service-runtime';

const base: NormalizedCdr = {
  cdr_id: 'c-0',
  account_id: 'acct-0',
  direction: 'outbound',
  source: '+12125550100',
  source_type: 'fixed_or_mobile',
  destination: '+442079460958',
  destination_type: 'fixed',
  destination_country: 'GB',
  start_time: Date.UTC(2026, 0, 5, 10, 0, 0),
  end_time: Date.UTC(2026, 0, 5, 10, 1, 2),
  duration_ms: 62_000,
  disposition: 'answered',
  received_at: Date.UTC(2026, 0, 5, 10, 1, 3),
  raw_source: '(212) 555-0100',
  raw_destination: '011 44 20 7946 0958',
};

function record(i: number, accounts: number): RelayRecord & { cdr: NormalizedCdr } {
  const cdr = { ...base, cdr_id: `c-${String(i).padStart(3, '0')}`, account_id: `acct-${i % accounts}` };
  return { key: cdr.account_id, frame: encodeNormalizedCdr(cdr), cdr };
}

function unpack(value: Buffer | string): NormalizedCdr[] {
  const decoded = decodeNormalizedCdrs(typeof value === 'string' ? Buffer.from(value) : value);
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.value.items.map((item) => {
    if (!item.ok) throw new Error(item.message);
    return item.value;
  });
}

describe('packRecords', () => {
  const partitionOf = createKeyPartitioner();

  it('puts each record in the partition of its key, in input order, one batch message per partition', () => {
    const records = Array.from({ length: 200 }, (_, i) => record(i, 17));
    const messages = packRecords(records, 6, partitionOf, frameNormalizedCdrBatch);
    expect(new Set(messages.map((m) => m.partition)).size).toBe(messages.length);
    for (const message of messages) {
      expect(message.key).toBeNull();
      expect(message.headers).toEqual({ 'content-type': 'avro/binary' });
      const expected = records.filter((r) => partitionOf(r.key, 6) === message.partition).map((r) => r.cdr);
      expect(unpack(message.value)).toEqual(expected);
    }
    expect(messages.reduce((n, m) => n + unpack(m.value).length, 0)).toBe(200);
  });

  it('splits a partition group into messages of at most the target bytes, keeping the order', () => {
    const records = Array.from({ length: 50 }, (_, i) => record(i, 1));
    const frameBytes = records[0]!.frame.length;
    // Room for 7 records per message: 50 records → 8 messages (7 × 7 + 1).
    const messages = packRecords(records, 3, partitionOf, frameNormalizedCdrBatch, frameBytes * 7 + 1);
    expect(messages.map((m) => unpack(m.value).length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    expect(messages.flatMap((m) => unpack(m.value))).toEqual(records.map((r) => r.cdr));
  });

  it('gives a record larger than the target a message of its own, and no records no message', () => {
    const records = [record(1, 1), record(2, 1)];
    const messages = packRecords(records, 1, partitionOf, frameNormalizedCdrBatch, 10);
    expect(messages.map((m) => unpack(m.value).map((c) => c.cdr_id))).toEqual([['c-001'], ['c-002']]);
    expect(packRecords([], 6, partitionOf, frameNormalizedCdrBatch)).toEqual([]);
  });
});
