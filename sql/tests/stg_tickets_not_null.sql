-- Columns every mart relies on are never null.
SELECT ticket_id
FROM stg_tickets
WHERE ticket_id IS NULL OR priority_pred IS NULL OR priority_rank IS NULL OR confidence IS NULL
    OR model_version IS NULL OR upload_id IS NULL OR ingested_at IS NULL OR scored_at IS NULL
