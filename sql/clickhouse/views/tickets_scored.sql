-- The materialized views from the Kafka table (0003) into `tickets`, and into the dead letters. Derived, not
-- versioned: the migration runner recreates them whenever this text changes, e.g. when the ticket schema gains a
-- column (the ticket_columns_from_json placeholder reads every column of src/ticket/schema.ts out of a message).
-- Consumer offsets belong to the Kafka table's group, so recreated views go on from where the old ones stopped.
-- A message is a scored ticket when it parsed, has schema_version 1 and passes the scored_ticket_check placeholder:
-- the ticket schema's own check of every column (src/ticket/validate.ts, the one the store sink of a process makes);
-- the dead-letter view takes exactly the others.
CREATE MATERIALIZED VIEW IF NOT EXISTS db_tickets.tickets_scored_mv TO db_tickets.tickets AS
SELECT
{{ticket_columns_from_json}}
FROM db_tickets.tickets_scored_queue
WHERE length(_error) = 0
    AND schema_version = 1
    AND {{scored_ticket_check}};

CREATE MATERIALIZED VIEW IF NOT EXISTS db_tickets.tickets_scored_dead_letter_mv TO db_tickets.tickets_dead_letter AS
SELECT
    _topic AS topic,
    _partition AS partition,
    _offset AS offset,
    multiIf(
        length(_error) > 0, _error,
        schema_version <> 1, concat('unknown schema_version ', toString(schema_version)),
        'not a scored ticket of the schema (a column missing, or a value not of its type)'
    ) AS error,
    if(length(_error) > 0, _raw_message,
        concat('{"schema_version":', toString(schema_version), ',"value":', value, '}')) AS raw_message
FROM db_tickets.tickets_scored_queue
WHERE length(_error) > 0
    OR schema_version <> 1
    OR NOT ({{scored_ticket_check}});
