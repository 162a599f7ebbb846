-- Cluster version 0002: one record per upload, a full copy on every node (not sharded). Every read of tickets
-- filters on its upload's status (upload_id NOT IN uploads that are not done); a Distributed query runs that
-- subquery on each shard against the shard's own `uploads`, and tickets are sharded by ticket id, not upload id,
-- so each shard needs every upload. Uploads are few (a record per save, every few seconds while one is received),
-- so a copy everywhere costs nothing. All four nodes are replicas of one table: the Keeper path names no shard.
CREATE TABLE IF NOT EXISTS db_tickets.uploads ON CLUSTER '{cluster}'
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
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/all/{database}/{table}', '{replica}', version)
ORDER BY upload_id;
