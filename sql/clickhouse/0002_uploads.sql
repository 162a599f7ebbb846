-- Version 0002: one record per upload, whatever became of it. Each save inserts a new version; readers use FINAL.
CREATE TABLE IF NOT EXISTS db_tickets.uploads
(
    upload_id  String,
    created_at DateTime64(3, 'UTC'),
    filename   Nullable(String),
    bytes      Nullable(UInt64),
    status     LowCardinality(String),
    received   UInt64 DEFAULT 0,
    accepted   UInt64 DEFAULT 0,
    rejected   UInt64 DEFAULT 0,
    summary    Nullable(String) CODEC(ZSTD(3)),
    failure    Nullable(String),
    version    UInt64
)
ENGINE = ReplacingMergeTree(version)
ORDER BY upload_id;
