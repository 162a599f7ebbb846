-- Cluster version 0001: the tickets store, sharded and replicated (the single-node 0001, spread out).
-- tickets_local holds one shard's tickets on each of its replicas: the same columns, version column (scored_at),
-- partitioning and sorting key as the single-node table, replicated through Keeper under the shard's path.
-- db_tickets.tickets, the name every reader and writer uses, is a Distributed table over the cluster, sharded by
-- cityHash64(ticket_id): every copy of a ticket (each upload, batch and re-score) lands on one shard, so FINAL and
-- the readers' LIMIT 1 BY ticket_id see all of a ticket's copies together and stay correct shard by shard.
-- The ticket_columns placeholder is the ticket schema's column list (src/ticket/schema.ts), as for one node.
CREATE DATABASE IF NOT EXISTS db_tickets ON CLUSTER '{cluster}';

CREATE TABLE IF NOT EXISTS db_tickets.tickets_local ON CLUSTER '{cluster}'
(
{{ticket_columns}}
)
ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}', scored_at)
PARTITION BY toYYYYMM(ingested_at)
ORDER BY (ticket_id, upload_id, ingested_at);

CREATE TABLE IF NOT EXISTS db_tickets.tickets ON CLUSTER '{cluster}' AS db_tickets.tickets_local
ENGINE = Distributed('{cluster}', db_tickets, tickets_local, cityHash64(ticket_id));
