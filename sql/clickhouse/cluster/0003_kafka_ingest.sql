-- Cluster version 0003: every node runs its own Kafka-engine table on `tickets_scored`, all in one consumer group,
-- so Kafka spreads the topic's partitions over the four nodes and each message is read by one of them. What a node
-- reads goes through the views (views/tickets_scored.sql) into the Distributed tables, which send each ticket to
-- its shard: which node consumed a message does not decide where it is stored. With 6 partitions and 4 nodes, two
-- nodes read two partitions each; more consumers than partitions would sit idle.
-- The kafka_brokers and kafka_group placeholders are filled in when the SQL is rendered
-- (src/commands/db_cluster_sql.ts); the settings are the single node's.
CREATE TABLE IF NOT EXISTS db_tickets.tickets_scored_queue ON CLUSTER '{cluster}'
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

-- Dead letters are sharded like tickets, by a hash of where the message was (partition and offset): spread evenly,
-- and a message delivered twice lands both times on the same shard, beside its first copy.
CREATE TABLE IF NOT EXISTS db_tickets.tickets_dead_letter_local ON CLUSTER '{cluster}'
(
    received_at DateTime64(3, 'UTC') DEFAULT now64(3) CODEC(Delta(8), ZSTD(1)),
    topic       LowCardinality(String),
    partition   UInt64,
    offset      UInt64,
    error       String,
    raw_message String CODEC(ZSTD(3))
)
ENGINE = ReplicatedMergeTree('/clickhouse/tables/{shard}/{database}/{table}', '{replica}')
PARTITION BY toYYYYMM(received_at)
ORDER BY (received_at, topic, partition, offset)
TTL toDateTime(received_at) + INTERVAL 90 DAY;

CREATE TABLE IF NOT EXISTS db_tickets.tickets_dead_letter ON CLUSTER '{cluster}' AS db_tickets.tickets_dead_letter_local
ENGINE = Distributed('{cluster}', db_tickets, tickets_dead_letter_local, cityHash64(partition, offset));
