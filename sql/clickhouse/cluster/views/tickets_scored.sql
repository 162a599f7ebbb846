-- The materialized views from each node's Kafka table (0003) into the Distributed `tickets` and
-- `tickets_dead_letter`, which route every row to its shard. The SELECTs are the single node's
-- (sql/clickhouse/views/tickets_scored.sql) word for word, and tests/clickhouse_cluster_test.ts holds them to it;
-- only ON CLUSTER is added. Not recreated automatically when the text changes: drop both views ON CLUSTER first
-- (README.md here). Offsets belong to the Kafka table's group, so recreated views go on where the old ones stopped.
CREATE MATERIALIZED VIEW IF NOT EXISTS db_tickets.tickets_scored_mv ON CLUSTER '{cluster}' TO db_tickets.tickets AS
SELECT
{{ticket_columns_from_json}}
FROM db_tickets.tickets_scored_queue
WHERE length(_error) = 0
    AND schema_version = 1
    AND {{scored_ticket_check}};

CREATE MATERIALIZED VIEW IF NOT EXISTS db_tickets.tickets_scored_dead_letter_mv ON CLUSTER '{cluster}'
TO db_tickets.tickets_dead_letter AS
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
