/**
 * What every store engine must do with uploads, whatever it is (the DuckDB test and the ClickHouse test both run
 * these on a fresh store): a ticket counts only once its upload is done, the latest counted copy wins, a failed
 * upload never counts, uploads left receiving by a dead server are found stale, and dead letters count against their
 * upload; and finding tickets near a text signature.
 *
 * @module
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { buildMarts } from "../../src/marts/build.ts";
import type { Store, TicketQuery, UploadRecord } from "../../src/store/store.ts";
import { scoredTickets } from "./tickets.ts";

/** A fresh upload record. */
function upload(id: string, status: UploadRecord["status"] = "receiving"): UploadRecord {
  return {
    upload_id: id,
    created_at: new Date().toISOString(),
    filename: `${id}.csv`,
    bytes: 100,
    uploaded_by: null,
    status,
    summary: null,
    failure: null,
  };
}

/** Ticket ids as the API lists them, in order. */
async function visibleIds(store: Store): Promise<string> {
  const page = await store.listTickets({ limit: 1000, offset: 0 });
  return page.rows.map((r) => `${r.ticket_id}:${r.model_version}`).join(" ");
}

/** Tickets the overview mart counts, after a marts build. */
async function martTickets(store: Store): Promise<number> {
  const report = await buildMarts(store);
  equal(report.error, null);
  return Number((await store.readMart("mart_overview"))[0].tickets);
}

/** Runs the upload contract on `store` (fresh and empty). */
export async function checkUploadContract(store: Store): Promise<void> {
  // Upload a: done, tickets 1-4.
  await store.saveUpload(upload("a"));
  await store.writeScored(
    scoredTickets(4, { upload_id: "a", model_version: "a", ingested_at: "2024-01-01T00:00:00Z" }),
  );
  await store.saveUpload(upload("a", "done"));
  equal(await martTickets(store), 4);

  // Upload b is receiving: tickets 3-6 are stored (its progress counts them) but nothing reads them yet.
  await store.saveUpload(upload("b"));
  const b = scoredTickets(6, { upload_id: "b", model_version: "b", ingested_at: "2024-01-02T00:00:00Z" }).slice(2);
  await store.writeScored(b);
  equal((await store.getUpload("b"))?.scored, 4);
  equal(await visibleIds(store), "1:a 2:a 3:a 4:a");
  equal(await martTickets(store), 4, "a receiving upload changes no mart");
  equal(await store.getTicket("5"), null);

  // b completes: its copies win (a later ingest), its new tickets appear.
  await store.saveUpload(upload("b", "done"));
  equal(await visibleIds(store), "1:a 2:a 3:b 4:b 5:b 6:b");
  equal(await martTickets(store), 6);
  equal((await store.getUpload("a"))?.scored, 4, "a's copies are kept a while for whoever waits on it");
  // The listing's filters, as `GET /api/tickets` passes them (tickets 2 and 5 are Closed).
  const listed = async (query: Partial<TicketQuery>) =>
    (await store.listTickets({ limit: 1000, offset: 0, ...query })).rows.map((r) => r.ticket_id).join(" ");
  equal(await listed({ uploadId: "b" }), "3 4 5 6", "by upload: the tickets whose counted copy it made");
  equal(await listed({ open: true }), "1 3 4 6");
  equal(await listed({ uploadId: "a", open: true, labelled: true }), "1");

  // Upload c fails half-way: its tickets never count, even after the marts are rebuilt.
  await store.saveUpload(upload("c"));
  await store.writeScored(
    scoredTickets(8, { upload_id: "c", model_version: "c", ingested_at: "2024-01-03T00:00:00Z" }),
  );
  await store.saveUpload({ ...upload("c", "failed"), failure: "cut off" });
  equal(await martTickets(store), 6, "a failed upload changes no mart");
  equal(await visibleIds(store), "1:a 2:a 3:b 4:b 5:b 6:b");

  // Within one upload, the row of a later batch wins (batches are stamped in order), and a rescore of the same
  // batch wins by its later score.
  await store.saveUpload(upload("d"));
  await store.writeScored(
    scoredTickets(1, { upload_id: "d", model_version: "d-first", ingested_at: "2024-01-04T00:00:00.001Z" }),
  );
  await store.writeScored(
    scoredTickets(1, { upload_id: "d", model_version: "d-later-row", ingested_at: "2024-01-04T00:00:00.002Z" }),
  );
  await store.saveUpload(upload("d", "done"));
  equal((await store.getTicket("1"))?.model_version, "d-later-row");
  await store.writeScored(scoredTickets(1, {
    upload_id: "d",
    model_version: "d-rescored",
    ingested_at: "2024-01-04T00:00:00.002Z",
    scored_at: "2024-02-01T00:00:00Z",
  }));
  equal((await store.getTicket("1"))?.model_version, "d-rescored");
  equal(await martTickets(store), 6);

  // A receiving upload whose record has not been saved for a while is stale: marked failed, with a reason.
  await store.saveUpload(upload("e"));
  equal(await store.failStaleUploads(60_000), 0, "a live upload is not stale");
  await new Promise((resolve) => setTimeout(resolve, 20));
  equal(await store.failStaleUploads(10), 1);
  const e = await store.getUpload("e");
  deepStrictEqual([e?.status, /stopped/.test(String(e?.failure))], ["failed", true]);

  // An upload's status goes receiving → done or receiving → failed, nothing else: a later save of an ended upload
  // (a late heartbeat, a failure found after it was done, done after it was found stale) changes nothing.
  equal(await store.saveUpload(upload("f")), true);
  equal(await store.saveUpload(upload("f", "done")), true);
  equal(await store.saveUpload(upload("f")), false, "no heartbeat after done");
  equal(await store.saveUpload({ ...upload("f", "failed"), failure: "late" }), false, "no failure after done");
  equal((await store.getUpload("f"))?.status, "done");
  equal(await store.saveUpload(upload("c", "done")), false, "a failed upload is never saved as done");
  deepStrictEqual([(await store.getUpload("c"))?.status, (await store.getUpload("c"))?.failure], ["failed", "cut off"]);
  equal(await martTickets(store), 6, "so its tickets never count");

  // Dead letters count against their upload: a ticket dead-lettered twice (redelivered) counts once, one stored
  // after all counts as stored, and one without an upload counts nowhere.
  const letter = (ticket_id: string | null, upload_id: string | null) => ({
    upload_id,
    ticket_id,
    stage: "scorer",
    reason: "the model could not score it",
    recorded_at: "2024-01-05T00:00:00.000Z",
  });
  await store.recordDeadLetters([letter("7", "b"), letter("7", "b"), letter("8", "b"), letter("3", "b")]);
  await store.recordDeadLetters([letter(null, null)]);
  deepStrictEqual([(await store.getUpload("b"))?.scored, (await store.getUpload("b"))?.dead_lettered], [4, 2]);
  equal((await store.getUpload("a"))?.dead_lettered, 0);
}

/**
 * Runs the text signature contract on `store` (after {@linkcode checkUploadContract}): tickets near a signature, the
 * fewest differing bits first, counted copies only.
 */
export async function checkSignatureContract(store: Store): Promise<void> {
  // Tickets near a text signature: the fewest differing bits first, the excluded ticket and tickets that do not
  // count (a receiving upload's) never, an older copy replaced by a later upload never (its current copy may be).
  const signed = (id: string, upload_id: string, high: number, low: number) =>
    scoredTickets(1, {
      ticket_id: id,
      upload_id,
      simhash_high: high,
      simhash_low: low,
      ingested_at: "2024-01-06T00:00:00Z",
    });
  await store.saveUpload(upload("g"));
  await store.writeScored([
    ...signed("s1", "g", 0xffff_ffff, 0xffff_ffff),
    ...signed("s2", "g", 0xffff_ffff, 0xffff_fffe), // 1 bit from s1
    ...signed("s3", "g", 0x0000_ffff, 0xffff_ffff), // 16 bits
    ...signed("s4", "g", 0x0000_00ff, 0xffff_ffff), // 24 bits
    ...signed("s5", "g", 0xffff_ffff, 0xff00_0000), // 24 bits, then re-uploaded far away
  ]);
  await store.saveUpload(upload("g", "done"));
  await store.saveUpload(upload("h"));
  await store.writeScored(signed("s9", "h", 0xffff_ffff, 0xffff_ffff)); // h is still receiving
  const near = async (limit: number) =>
    (await store.nearSignature({ signature: { high: 0xffff_ffff, low: 0xffff_ffff }, exclude: "s1", limit }))
      .map((r) => `${r.ticket_id}:${r.simhash_high}`).sort().join(" ");
  equal(await near(2), `s2:${0xffff_ffff} s3:${0x0000_ffff}`, "s9 does not count yet; s1 is excluded");
  await store.saveUpload(upload("i"));
  await store.writeScored(
    signed("s5", "i", 0, 0).map((t) => ({ ...t, ingested_at: "2024-01-07T00:00:00Z" })),
  );
  await store.saveUpload(upload("i", "done"));
  const five = await near(5);
  ok(five.includes("s4:") && !five.includes(`s5:${0xffff_ffff}`), `the replaced copy of s5 is gone: ${five}`);
}
