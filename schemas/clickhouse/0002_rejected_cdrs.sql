-- Rejected CDRs: the DLQ records (topic cdr.dlq, schemas/avro/DlqRecord.v1.avsc) landed by the
-- aggregation service, so analysts can count and inspect rejects by error code.
--
-- The origin (topic, partition, offset) identifies the rejected message: landing is at least once, so a
-- redelivered DLQ record is a duplicate row that merges remove (ReplacingMergeTree keyed on the origin);
-- exact counts use FINAL. A replayed message that fails again has a new origin and is a new row.
-- A null cdr_id is stored as an empty string; origin.offset (decimal digits) as UInt64.
CREATE TABLE IF NOT EXISTS ${database}.rejected_cdrs
(
    cdr_id String,
    error_code String,
    error_message String,
    stage Enum8('ingest' = 1, 'rating' = 2, 'aggregation' = 3),
    payload String,
    payload_encoding Enum8('utf8' = 1, 'base64' = 2),
    origin_topic String,
    origin_partition UInt32,
    origin_offset UInt64,
    failed_at DateTime('UTC')
)
ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(failed_at)
ORDER BY (error_code, origin_topic, origin_partition, origin_offset);
