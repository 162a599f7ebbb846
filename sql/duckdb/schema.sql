-- The embedded store (DuckDB). The `tickets` table itself is made from the ticket schema by the store
-- (src/store/ticket_table.ts) before this file runs. Scored tickets are appended as they come (a unique key would
-- make every write an upsert, which measured 2× slower than appending); `tickets_latest` keeps one row per ticket,
-- the latest counted copy (see src/store/store.ts), and older copies are compacted away after each marts build.
-- Personal data never reaches the store.

-- Which store this file is, made once: with Kafka, the file's sink reads `tickets_scored` as a consumer group of its
-- own (store-sink-<store_id>), so every file sees every scored ticket however many web servers run.
CREATE TABLE IF NOT EXISTS store_identity (store_id VARCHAR NOT NULL);
INSERT INTO store_identity SELECT uuid()::VARCHAR WHERE NOT EXISTS (SELECT 1 FROM store_identity);

-- Every upload, whatever became of it: the summary accounts for each row it received. One row per upload_id, kept
-- so by the store (it writes one upload at a time), not by a key: a key's index that a write failed under (the disk
-- full) made DuckDB stop the whole process at the next save of that upload.
CREATE TABLE IF NOT EXISTS uploads (
    upload_id    VARCHAR NOT NULL,
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
-- Added after the first release: who uploaded (with authentication), and when the record was last saved (a
-- receiving upload saves it every few seconds).
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS uploaded_by VARCHAR;
ALTER TABLE uploads ADD COLUMN IF NOT EXISTS updated_at TIMESTAMP;

-- Uploads whose tickets do not count: still receiving, or failed.
CREATE OR REPLACE VIEW uploads_uncounted AS SELECT upload_id FROM uploads WHERE status <> 'done';

-- Tickets with more than one counted copy, and which copy is the latest (by ingest time, then score time; ties:
-- the later write). Usually empty, since compaction removes older copies after each marts build. The
-- `tickets_latest` view (one row per ticket) is created by the store from this one (src/store/duckdb_store.ts).
-- A first pass groups 64-bit hashes of the ids (a hash table half the size, measured 60 MB less memory and 2.5×
-- faster on 1,000,000 tickets); the exact pass sees only the rows whose hash repeats.
CREATE OR REPLACE VIEW tickets_repeated AS
WITH counted AS (
    SELECT ticket_id, rowid AS copy, ingested_at, scored_at FROM tickets
    WHERE upload_id NOT IN (SELECT upload_id FROM uploads_uncounted)
),
repeated_hashes AS (
    SELECT hash(ticket_id) AS id_hash FROM counted GROUP BY id_hash HAVING count(*) > 1
)
SELECT ticket_id, arg_max(copy, (ingested_at, scored_at, copy)) AS latest_copy
FROM counted
WHERE hash(ticket_id) IN (SELECT id_hash FROM repeated_hashes)
GROUP BY ticket_id
HAVING count(*) > 1;

-- What agents said a ticket's priority is, append-only: the ticket's label is its latest override (the
-- `tickets_current` view, created by the store), and the earlier label, the prediction the agent disagreed with and
-- who said so (when authentication gives an identity) are kept.
CREATE TABLE IF NOT EXISTS overrides (
    ticket_id       VARCHAR NOT NULL,
    priority        VARCHAR NOT NULL,
    previous_label  VARCHAR,
    previous_source VARCHAR,
    predicted       VARCHAR,
    model_version   VARCHAR,
    agent           VARCHAR,
    overridden_at   TIMESTAMP NOT NULL
);

-- Tickets a stage could not use, with why (the dead-letter topic's messages, recorded by the app): every ticket of
-- an upload is stored or dead-lettered, and the upload's status counts both.
CREATE TABLE IF NOT EXISTS dead_letters (
    upload_id   VARCHAR,
    ticket_id   VARCHAR,
    stage       VARCHAR NOT NULL,
    reason      VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
