-- Version 0006: the subject is free text (the model reads it with the description; helpdesk exports put a ticket's
-- words in either), no longer a category of a few values: a plain compressed string, not LowCardinality.
ALTER TABLE db_tickets.tickets MODIFY COLUMN IF EXISTS ticket_subject Nullable(String) CODEC(ZSTD(3));
