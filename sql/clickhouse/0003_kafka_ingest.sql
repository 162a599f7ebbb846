-- Version 0003: ClickHouse pulls scored tickets from Kafka itself. Messages on `tickets_scored` are the bus
-- envelope {"schema_version":1,"value":{...ticket}}, read as JSONEachRow with `value` kept as a JSON string.
-- kafka_handle_error_mode = 'stream': a message that does not parse yields a row with _error set instead of
-- stopping the consumer; such rows, and envelopes of an unknown version or without a ticket id, go to
-- db_tickets.tickets_dead_letter with the raw message, where they can be inspected and replayed. The views that
-- move rows from the queue into `tickets` or the dead letters are in views/tickets_scored.sql.
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
