-- Version 0001: the tickets store. Every copy of a ticket is kept per upload and batch (ingested_at); a copy
-- delivered or scored again replaces its earlier self (ReplacingMergeTree on scored_at, read with FINAL). Readers
-- take each ticket's latest copy among uploads that are done (src/store/clickhouse_store.ts), so an upload that
-- failed half-way never counts. Personal data never reaches it.
-- The ticket_columns placeholder is the ticket schema's column list (src/ticket/schema.ts), tickets_engine the
-- engine and key (src/store/clickhouse_migrations.ts); the migration runner adds columns the schema gains later
-- and re-keys a table made with an earlier key.
CREATE DATABASE IF NOT EXISTS db_tickets;

CREATE TABLE IF NOT EXISTS db_tickets.tickets
(
{{ticket_columns}}
)
ENGINE = {{tickets_engine}};
