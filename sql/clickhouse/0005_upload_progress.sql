-- Version 0005: who uploaded (with authentication), and when the record was last saved: a receiving upload
-- saves it every few seconds, so one whose server died is recognised as stale and marked failed.
ALTER TABLE db_tickets.uploads ADD COLUMN IF NOT EXISTS uploaded_by Nullable(String);

ALTER TABLE db_tickets.uploads ADD COLUMN IF NOT EXISTS updated_at DateTime64(3, 'UTC') DEFAULT now64(3);
