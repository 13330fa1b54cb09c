-- Rated calls: the rating output, one logical row per call, columns named as the Avro RatedCall fields
-- (schemas/avro/RatedCall.v1.avsc) except for times and duration (below). Portable to ClickHouse 18.16
-- and modern servers (docs/schemas.md).
--
-- Deduplication: a replayed, resent or re-rated call is inserted again with a higher rating_version
-- (= rated_at in ms); rows with equal (account_id, cdr_id) are versions of one call and the highest
-- rating_version wins. Merges deduplicate eventually and only within a month partition, so readers
-- never trust the stored rows as unique: they use FINAL or argMax(..., rating_version) grouped by
-- (account_id, cdr_id), and per-month reads deduplicate before filtering on the month (the canonical
-- queries are in docs/schemas.md).
--
-- Exactly what the rating core produces, so its output can be rebuilt from a row:
-- - cost Decimal(18, 11): rate (<= 9 decimals) x billable_minutes (<= 2 decimals), unrounded.
-- - Times: DateTime('UTC') holds whole seconds and DateTime64 is not on 18.16, so start_time_ms and
--   end_time_ms hold the millisecond part (0..999) of the Avro epoch-ms value (t % 1000).
-- - duration_sec Decimal(12, 3): the Avro duration_ms / 1000, exact (seconds with milliseconds).
-- Null Avro values (destination_country, matched_prefix, reason) are stored as empty strings.
CREATE TABLE IF NOT EXISTS ${database}.rated_calls
(
    cdr_id String,
    account_id String,
    call_type Enum8(
        'domestic' = 1,
        'internal' = 2,
        'domestic_metered' = 3,
        'international' = 4,
        'inbound_toll_free' = 5,
        'inbound' = 6
    ),
    billable UInt8,
    billable_seconds UInt32,
    billable_minutes Decimal(18, 6),
    rate Decimal(18, 9),
    cost Decimal(18, 11),
    currency String,
    source String,
    destination String,
    destination_country String,
    matched_prefix String,
    start_time DateTime('UTC'),
    end_time DateTime('UTC'),
    start_time_ms UInt16,
    end_time_ms UInt16,
    duration_sec Decimal(12, 3),
    reason String,
    rated_at DateTime('UTC'),
    rating_version UInt64
)
ENGINE = ReplacingMergeTree(rating_version)
PARTITION BY toYYYYMM(start_time)
ORDER BY (account_id, cdr_id);
