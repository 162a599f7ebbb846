-- The embedded store (DuckDB). Scored tickets are appended as they come (a unique key would make every write an
-- upsert, which measured 2× slower than appending); `tickets_latest` keeps one row per ticket, the latest score,
-- like ClickHouse's ReplacingMergeTree, and older copies are compacted away after each marts build.
-- Personal data never reaches the store.
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id           VARCHAR NOT NULL,
    customer_age        SMALLINT,
    customer_gender     VARCHAR,
    product_purchased   VARCHAR,
    date_of_purchase    DATE,
    ticket_type         VARCHAR,
    ticket_subject      VARCHAR,
    ticket_description  VARCHAR,
    ticket_status       VARCHAR,
    resolution          VARCHAR,
    priority_label      VARCHAR,
    ticket_channel      VARCHAR,
    first_response_at   TIMESTAMP,
    resolved_at         TIMESTAMP,
    satisfaction_rating DOUBLE,
    priority_pred       VARCHAR NOT NULL,
    p_low               DOUBLE NOT NULL,
    p_medium            DOUBLE NOT NULL,
    p_high              DOUBLE NOT NULL,
    p_critical          DOUBLE NOT NULL,
    model_version       VARCHAR NOT NULL,
    upload_id           VARCHAR NOT NULL,
    ingested_at         TIMESTAMP NOT NULL,
    scored_at           TIMESTAMP NOT NULL
);

-- One row per ticket: the latest score wins (ties: the later write).
CREATE OR REPLACE VIEW tickets_latest AS
SELECT * FROM tickets
QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY scored_at DESC, rowid DESC) = 1;

-- Every upload, whatever became of it: the summary accounts for each row it received.
CREATE TABLE IF NOT EXISTS uploads (
    upload_id    VARCHAR PRIMARY KEY,
    created_at   TIMESTAMP NOT NULL,
    filename     VARCHAR,
    bytes        BIGINT,
    status       VARCHAR NOT NULL,   -- receiving | done | failed
    received     BIGINT NOT NULL DEFAULT 0,
    accepted     BIGINT NOT NULL DEFAULT 0,
    rejected     BIGINT NOT NULL DEFAULT 0,
    summary      VARCHAR,            -- the JSON the API answers with
    failure      VARCHAR
);
