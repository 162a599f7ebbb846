-- Cluster version 0004: agents' priorities, append-only, a full copy on every node like uploads (0002). Readers
-- join each ticket's latest override to its latest copy; a full copy keeps that join correct wherever it runs (on
-- the node answering, or on each shard), and overrides are few: one row per agent's action.
CREATE TABLE IF NOT EXISTS db_tickets.overrides ON CLUSTER '{cluster}'
(
    ticket_id       String,
    priority        LowCardinality(String),
    previous_label  LowCardinality(Nullable(String)),
    previous_source LowCardinality(Nullable(String)),
    predicted       LowCardinality(Nullable(String)),
    model_version   LowCardinality(Nullable(String)),
    agent           Nullable(String),
    overridden_at   DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}')
ORDER BY (ticket_id, overridden_at);
