-- Cluster version 0007: dead letters, a full copy on every node like uploads (0002): an upload's status counts them
-- on whichever node answers, and they are few.
CREATE TABLE IF NOT EXISTS db_tickets.dead_letters ON CLUSTER '{cluster}'
(
    upload_id   Nullable(String),
    ticket_id   Nullable(String),
    stage       LowCardinality(String),
    reason      String,
    recorded_at DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}')
ORDER BY (recorded_at);
