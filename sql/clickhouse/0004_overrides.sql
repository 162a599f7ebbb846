-- Version 0004: what agents said a ticket's priority is, append-only. The ticket's label is its latest override
-- (readers join each ticket's latest row here, see src/store/store.ts withOverrides); the earlier label, the
-- prediction the agent disagreed with and who said so (when authentication gives an identity) are kept.
CREATE TABLE IF NOT EXISTS db_tickets.overrides
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
ENGINE = MergeTree
ORDER BY (ticket_id, overridden_at);
