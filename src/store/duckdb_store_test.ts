import { DuckDBInstance } from "@duckdb/node-api";
import { deepStrictEqual, equal, rejects } from "node:assert/strict";
import { join } from "node:path";
import type { ScoredTicket } from "../ticket/schema.ts";
import { checkSignatureContract, checkUploadContract } from "../../tests/support/store_contract.ts";
import { scoredTicket } from "../../tests/support/tickets.ts";
import { DATABASE_FILE, openDuckDbStore } from "./duckdb_store.ts";
import type { Row } from "./store.ts";

/** Rows in ticket id order. */
const byTicketId = (rows: Row[]) => rows.toSorted((a, b) => String(a.ticket_id).localeCompare(String(b.ticket_id)));

Deno.test("dates and instants are stored as UTC, nulls as nulls", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await store.writeScored([scoredTicket({ resolved_at: null, satisfaction_rating: 4 })]);
    const [row] = await store.readMart("tickets_latest");
    equal(row.date_of_purchase, "2021-03-22T00:00:00.000Z");
    equal(row.first_response_at, "2023-06-01T12:15:00.000Z");
    equal(row.ingested_at, "2023-06-02T10:00:00.000Z");
    equal(row.resolved_at, null);
    equal(row.satisfaction_rating, 4);
  } finally {
    await store.close();
  }
});

Deno.test("text comes back as written, whatever characters it holds; instants with an offset are stored in UTC", async () => {
  const store = await openDuckDbStore(":memory:");
  const awkward = 'quote " backslash \\ newline\n tab\t nul\u0000 emoji 😀 line separator \u2028 <b>&amp;</b>';
  try {
    await store.writeScored([
      scoredTicket({ ticket_id: "a", ticket_description: awkward, ingested_at: "2023-06-02T12:00:00+02:00" }),
      // A lone surrogate can only come from a hand-made bus message; it is stored as U+FFFD, not refused.
      scoredTicket({ ticket_id: "b", ticket_subject: "half \ud800 a pair" }),
    ]);
    const rows = await store.readMart("tickets_latest").then(byTicketId);
    equal(rows.length, 2);
    equal(rows[0].ticket_description, awkward);
    equal(rows[0].ingested_at, "2023-06-02T10:00:00.000Z");
    equal(rows[1].ticket_subject, "half \ufffd a pair");
  } finally {
    await store.close();
  }
});

Deno.test("a batch the table refuses fails the write and stores none of it", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    const broken = { ...scoredTicket({ ticket_id: "2" }), model_version: null } as unknown as ScoredTicket;
    await rejects(store.writeScored([scoredTicket({ ticket_id: "1" }), broken]), /model_version/);
    equal((await store.readMart("tickets")).length, 0);
    await store.writeScored([scoredTicket({ ticket_id: "3" })]);
    equal((await store.readMart("tickets")).length, 1);
  } finally {
    await store.close();
  }
});

Deno.test("batches whose file cannot be written fail their writes, in turn, and the store goes on", async () => {
  const dataDir = await Deno.makeTempDir();
  const store = await openDuckDbStore(dataDir);
  try {
    // Both files fail at once (their folder is gone); the second write waits behind the first, and its failure
    // must reach its caller rather than end the process as an unhandled rejection (seen with a full disk).
    await Deno.remove(join(dataDir, "incoming"), { recursive: true });
    const writes = [1, 2].map((n) => store.writeScored([scoredTicket({ ticket_id: String(n) })]));
    for (const write of writes) await rejects(write, Deno.errors.NotFound);
    await Deno.mkdir(join(dataDir, "incoming"));
    await store.writeScored([scoredTicket({ ticket_id: "3" })]);
    deepStrictEqual((await store.readMart("tickets")).map((row) => row.ticket_id), ["3"]);
  } finally {
    await store.close();
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("batches written while a load runs are loaded together, in order, and each write answers for itself", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    const ids = () => store.readMart("tickets").then((rows) => rows.map((row) => row.ticket_id));
    // Written at once: the first load has not begun when the others arrive, so they wait and go in together.
    await Promise.all(["a", "b", "c", "d"].map((id) => store.writeScored([scoredTicket({ ticket_id: id })])));
    deepStrictEqual(await ids(), ["a", "b", "c", "d"]);
    // A batch the table refuses fails its own write only: the batches loaded with it are stored all the same.
    const broken = { ...scoredTicket({ ticket_id: "x" }), model_version: null } as unknown as ScoredTicket;
    const together = [
      store.writeScored([scoredTicket({ ticket_id: "e" })]),
      store.writeScored([broken, scoredTicket({ ticket_id: "y" })]),
      store.writeScored([scoredTicket({ ticket_id: "f" })]),
    ];
    await together[0];
    await rejects(together[1], /model_version/);
    await together[2];
    deepStrictEqual(await ids(), ["a", "b", "c", "d", "e", "f"]);
  } finally {
    await store.close();
  }
});

Deno.test("staged batches are stored at a flush, each upload answering for its own", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    const of = (upload_id: string, ticket_id: string) => scoredTicket({ upload_id, ticket_id });
    const broken = { ...of("u2", "x"), model_version: null } as unknown as ScoredTicket;
    await store.stageScored([of("u1", "a"), of("u1", "b")]);
    await store.stageScored([broken]);
    await store.stageScored([of("u1", "c"), of("u3", "d")]);
    await store.flushStaged("u1");
    await rejects(store.flushStaged("u2"), /model_version/);
    await store.flushStaged(); // u2's failure was reported to its own flush
    const ids = (await store.readMart("tickets").then(byTicketId)).map((row) => row.ticket_id);
    deepStrictEqual(ids, ["a", "b", "c", "d"]);
  } finally {
    await store.close();
  }
});

Deno.test("a staged batch nobody flushes is stored once staging goes quiet", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await store.stageScored([scoredTicket({ ticket_id: "quiet" })]);
    let rows = 0;
    for (let tries = 0; rows === 0 && tries < 500; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      rows = (await store.readMart("tickets")).length;
    }
    equal(rows, 1);
  } finally {
    await store.close();
  }
});

Deno.test("one row per ticket: the latest score wins, a tie goes to the later write, compaction keeps only it", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    const at = (time: string, model_version: string, ticket_id = "1") =>
      scoredTicket({ ticket_id, scored_at: `2023-06-02T10:00:0${time}.000Z`, model_version });
    await store.writeScored([at("5", "second"), at("1", "other ticket", "2")]);
    await store.writeScored([at("2", "older score, written later")]);
    await store.writeScored([at("5", "same time, written later")]);
    const latest = await store.readMart("tickets_latest").then(byTicketId);
    equal(latest.map((r) => r.model_version).join(" | "), "same time, written later | other ticket");
    equal((await store.readMart("tickets")).length, 4);
    await store.withMartSession(() => Promise.resolve());
    equal((await store.readMart("tickets")).length, 2);
    equal((await store.readMart("tickets_latest")).length, 2);
  } finally {
    await store.close();
  }
});

Deno.test("the tickets table follows the schema: a column it lacks is added, a changed type is refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "duckdb-schema-" });
  try {
    let store = await openDuckDbStore(dir);
    await store.writeScored([scoredTicket({ ticket_id: "old" })]);
    await store.close();
    // As if the file predated a column of the schema.
    const instance = await DuckDBInstance.create(join(dir, DATABASE_FILE));
    const connection = await instance.connect();
    await connection.run("ALTER TABLE tickets DROP COLUMN resolution");
    connection.closeSync();
    instance.closeSync();

    store = await openDuckDbStore(dir);
    await store.writeScored([scoredTicket({ ticket_id: "new", resolution: "replaced" })]);
    const rows = await store.readMart("tickets_latest").then(byTicketId);
    deepStrictEqual(rows.map((r) => [r.ticket_id, r.resolution]), [["new", "replaced"], ["old", null]]);
    await store.close();

    const again = await DuckDBInstance.create(join(dir, DATABASE_FILE));
    const altered = await again.connect();
    await altered.run("ALTER TABLE tickets ALTER customer_age TYPE INTEGER");
    altered.closeSync();
    again.closeSync();
    await rejects(openDuckDbStore(dir), /customer_age: stored INTEGER, schema SMALLINT/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("uploads count only once done; the latest counted copy wins; failed uploads never count", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await checkUploadContract(store);
    // Compaction dropped the failed upload's copies.
    equal((await store.readMart("tickets")).filter((row) => row.upload_id === "c").length, 0);
    await checkSignatureContract(store);
  } finally {
    await store.close();
  }
});

Deno.test("reading a mart takes a table name only: SQL in the name is refused and runs nowhere", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await store.writeScored([scoredTicket()]);
    await rejects(store.readMart("tickets_latest; DROP TABLE tickets"), /not a table name/);
    await rejects(store.readMart('tickets_latest" --'), /not a table name/);
    equal((await store.readMart("tickets_latest")).length, 1, "the tickets are still there");
  } finally {
    await store.close();
  }
});

Deno.test("a database whose uploads table has a key (before this release) opens without it, its uploads kept", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await (await openDuckDbStore(dir)).close();
    const instance = await DuckDBInstance.create(join(dir, DATABASE_FILE));
    const connection = await instance.connect();
    await connection.run(
      `CREATE OR REPLACE TABLE uploads AS SELECT * FROM uploads;
       ALTER TABLE uploads ADD PRIMARY KEY (upload_id);
       INSERT INTO uploads (upload_id, created_at, status, received, accepted, rejected)
       VALUES ('old', TIMESTAMP '2024-01-01 00:00:00', 'done', 3, 3, 0)`,
    );
    const keys =
      "SELECT count(*)::INTEGER FROM duckdb_constraints() WHERE table_name = 'uploads' AND constraint_type = 'PRIMARY KEY'";
    equal((await connection.runAndReadAll(keys)).getRows()[0][0], 1);
    connection.closeSync();
    instance.closeSync();

    const store = await openDuckDbStore(dir);
    try {
      equal((await store.getUpload("old"))?.status, "done");
      equal((await store.readMart("uploads")).filter((u) => u.upload_id === "old" && u.accepted === 3).length, 1);
    } finally {
      await store.close();
    }
    const reopened = await DuckDBInstance.create(join(dir, DATABASE_FILE));
    const after = await reopened.connect();
    equal((await after.runAndReadAll(keys)).getRows()[0][0], 0, "the key is gone");
    after.closeSync();
    reopened.closeSync();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
