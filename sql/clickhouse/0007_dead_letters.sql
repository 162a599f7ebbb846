-- Version 0007: tickets a stage could not use, with why (the dead-letter topic's messages, recorded by the app).
-- Every ticket of an upload is stored or dead-lettered, and the upload's status counts both.
CREATE TABLE IF NOT EXISTS db_tickets.dead_letters
(
    upload_id   Nullable(String),
    ticket_id   Nullable(String),
    stage       LowCardinality(String),
    reason      String,
    recorded_at DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1))
)
ENGINE = MergeTree
ORDER BY (recorded_at);
