/**
 * The ClickHouse store on the real ClickHouse engine (chdb 3.4 = ClickHouse 26.7, in a child process), over HTTP
 * by `@clickhouse/client` through the fixture in `support/clickhouse_http.ts`:
 * - every file under `sql/clickhouse/` runs (Kafka-engine table and materialized views included), idempotently;
 * - the store keeps one row per ticket id (latest score wins), also across monthly partitions;
 * - the marts are the same on DuckDB and ClickHouse for the sample tickets, scored by the model (parity);
 * - a failing data test keeps the previous marts; upload records and scored counts; `openStore` picks ClickHouse;
 * - Kafka → ClickHouse: the Kafka-engine table consumes `tickets_scored` from a real local broker (Kafka 4.4.0),
 *   the view stores the tickets, broken or unknown messages land in the dead-letter table and the stream goes on.
 */
import assert from "node:assert/strict";
import { buildMarts } from "../src/marts/build.ts";
import { martNames } from "../src/marts/models.ts";
import { readTicketFile } from "../src/ingest/read_file.ts";
import { loadModel } from "../src/score/model.ts";
import { scoreTickets } from "../src/score/scorer.ts";
import { DATABASE, loadMigrations, loadViews } from "../src/store/clickhouse_migrations.ts";
import { BUILD_DATABASE, ClickHouseStore, MARTS_DATABASE, openClickHouseStore } from "../src/store/clickhouse_store.ts";
import { openDuckDbStore } from "../src/store/duckdb_store.ts";
import { openMartReader, openStore } from "../src/store/open.ts";
import type { Row } from "../src/store/store.ts";
import { loadConfig } from "../src/config.ts";
import { SCORED_SOURCES, type ScoredTicket, TICKET_COLUMNS } from "../src/ticket/schema.ts";
import { clickhouseTicketCheck, readTicket } from "../src/ticket/validate.ts";
import fc from "fast-check";
import { messageLike } from "./support/messages.ts";
import { type ClickHouseServer, startClickHouseServer } from "../scripts/clickhouse/server.ts";
import { needing } from "../scripts/means.ts";
import { EXCEL_SAMPLE, ISO_SAMPLE } from "../scripts/samples/paths.ts";
import { Kafka, logLevel } from "kafkajs";
import { TOPICS } from "../src/bus/bus.ts";
import { KafkaBus } from "../src/bus/kafka_bus.ts";
import { startLocalBroker } from "../scripts/kafka/broker.ts";
import { ensureTopics } from "../src/bus/kafka_topics.ts";
import { checkSignatureContract, checkUploadContract } from "./support/store_contract.ts";
import { startApp } from "../scripts/harness/app.ts";
import { scoredTicket, scoredTickets } from "./support/tickets.ts";

/** The samples, each uploaded in turn (the second holds the same ticket ids as the first). */
const SAMPLES = [EXCEL_SAMPLE, ISO_SAMPLE];

/** A fresh ClickHouse engine (its own process, migrated) behind the HTTP fixture, and a store on it. */
async function withClickHouse(work: (store: ClickHouseStore, server: ClickHouseServer) => Promise<void>) {
  const server = await startClickHouseServer();
  try {
    const store = await openClickHouseStore({ url: server.url });
    try {
      await store.migrate({ kafkaBrokers: ["127.0.0.1:9"] });
      await work(store, server);
    } finally {
      await store.close();
    }
  } finally {
    await server.close();
  }
}

Deno.test(
  await needing(["chdb"], {
    name: "every file in sql/clickhouse runs on the ClickHouse engine, and again without effect",
    fn: async () => {
      await withClickHouse(async (store, chdb) => {
        const migrations = await loadMigrations({ kafkaBrokers: ["127.0.0.1:9"] });
        assert.deepEqual(migrations.map((m) => m.file), [
          "0001_tickets.sql",
          "0002_uploads.sql",
          "0003_kafka_ingest.sql",
          "0004_overrides.sql",
          "0005_upload_progress.sql",
          "0006_subject_text.sql",
          "0007_dead_letters.sql",
        ]);
        assert.deepEqual(await store.migrate({ kafkaBrokers: ["127.0.0.1:9"] }), [], "a second run applies nothing");
        // Every statement is idempotent on its own as well (a run cut off half-way is run again).
        const views = await loadViews({ kafkaBrokers: ["127.0.0.1:9"] });
        for (const m of [...migrations, ...views]) for (const statement of m.statements) await chdb.sql(statement);
        const tables = Object.fromEntries(
          (await chdb.sql(`SELECT name, engine FROM system.tables WHERE database = '${DATABASE}'`)).map((
            r,
          ) => [r.name, r.engine]),
        );
        assert.deepEqual(tables, {
          schema_migrations: "ReplacingMergeTree",
          tickets: "ReplacingMergeTree",
          uploads: "ReplacingMergeTree",
          tickets_scored_queue: "Kafka",
          tickets_dead_letter: "MergeTree",
          tickets_scored_mv: "MaterializedView",
          tickets_scored_dead_letter_mv: "MaterializedView",
          dead_letters: "MergeTree",
          overrides: "MergeTree",
        });
        const [ddl] = await chdb.sql(
          `SELECT create_table_query AS q FROM system.tables WHERE name = 'tickets_scored_queue'`,
        );
        assert.match(String(ddl.q), /kafka_handle_error_mode = 'stream'/);
        const columns = Object.fromEntries(
          (await chdb.sql(`SELECT name, type, compression_codec FROM system.columns WHERE database = '${DATABASE}'
                       AND table = 'tickets'`)).map((r) => [r.name, r]),
        );
        assert.equal(columns.ticket_status.type, "LowCardinality(Nullable(String))");
        assert.equal(columns.priority_pred.type, "LowCardinality(String)");
        assert.match(String(columns.ticket_description.compression_codec), /ZSTD/);
        assert.match(String(columns.scored_at.compression_codec), /Delta/);
        const [table] = await chdb.sql(`SELECT partition_key, sorting_key FROM system.tables WHERE name = 'tickets'
                                AND database = '${DATABASE}'`);
        assert.deepEqual(table, {
          partition_key: "toYYYYMM(ingested_at)",
          sorting_key: "ticket_id, upload_id, ingested_at",
        });
        assert.deepEqual(Object.keys(columns), TICKET_COLUMNS.map((c) => c.name), "the schema's columns, in order");
      });
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "migrate follows the ticket schema: a column it lacks is added, a changed view is recreated, 0006 retypes",
    fn: async () => {
      await withClickHouse(async (store, chdb) => {
        // As if the table predated a column of the schema, and the view predated the current text.
        await chdb.sql(`ALTER TABLE ${DATABASE}.tickets DROP COLUMN resolution`);
        await chdb.sql(`ALTER TABLE ${DATABASE}.tickets_scored_mv MODIFY COMMENT 'an older version'`);
        assert.deepEqual(await store.migrate({ kafkaBrokers: ["127.0.0.1:9"] }), [
          "column resolution",
          "view tickets_scored.sql",
        ]);
        const [column] = await chdb.sql(`SELECT type FROM system.columns WHERE database = '${DATABASE}'
                                         AND table = 'tickets' AND name = 'resolution'`);
        assert.equal(column.type, "Nullable(String)");
        assert.deepEqual(await store.migrate({ kafkaBrokers: ["127.0.0.1:9"] }), [], "then nothing is left to do");
        // A table made with the first release's key (one row per ticket id) is re-keyed, its rows kept, and the
        // views made again so that they fill the new table.
        const ddl = String((await chdb.sql(`SHOW CREATE TABLE ${DATABASE}.tickets`))[0].statement);
        await chdb.sql(`DROP TABLE ${DATABASE}.tickets SYNC`);
        await chdb.sql(ddl.replace("ORDER BY (ticket_id, upload_id, ingested_at)", "ORDER BY ticket_id"));
        await store.writeScored(scoredTickets(5));
        assert.deepEqual(await store.migrate({ kafkaBrokers: ["127.0.0.1:9"] }), [
          "tickets key (ticket_id, upload_id, ingested_at)",
          "view tickets_scored.sql",
        ]);
        assert.equal((await store.listTickets({ limit: 10, offset: 0 })).total, 5);
        const [key] = await chdb.sql(`SELECT sorting_key FROM system.tables WHERE database = '${DATABASE}'
                                      AND name = 'tickets'`);
        assert.equal(key.sorting_key, "ticket_id, upload_id, ingested_at");
        assert.deepEqual(await store.migrate({ kafkaBrokers: ["127.0.0.1:9"] }), []);
        // A table from before 0006 holds the subject as a category of few values: 0006 makes it free text, rows kept.
        await chdb.sql(`ALTER TABLE ${DATABASE}.tickets MODIFY COLUMN ticket_subject LowCardinality(Nullable(String))`);
        await chdb.sql(
          `ALTER TABLE ${DATABASE}.schema_migrations DELETE WHERE version = '0006' SETTINGS mutations_sync = 2`,
        );
        assert.deepEqual(await store.migrate({ kafkaBrokers: ["127.0.0.1:9"] }), ["0006_subject_text.sql"]);
        const [subject] = await chdb.sql(`SELECT type FROM system.columns WHERE database = '${DATABASE}'
                                          AND table = 'tickets' AND name = 'ticket_subject'`);
        assert.equal(subject.type, "Nullable(String)");
        assert.equal((await store.listTickets({ limit: 10, offset: 0 })).total, 5);
        // A stored type that is not the schema's stops the run, naming the column.
        await chdb.sql(`ALTER TABLE ${DATABASE}.tickets MODIFY COLUMN satisfaction_rating Nullable(Float32)`);
        await assert.rejects(
          store.migrate({ kafkaBrokers: ["127.0.0.1:9"] }),
          /satisfaction_rating: stored Nullable\(Float32\), schema Nullable\(Float64\)/,
        );
      });
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "ClickHouse reads one row per ticket id, the latest copy, across monthly partitions",
    fn: async () => {
      await withClickHouse(async (store, chdb) => {
        const first = scoredTicket({ ticket_id: "7", priority_pred: "Low", ingested_at: "2024-01-31T23:00:00.000Z" });
        const later = scoredTicket({
          ticket_id: "7",
          priority_pred: "Critical",
          ingested_at: "2024-03-01T08:00:00.000Z",
          scored_at: "2024-03-01T08:00:01.000Z",
        });
        await store.writeScored([first]);
        await store.writeScored([later]);
        await store.writeScored([first]); // a late redelivery of the older score
        assert.equal((await chdb.sql(`SELECT count() AS n FROM ${DATABASE}.tickets`))[0].n, 3, "three rows stored");
        assert.equal(
          (await chdb.sql(`SELECT count() AS n FROM ${DATABASE}.tickets FINAL`))[0].n,
          2,
          "the redelivery is its earlier self",
        );
        const { rows } = await store.listTickets({ limit: 10, offset: 0 });
        assert.deepEqual(rows.map((r) => [r.ticket_id, r.priority_pred, r.scored_at]), [
          ["7", "Critical", "2024-03-01T08:00:01.000Z"],
        ]);
      });
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "ClickHouseStore: uploads, scored counts, marts published only when the data tests pass",
    fn: async () => {
      await withClickHouse(async (store, chdb) => {
        assert.equal(await store.getUpload("nope"), null);
        const upload = {
          upload_id: "u'1\t\\x",
          created_at: "2024-05-01T10:00:00.000Z",
          filename: "tickets.csv",
          bytes: 1234,
          uploaded_by: "ana",
          status: "receiving" as const,
          summary: null,
          failure: null,
        };
        await store.saveUpload(upload);
        await store.writeScored(scoredTickets(40, { upload_id: upload.upload_id }));
        await store.writeScored(scoredTickets(10, { upload_id: upload.upload_id })); // rescored: still 40 tickets
        const summary = { received: 40, accepted: 40, rejected: 0, errors: [], warnings: [], date_order: "ISO" };
        await store.saveUpload({ ...upload, status: "done", summary: summary as never });
        const got = await store.getUpload(upload.upload_id);
        assert.equal(got?.status, "done");
        assert.equal(got?.scored, 40);
        assert.deepEqual(got?.summary, summary);
        assert.equal(got?.created_at, "2024-05-01T10:00:00.000Z");

        const report = await buildMarts(store);
        assert.equal(report.error, null);
        assert.ok(report.ok);
        assert.equal((await store.readMart("mart_overview"))[0].tickets, 40);

        // A ticket whose probabilities do not add up fails a data test: the previous marts stay.
        await store.writeScored([scoredTicket({ ticket_id: "broken", p_low: 0.9, p_medium: 0.9 })]);
        const failed = await buildMarts(store);
        assert.equal(failed.ok, false);
        assert.match(String(failed.error), /stg_tickets_probabilities/);
        assert.equal((await store.readMart("mart_overview"))[0].tickets, 40, "the previous marts were kept");
        assert.deepEqual(
          await chdb.sql(`SELECT name FROM system.databases WHERE startsWith(name, '${BUILD_DATABASE}')`),
          [],
        );
        await assert.rejects(store.readMart("tickets; DROP TABLE x"), /not a mart name/);
      });
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "ClickHouseStore: uploads count only once done; the latest counted copy wins; one marts build at a time",
    fn: async () => {
      await withClickHouse(async (store, chdb) => {
        await checkUploadContract(store);
        // A crashed build left its scratch database, and two builds start at once: the lease lets one build at a
        // time, the first to hold it drops the leftover, and both publish whole marts.
        await chdb.sql(`CREATE DATABASE ${BUILD_DATABASE}_crashed`);
        const other = await openClickHouseStore({ url: chdb.url });
        const both = await Promise.all([buildMarts(store), buildMarts(other)]).finally(() => other.close());
        assert.deepEqual(both.map((r) => r.ok), [true, true]);
        assert.deepEqual(
          await chdb.sql(`SELECT name FROM system.databases WHERE startsWith(name, '${BUILD_DATABASE}')`),
          [],
        );
        assert.deepEqual(await chdb.sql(`SELECT name FROM system.tables WHERE name = 'marts_build_lease'`), []);
        assert.equal((await store.readMart("mart_overview"))[0].tickets, 6);

        // A holder killed mid-build stops renewing its lease: the next build waits until it lapses, then goes on.
        const lapses = Date.now() + 1_500;
        await chdb.sql(
          `CREATE TABLE ${DATABASE}.marts_build_lease (holder String) ENGINE = Memory COMMENT '${lapses} dead/1/x'`,
        );
        const waited = Date.now();
        assert.ok((await buildMarts(store)).ok);
        assert.ok(Date.now() >= lapses, `the build waited for the dead holder's lease (${Date.now() - waited} ms)`);
        assert.deepEqual(await chdb.sql(`SELECT name FROM system.tables WHERE name = 'marts_build_lease'`), []);

        // Two processes that find the same lapsed lease: one takes it over, the other waits; their builds never
        // overlap.
        await chdb.sql(
          `CREATE TABLE ${DATABASE}.marts_build_lease (holder String) ENGINE = Memory COMMENT '${
            Date.now() - 1
          } dead/2/y'`,
        );
        const spans: [number, number][] = [];
        const timed = (s: ClickHouseStore) =>
          s.withMartSession(async () => {
            const begun = performance.now();
            await new Promise((resolve) => setTimeout(resolve, 400));
            spans.push([begun, performance.now()]);
          });
        const second = await openClickHouseStore({ url: chdb.url });
        await Promise.all([timed(store), timed(second)]).finally(() => second.close());
        spans.sort((a, b) => a[0] - b[0]);
        assert.ok(spans[1][0] >= spans[0][1], `the two builds overlapped: ${JSON.stringify(spans)}`);
        await checkSignatureContract(store);
      });
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "marts are published whole: a reader pinned to one build reads all of it while the next is published",
    fn: async () => {
      await withClickHouse(async (store, chdb) => {
        await store.writeScored(scoredTickets(6));
        assert.ok((await buildMarts(store)).ok);
        const reader = await openMartReader(loadConfig({ CLICKHOUSE_URL: chdb.url }));
        try {
          await store.writeScored(scoredTickets(9));
          for (let i = 0; i < 2; i++) assert.ok((await buildMarts(store)).ok);
          assert.equal((await reader.readMart("mart_overview"))[0].tickets, 6, "the pinned reader's build");
          assert.equal((await store.readMart("mart_overview"))[0].tickets, 9, "the newest build");
        } finally {
          await reader.close();
        }
        for (let i = 0; i < 2; i++) assert.ok((await buildMarts(store)).ok);
        const published = await chdb.sql(
          `SELECT name FROM system.databases WHERE startsWith(name, '${MARTS_DATABASE}')`,
        );
        assert.equal(published.length, 3, "the newest builds are kept, older ones dropped");
      });
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "openStore and openMartReader use ClickHouse when CLICKHOUSE_URL is set",
    fn: async () => {
      await withClickHouse(async (store, server) => {
        const url = server.url;
        await store.writeScored(scoredTickets(8));
        const config = loadConfig({ CLICKHOUSE_URL: url });
        const opened = await openStore(config);
        try {
          assert.equal(opened.engine, "clickhouse");
          assert.ok((await buildMarts(opened)).ok);
        } finally {
          await opened.close();
        }
        const reader = await openMartReader(config);
        try {
          assert.equal((await reader.readMart("mart_overview"))[0].tickets, 8);
        } finally {
          await reader.close();
        }
      });
    },
  }),
);

/** The samples, each as its own upload, scored by the model. */
async function scoredSamples(): Promise<ScoredTicket[][]> {
  const model = await loadModel();
  const uploads: ScoredTicket[][] = [];
  for (const [i, path] of SAMPLES.entries()) {
    const batches: ScoredTicket[] = [];
    for await (const batch of readTicketFile(path)) {
      const ingested = batch.map((t) => ({
        ...t,
        upload_id: `dataset-${i}`,
        ingested_at: "2024-06-0" + (i + 1) + "T09:00:00.000Z",
      }));
      batches.push(...await scoreTickets(model, ingested));
    }
    uploads.push(batches);
  }
  return uploads;
}

function assertSameRows(mart: string, duck: Row[], click: Row[]): void {
  assert.equal(click.length, duck.length, `${mart}: row count`);
  assert.ok(duck.length > 0, `${mart}: has rows`);
  for (const [i, expected] of duck.entries()) {
    const actual = click[i];
    assert.deepEqual(Object.keys(actual), Object.keys(expected), `${mart} row ${i}: columns`);
    for (const [column, value] of Object.entries(expected)) {
      const other = actual[column];
      const where = `${mart} row ${i} column ${column}: DuckDB ${value}, ClickHouse ${other}`;
      if (typeof value === "number" && typeof other === "number" && !Number.isInteger(value)) {
        assert.ok(Math.abs(value - other) <= 1e-9, where);
      } else {
        assert.strictEqual(other, value, where);
      }
    }
  }
}

Deno.test(
  await needing(["chdb"], {
    name: "parity: the same scored tickets give the same marts on DuckDB and on ClickHouse",
    fn: async () => {
      const uploads = await scoredSamples();
      const duck = await openDuckDbStore(":memory:");
      try {
        await withClickHouse(async (click) => {
          for (const tickets of uploads) {
            for (let i = 0; i < tickets.length; i += 2048) {
              await duck.writeScored(tickets.slice(i, i + 2048));
              await click.writeScored(tickets.slice(i, i + 2048));
            }
          }
          // Agents override a few priorities (one ticket twice): the same labels and override marts on both.
          for (const store of [duck, click]) {
            for (const [id, priority] of [["1", "Critical"], ["2", "Low"], ["1", "Medium"], ["3", "High"]] as const) {
              const row = await store.overridePriority(id, priority, "agent@example.com");
              assert.deepEqual([row?.priority_label, row?.label_source], [priority, "agent"]);
            }
            assert.equal(await store.overridePriority("no-such-ticket", "Low", null), null);
          }
          const [duckReport, clickReport] = [await buildMarts(duck), await buildMarts(click)];
          assert.equal(duckReport.error, null);
          assert.equal(clickReport.error, null);
          assert.deepEqual(clickReport.marts, duckReport.marts, "row counts per mart");
          assert.deepEqual(
            clickReport.tests.map((t) => [t.name, t.passed]),
            duckReport.tests.map((t) => [t.name, t.passed]),
          );
          const names = [...await martNames()].sort();
          assert.ok(names.length >= 12);
          for (const name of names) assertSameRows(name, await duck.readMart(name), await click.readMart(name));
          const [overview] = await click.readMart("mart_overview");
          assert.equal(overview.tickets, 8469, "both uploads hold the same ids: the second replaced the first");
        });
      } finally {
        await duck.close();
      }
    },
  }),
);

Deno.test(
  await needing(["chdb", "kafka"], {
    name: "Kafka → ClickHouse: the Kafka engine consumes tickets_scored, dead-letters broken messages",
    fn: async () => {
      const broker = await startLocalBroker({ quiet: true });
      const kafka = new Kafka({ brokers: [broker.brokers], clientId: "clickhouse-test", logLevel: logLevel.NOTHING });
      const bus = new KafkaBus({ brokers: [broker.brokers], clientId: "clickhouse-test" });
      const chdb = await startClickHouseServer();
      try {
        await ensureTopics(kafka, 3, 1);
        const tickets = scoredTickets(30);
        tickets[0] = { ...tickets[0], resolved_at: "2023-06-03 08:00:00", satisfaction_rating: 4, customer_age: null };
        // The scorer's own envelope, via the project's Kafka bus; then poison, and a redelivery of five tickets.
        await bus.publish(TOPICS.scored, tickets.map((t) => ({ key: t.ticket_id, value: t })));
        const producer = kafka.producer();
        await producer.connect();
        await producer.send({
          topic: TOPICS.scored,
          messages: [
            { key: "poison", value: "{not json" },
            { key: "v2", value: JSON.stringify({ schema_version: 2, value: { ticket_id: "x" } }) },
            { key: "empty", value: JSON.stringify({ schema_version: 1, value: { note: "no ticket" } }) },
            // A scored ticket but for one column of the wrong type: the store sink of a process refuses it, so does
            // ClickHouse (it once stored it with a zero).
            {
              key: "wrong-age",
              value: JSON.stringify({
                schema_version: 1,
                value: { ...scoredTicket({ ticket_id: "wrong-age", upload_id: "u-dead" }), customer_age: "old" },
              }),
            },
          ],
        });
        await producer.disconnect();
        await bus.publish(TOPICS.scored, tickets.slice(0, 5).map((t) => ({ key: t.ticket_id, value: t })));

        const values = { kafkaBrokers: [broker.brokers], kafkaGroup: "clickhouse_test" };
        for (const m of [...await loadMigrations(values), ...await loadViews(values)]) {
          for (const statement of m.statements) await chdb.sql(statement);
        }
        // 35 rows arrive; background merges may already have collapsed the 5 redelivered ones.
        const counts = async () =>
          (await chdb.sql(`SELECT (SELECT count() FROM ${DATABASE}.tickets FINAL) AS tickets,
                              (SELECT count() FROM ${DATABASE}.tickets_dead_letter) AS dead,
                              (SELECT uniqExact(ticket_id, scored_at) FROM ${DATABASE}.tickets) AS versions`))[0];
        const expected = { tickets: 30, dead: 4, versions: 30 };
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline && JSON.stringify(await counts()) !== JSON.stringify(expected)) {
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        assert.deepEqual(await counts(), expected, "30 tickets (5 of them delivered twice) and 4 dead letters");
        const [first] = await chdb.sql(
          `SELECT ticket_id, customer_age, date_of_purchase, first_response_at, resolved_at, satisfaction_rating,
              priority_pred, p_medium, upload_id, ingested_at, scored_at
       FROM ${DATABASE}.tickets FINAL WHERE ticket_id = '1'`,
        );
        assert.deepEqual(first, {
          ticket_id: "1",
          customer_age: null,
          date_of_purchase: tickets[0].date_of_purchase,
          first_response_at: `${tickets[0].first_response_at}.000`,
          resolved_at: "2023-06-03 08:00:00.000",
          satisfaction_rating: 4,
          priority_pred: tickets[0].priority_pred,
          p_medium: tickets[0].p_medium,
          upload_id: tickets[0].upload_id,
          ingested_at: "2023-06-02 10:00:00.000",
          scored_at: "2023-06-02 10:00:01.000",
        });
        const dead = await chdb.sql(
          `SELECT error, raw_message FROM ${DATABASE}.tickets_dead_letter ORDER BY raw_message`,
        );
        assert.deepEqual(dead.map((d) => d.raw_message).filter((m) => !String(m).includes("wrong-age")), [
          JSON.stringify({ schema_version: 1, value: { note: "no ticket" } }),
          JSON.stringify({ schema_version: 2, value: { ticket_id: "x" } }),
          "{not json",
        ]);
        const errorOf = (part: string) => String(dead.find((d) => String(d.raw_message).includes(part))?.error);
        assert.match(errorOf('"note"'), /not a scored ticket/);
        assert.match(errorOf("wrong-age"), /not a scored ticket/);
        assert.match(errorOf('"schema_version":2'), /unknown schema_version 2/);
        assert.match(errorOf("{not json"), /JSON/);
        // The dead letter counts against its upload, as the app's own do.
        const store = await openClickHouseStore({ url: chdb.url });
        try {
          await store.saveUpload({
            upload_id: "u-dead",
            created_at: "2023-06-02T10:00:00.000Z",
            filename: null,
            bytes: null,
            uploaded_by: null,
            status: "done",
            summary: null,
            failure: null,
          });
          assert.equal((await store.getUpload("u-dead"))?.dead_lettered, 1);
        } finally {
          await store.close();
        }
      } finally {
        await chdb.close(); // stops the engine and its consumer
        await bus.close();
        await broker.stop();
      }
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "parity at the edges: an empty store, then tickets with every optional value missing",
    fn: async () => {
      const duck = await openDuckDbStore(":memory:");
      try {
        await withClickHouse(async (click) => {
          const compare = async () => {
            const [d, c] = [await buildMarts(duck), await buildMarts(click)];
            assert.equal(d.error, null);
            assert.equal(c.error, null);
            for (const name of [...await martNames()].sort()) {
              const [dr, cr] = [await duck.readMart(name), await click.readMart(name)];
              assert.equal(cr.length, dr.length, `${name}: row count`);
              if (dr.length > 0) assertSameRows(name, dr, cr);
            }
          };
          await compare();
          const sparse = scoredTickets(12).map((t, i) => ({
            ...t,
            customer_age: i % 2 ? null : t.customer_age,
            customer_gender: i % 3 ? null : t.customer_gender,
            ticket_status: i % 4 ? null : t.ticket_status,
            ticket_type: null,
            product_purchased: i % 5 ? null : t.product_purchased,
            priority_label: i % 2 ? null : t.priority_label,
            first_response_at: i % 3 ? null : t.first_response_at,
            date_of_purchase: i % 2 ? null : t.date_of_purchase,
            ticket_channel: null,
          }));
          await duck.writeScored(sparse);
          await click.writeScored(sparse);
          await compare();
        });
      } finally {
        await duck.close();
      }
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "src/commands/db_migrate.ts (deno task db:migrate) applies the migrations once, over HTTP",
    fn: async () => {
      const chdb = await startClickHouseServer();
      const http = chdb;
      try {
        const run = async () => {
          const out = await new Deno.Command(Deno.execPath(), {
            args: ["run", "-A", "src/commands/db_migrate.ts", "--wait", "5"],
            cwd: new URL("../", import.meta.url),
            env: { CLICKHOUSE_URL: http.url, KAFKA_BROKERS: "127.0.0.1:9" },
            stdout: "piped",
            stderr: "piped",
          }).output();
          const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
          assert.ok(out.success, text);
          return text;
        };
        assert.match(
          await run(),
          /applied: 0001_tickets.sql, 0002_uploads.sql, 0003_kafka_ingest.sql, 0004_overrides.sql, 0005_upload_progress.sql, 0006_subject_text.sql, 0007_dead_letters.sql, view tickets_scored.sql/,
        );
        assert.match(await run(), /the schema is up to date/);
        assert.equal((await chdb.sql(`SELECT count() AS n FROM ${DATABASE}.schema_migrations FINAL`))[0].n, 7);
      } finally {
        await chdb.close();
      }
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "/healthz answers 503 with the reason (and no address) when ClickHouse stops answering; /livez stays 200",
    fn: async () => {
      const chdb = await startClickHouseServer();
      const migrator = await openClickHouseStore({ url: chdb.url });
      await migrator.migrate({ kafkaBrokers: [] });
      await migrator.close();
      const app = await startApp({ CLICKHOUSE_URL: chdb.url });
      try {
        const health = async () => {
          const response = await fetch(`${app.base}/healthz`);
          return { status: response.status, body: await response.json() };
        };
        assert.equal((await health()).status, 200);
        await chdb.close();
        const down = await health();
        assert.equal(down.status, 503);
        assert.deepEqual(down.body.problems, ["the store does not answer"]);
        assert.equal(down.body.live, true);
        assert.ok(!JSON.stringify(down.body).includes(new URL(chdb.url).port), "no address in the answer");
        assert.equal((await fetch(`${app.base}/livez`)).status, 200);
      } finally {
        await app.close();
      }
    },
  }),
);

Deno.test(
  await needing(["chdb"], {
    name: "one check of a scored ticket: ClickHouse's view accepts exactly the messages the store sink accepts",
    fn: async () => {
      const check = clickhouseTicketCheck(SCORED_SOURCES);
      // Messages arrive as JSON: each side judges the value as JSON gives it back.
      const values = fc.sample(messageLike(scoredTicket() as unknown as Record<string, unknown>), {
        numRuns: 400,
        seed: 7,
      })
        .map((m) => m.value)
        .filter((v) => typeof v === "object" && v !== null && !Array.isArray(v))
        .map((v) => JSON.stringify(v));
      const literal = (text: string) => `'${text.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
      await withClickHouse(async (_store, chdb) => {
        const rows = await chdb.sql(
          `SELECT i, toUInt8(${check}) AS ok FROM (SELECT arrayJoin(arrayEnumerate(values)) AS i, values[i] AS value
           FROM (SELECT [${values.map(literal).join(",")}] AS values)) ORDER BY i`,
        );
        const sql = rows.map((r) => Number(r.ok) === 1);
        const ts = values.map((v) => "ticket" in readTicket(JSON.parse(v), SCORED_SOURCES));
        const disagreements = values.filter((_, i) => sql[i] !== ts[i]).map((v, i) => `${ts[i]} vs SQL: ${v}`);
        assert.deepEqual(disagreements.slice(0, 5), []);
        assert.ok(ts.filter(Boolean).length > 20 && ts.filter((ok) => !ok).length > 20, "both kinds were tried");
        console.log(`${values.length} messages: ${ts.filter(Boolean).length} accepted by both, the rest by neither`);
      });
    },
  }),
);
