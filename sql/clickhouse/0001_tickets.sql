-- Version 0001: the tickets store. One row per ticket id in the end: ReplacingMergeTree keeps the row with the
-- latest scored_at, and readers that must not double-count read with FINAL (which also collapses copies that sit
-- in different monthly partitions, e.g. a ticket re-uploaded a month later). Personal data never reaches it.
-- The ticket_columns placeholder is the ticket schema's column list (src/ticket/schema.ts); columns the schema gains later are
-- added by the migration runner (src/store/clickhouse_migrations.ts).
CREATE DATABASE IF NOT EXISTS db_tickets;

CREATE TABLE IF NOT EXISTS db_tickets.tickets
(
{{ticket_columns}}
)
ENGINE = ReplacingMergeTree(scored_at)
PARTITION BY toYYYYMM(ingested_at)
ORDER BY ticket_id;
