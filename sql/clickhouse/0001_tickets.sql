-- Version 0001: the tickets store. One row per ticket id in the end: ReplacingMergeTree keeps the row with the
-- latest scored_at, and readers that must not double-count read with FINAL (which also collapses copies that sit
-- in different monthly partitions, e.g. a ticket re-uploaded a month later). Personal data never reaches it.
CREATE DATABASE IF NOT EXISTS db_tickets;

CREATE TABLE IF NOT EXISTS db_tickets.tickets
(
    ticket_id           String,
    customer_age        Nullable(UInt8),
    customer_gender     LowCardinality(Nullable(String)),
    product_purchased   LowCardinality(Nullable(String)),
    date_of_purchase    Nullable(Date),
    ticket_type         LowCardinality(Nullable(String)),
    ticket_subject      LowCardinality(Nullable(String)),
    ticket_description  Nullable(String) CODEC(ZSTD(3)),
    ticket_status       LowCardinality(Nullable(String)),
    resolution          Nullable(String) CODEC(ZSTD(3)),
    priority_label      LowCardinality(Nullable(String)),
    ticket_channel      LowCardinality(Nullable(String)),
    first_response_at   Nullable(DateTime64(3, 'UTC')) CODEC(Delta(8), ZSTD(1)),
    resolved_at         Nullable(DateTime64(3, 'UTC')) CODEC(Delta(8), ZSTD(1)),
    satisfaction_rating Nullable(Float64),
    priority_pred       LowCardinality(String),
    p_low               Float64,
    p_medium            Float64,
    p_high              Float64,
    p_critical          Float64,
    model_version       LowCardinality(String),
    upload_id           String CODEC(ZSTD(1)),
    ingested_at         DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1)),
    scored_at           DateTime64(3, 'UTC') CODEC(Delta(8), ZSTD(1))
)
ENGINE = ReplacingMergeTree(scored_at)
PARTITION BY toYYYYMM(ingested_at)
ORDER BY ticket_id;
