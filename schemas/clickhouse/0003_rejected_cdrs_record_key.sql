-- rejected_cdrs keyed per record, not per message. Since cdr.normalized and cdr.rated carry many records
-- per message (batch frames), several records of one message can be refused with the same code: they share
-- (origin topic, partition, offset), so the 0002 key made FINAL and merges keep only one of them. The
-- record's own bytes (its single frame, the DLQ payload) now complete the key: a redelivered dead letter
-- (same payload) still collapses, different records of one message do not.
--
-- ClickHouse cannot change a sorting key to an older column, so the table is rebuilt: a new table with the
-- new key gets the rows, then takes the name. The 0002 table is kept as rejected_cdrs_before_0003 (nothing
-- is dropped: rows a concurrent writer inserted between the copy and the rename are there); drop it once
-- you have checked it. Portable: RENAME of two tables in one statement works on 18.16 and modern servers.
CREATE TABLE IF NOT EXISTS ${database}.rejected_cdrs_0003
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
ORDER BY (error_code, origin_topic, origin_partition, origin_offset, cityHash64(payload));

INSERT INTO ${database}.rejected_cdrs_0003
SELECT cdr_id, error_code, error_message, stage, payload, payload_encoding, origin_topic, origin_partition,
    origin_offset, failed_at
FROM ${database}.rejected_cdrs;

RENAME TABLE ${database}.rejected_cdrs TO ${database}.rejected_cdrs_before_0003,
    ${database}.rejected_cdrs_0003 TO ${database}.rejected_cdrs;
