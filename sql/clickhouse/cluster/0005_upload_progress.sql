-- Cluster version 0005: who uploaded, and when the record was last saved (the single node's 0005). Not ON CLUSTER:
-- `uploads` is one replicated table on all four nodes, and an ALTER of a replicated table reaches every replica
-- through Keeper. ON CLUSTER would run it once per shard of the cluster, twice on the same table.
ALTER TABLE db_tickets.uploads ADD COLUMN IF NOT EXISTS uploaded_by Nullable(String);

ALTER TABLE db_tickets.uploads ADD COLUMN IF NOT EXISTS updated_at DateTime64(3, 'UTC') DEFAULT now64(3);
