-- Version 0003: ClickHouse pulls scored tickets from Kafka itself. Messages on `tickets_scored` are the bus
-- envelope {"schema_version":1,"value":{...ticket}}, read as JSONEachRow with `value` kept as a JSON string.
-- kafka_handle_error_mode = 'stream': a message that does not parse yields a row with _error set instead of
-- stopping the consumer; such rows, and envelopes of an unknown version or without a ticket id, go to
-- db_tickets.tickets_dead_letter with the raw message, where they can be inspected and replayed.
-- {{kafka_brokers}} and {{kafka_group}} are filled in by the migration runner (deno task db:migrate).
CREATE TABLE IF NOT EXISTS db_tickets.tickets_scored_queue
(
    schema_version UInt16,
    value          String
)
ENGINE = Kafka
SETTINGS
    kafka_broker_list = '{{kafka_brokers}}',
    kafka_topic_list = 'tickets_scored',
    kafka_group_name = '{{kafka_group}}',
    kafka_format = 'JSONEachRow',
    kafka_num_consumers = 1,
    kafka_handle_error_mode = 'stream',
    input_format_json_read_objects_as_strings = 1;

CREATE TABLE IF NOT EXISTS db_tickets.tickets_dead_letter
(
    received_at DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta(8), ZSTD(1)),
    topic       LowCardinality(String),
    partition   UInt64,
    offset      UInt64,
    error       String,
    raw_message String CODEC(ZSTD(3))
)
ENGINE = MergeTree
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, topic, partition, offset)
TTL toDateTime(received_at) + INTERVAL 90 DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS db_tickets.tickets_scored_mv TO db_tickets.tickets AS
SELECT
    JSONExtractString(value, 'ticket_id') AS ticket_id,
    JSONExtract(value, 'customer_age', 'Nullable(UInt8)') AS customer_age,
    JSONExtract(value, 'customer_gender', 'Nullable(String)') AS customer_gender,
    JSONExtract(value, 'product_purchased', 'Nullable(String)') AS product_purchased,
    toDateOrNull(JSONExtract(value, 'date_of_purchase', 'Nullable(String)')) AS date_of_purchase,
    JSONExtract(value, 'ticket_type', 'Nullable(String)') AS ticket_type,
    JSONExtract(value, 'ticket_subject', 'Nullable(String)') AS ticket_subject,
    JSONExtract(value, 'ticket_description', 'Nullable(String)') AS ticket_description,
    JSONExtract(value, 'ticket_status', 'Nullable(String)') AS ticket_status,
    JSONExtract(value, 'resolution', 'Nullable(String)') AS resolution,
    JSONExtract(value, 'priority_label', 'Nullable(String)') AS priority_label,
    JSONExtract(value, 'ticket_channel', 'Nullable(String)') AS ticket_channel,
    parseDateTime64BestEffortOrNull(JSONExtract(value, 'first_response_at', 'Nullable(String)'), 3, 'UTC')
        AS first_response_at,
    parseDateTime64BestEffortOrNull(JSONExtract(value, 'resolved_at', 'Nullable(String)'), 3, 'UTC') AS resolved_at,
    JSONExtract(value, 'satisfaction_rating', 'Nullable(Float64)') AS satisfaction_rating,
    JSONExtractString(value, 'priority_pred') AS priority_pred,
    JSONExtractFloat(value, 'p_low') AS p_low,
    JSONExtractFloat(value, 'p_medium') AS p_medium,
    JSONExtractFloat(value, 'p_high') AS p_high,
    JSONExtractFloat(value, 'p_critical') AS p_critical,
    JSONExtractString(value, 'model_version') AS model_version,
    JSONExtractString(value, 'upload_id') AS upload_id,
    parseDateTime64BestEffort(JSONExtractString(value, 'ingested_at'), 3, 'UTC') AS ingested_at,
    parseDateTime64BestEffort(JSONExtractString(value, 'scored_at'), 3, 'UTC') AS scored_at
FROM db_tickets.tickets_scored_queue
WHERE length(_error) = 0
    AND schema_version = 1
    AND JSONExtractString(value, 'ticket_id') <> ''
    AND JSONExtractString(value, 'priority_pred') IN ('Low', 'Medium', 'High', 'Critical')
    AND isNotNull(parseDateTime64BestEffortOrNull(JSONExtractString(value, 'scored_at'), 3, 'UTC'))
    AND isNotNull(parseDateTime64BestEffortOrNull(JSONExtractString(value, 'ingested_at'), 3, 'UTC'));

CREATE MATERIALIZED VIEW IF NOT EXISTS db_tickets.tickets_scored_dead_letter_mv TO db_tickets.tickets_dead_letter AS
SELECT
    _topic AS topic,
    _partition AS partition,
    _offset AS offset,
    multiIf(
        length(_error) > 0, _error,
        schema_version <> 1, concat('unknown schema_version ', toString(schema_version)),
        'not a scored ticket (ticket_id, priority_pred, ingested_at or scored_at missing or unreadable)'
    ) AS error,
    if(length(_error) > 0, _raw_message,
        concat('{"schema_version":', toString(schema_version), ',"value":', value, '}')) AS raw_message
FROM db_tickets.tickets_scored_queue
WHERE length(_error) > 0
    OR schema_version <> 1
    OR JSONExtractString(value, 'ticket_id') = ''
    OR JSONExtractString(value, 'priority_pred') NOT IN ('Low', 'Medium', 'High', 'Critical')
    OR isNull(parseDateTime64BestEffortOrNull(JSONExtractString(value, 'scored_at'), 3, 'UTC'))
    OR isNull(parseDateTime64BestEffortOrNull(JSONExtractString(value, 'ingested_at'), 3, 'UTC'));
