-- The embedded store (DuckDB): one row per ticket, the latest score wins. Personal data never reaches it.
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id           VARCHAR PRIMARY KEY,
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
