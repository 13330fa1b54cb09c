import { createKeyPartitioner } from '@cdrate/kafka';
import {
  decodeNormalizedCdrs,
  createNormalizedCdrBatchWriter,
  encodeNormalizedCdr,
  frameNormalizedCdrBatch,
  type NormalizedCdr,
} from '@cdrate/schemas';
import { PartitionedOutput } from '@cdrate/service-runtime';

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

function cdrOf(i: number, accounts: number): NormalizedCdr {
  return { ...base, cdr_id: `c-${String(i).padStart(3, '0')}`, account_id: `acct-${i % accounts}` };
}

function unpack(value: Buffer | string): NormalizedCdr[] {
  const decoded = decodeNormalizedCdrs(typeof value === 'string' ? Buffer.from(value) : value);
  if (!decoded.ok) throw new Error(decoded.message);
  return decoded.value.items.map((item) => {
    if (!item.ok) throw new Error(item.message);
    return item.value;
  });
}

describe('PartitionedOutput', () => {
  const partitionOf = createKeyPartitioner();

  it('puts each record in the partition of its key, in input order, one batch message per partition', () => {
    const cdrs = Array.from({ length: 200 }, (_, i) => cdrOf(i, 17));
    const output = new PartitionedOutput(createNormalizedCdrBatchWriter, partitionOf, 6);
    for (const cdr of cdrs) output.add(cdr.account_id, cdr);
    const messages = output.takeMessages();
    expect(messages.map((m) => m.partition)).toEqual([0, 1, 2, 3, 4, 5]);
    for (const message of messages) {
      expect(message.key).toBeNull();
      expect(message.headers).toEqual({ 'content-type': 'avro/binary' });
      const expected = cdrs.filter((c) => partitionOf(c.account_id, 6) === message.partition);
      expect(unpack(message.value)).toEqual(expected);
      // Byte for byte the batch frame of the records' single frames.
      expect(message.value).toEqual(frameNormalizedCdrBatch(expected.map(encodeNormalizedCdr)));
    }
    expect(output.takeMessages()).toEqual([]);
  });

  it('closes a message once it holds the target bytes, keeping the order across messages', () => {
    const cdrs = Array.from({ length: 50 }, (_, i) => cdrOf(i, 1));
    // Each item is its body plus one or two length bytes: measure one as the writer lays it out.
    const one = createNormalizedCdrBatchWriter();
    one.append(cdrs[0]!);
    const itemBytes = one.bytes;
    // Closed at 7 items (7 × itemBytes ≥ target > 6 × itemBytes): 50 records → 7 × 7 + 1.
    const output = new PartitionedOutput(createNormalizedCdrBatchWriter, partitionOf, 3, itemBytes * 6 + 1);
    for (const cdr of cdrs) output.add(cdr.account_id, cdr);
    const messages = output.takeMessages();
    expect(messages.map((m) => unpack(m.value).length)).toEqual([7, 7, 7, 7, 7, 7, 7, 1]);
    expect(messages.flatMap((m) => unpack(m.value))).toEqual(cdrs);
  });

  it('appends nothing for a record that breaks its schema, and follows a change of partition count', () => {
    const output = new PartitionedOutput(createNormalizedCdrBatchWriter, partitionOf, 1);
    const bad = { ...cdrOf(1, 1), duration_ms: -1 };
    expect(() => output.add(bad.account_id, bad)).toThrow(TypeError);
    expect(output.takeMessages()).toEqual([]);
    output.partitions = 12;
    const cdrs = Array.from({ length: 40 }, (_, i) => cdrOf(i, 40));
    for (const cdr of cdrs) output.add(cdr.account_id, cdr);
    const messages = output.takeMessages();
    for (const message of messages) {
      for (const cdr of unpack(message.value))
        expect(partitionOf(cdr.account_id, 12)).toBe(message.partition);
    }
    expect(new Set(messages.map((m) => m.partition)).size).toBeGreaterThan(6);
  });
});
