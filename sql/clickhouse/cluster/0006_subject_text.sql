-- Cluster version 0006: the subject is free text (the single node's 0006), on every shard's replicas and on the
-- Distributed table that reads them.
ALTER TABLE db_tickets.tickets_local ON CLUSTER '{cluster}'
    MODIFY COLUMN IF EXISTS ticket_subject Nullable(String) CODEC(ZSTD(3));

ALTER TABLE db_tickets.tickets ON CLUSTER '{cluster}' MODIFY COLUMN IF EXISTS ticket_subject Nullable(String);
