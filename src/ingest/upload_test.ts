import { deepStrictEqual, equal, ok, rejects } from "node:assert/strict";
import { TOPICS } from "../bus/bus.ts";
import { MemoryBus } from "../bus/memory_bus.ts";
import { openDuckDbStore } from "../store/duckdb_store.ts";
import type { IngestedTicket } from "../ticket/schema.ts";
import { HEADER } from "../../scripts/samples/paths.ts";
import { runUpload } from "./upload.ts";

const ROW = ",Ann Lee,ann@example.com,32,Female,GoPro Hero,2021-03-22,Technical issue,Product setup,It broke.," +
  "Closed,Fixed it.,High,Email,2023-06-01 12:15,2023-06-01 18:05,4";

/** A CSV upload of `n` tickets with ids 1..n. */
function csv(n: number): ReadableStream<Uint8Array> {
  const lines = [HEADER, ...Array.from({ length: n }, (_, i) => `${i + 1}${ROW}`)];
  return ReadableStream.from([new TextEncoder().encode(lines.join("\n") + "\n")]);
}

Deno.test("every batch reaches the bus in order, each ticket stamped with its upload", async () => {
  const bus = new MemoryBus();
  const store = await openDuckDbStore(":memory:");
  const seen: IngestedTicket[][] = [];
  await bus.subscribe<IngestedTicket>(TOPICS.tickets, "test", (messages) => {
    seen.push(messages.map((m) => m.value));
    return Promise.resolve();
  });
  try {
    const result = await runUpload({ bus, store, batchSize: 10 }, { body: csv(35) });
    equal(result.accepted, 35);
    deepStrictEqual(seen.map((batch) => batch.length), [10, 10, 10, 5]);
    deepStrictEqual(seen.flat().map((t) => t.ticket_id), Array.from({ length: 35 }, (_, i) => String(i + 1)));
    equal(new Set(seen.flat().map((t) => t.upload_id)).size, 1);
    equal((await store.getUpload(result.upload_id))?.status, "done");
  } finally {
    await store.close();
  }
});

Deno.test("a batch that fails downstream fails the upload, and its record says how far it got", async () => {
  const bus = new MemoryBus();
  const store = await openDuckDbStore(":memory:");
  let batches = 0;
  await bus.subscribe(TOPICS.tickets, "test", () => {
    batches++;
    return batches === 2 ? Promise.reject(new Error("the scorer is down")) : Promise.resolve();
  });
  try {
    const failed = runUpload({ bus, store, batchSize: 10 }, { body: csv(100) });
    await rejects(failed, /the scorer is down/);
    // The failure surfaces when the next batch is handed over: reading stops there.
    equal(batches, 2);
    const [record] = await store.readMart("uploads");
    equal(record.status, "failed");
    // The reason is plain words (the server's log has the error), and the counts say how far it got.
    equal(
      record.failure,
      "the server could not finish this upload (after 10 tickets had been sent on; none of them count)",
    );
    deepStrictEqual([record.received, record.accepted], [30, 30]);
  } finally {
    await store.close();
  }
});

Deno.test("a slow upload saves its record as it goes: counts so far, and a fresh time that says it is alive", async () => {
  const bus = new MemoryBus();
  const store = await openDuckDbStore(":memory:");
  await bus.subscribe(TOPICS.tickets, "test", () => Promise.resolve());
  const lines = [HEADER, ...Array.from({ length: 40 }, (_, i) => `${i + 1}${ROW}`)].map((l) => `${l}\n`);
  let release!: () => void;
  const stalled = new Promise<void>((resolve) => release = resolve);
  // 20 rows, then the client goes quiet until told to go on.
  const body = ReadableStream.from((async function* () {
    yield new TextEncoder().encode(lines.slice(0, 21).join(""));
    await stalled;
    yield new TextEncoder().encode(lines.slice(21).join(""));
  })());
  try {
    // With the date order given, rows are counted from the first (otherwise once the order is settled).
    const upload = runUpload({ bus, store, batchSize: 10, heartbeatMs: 20 }, {
      body,
      uploadedBy: "ana",
      dateOrder: "DMY",
    });
    let record = null;
    for (let i = 0; i < 100 && !record?.summary?.received; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      const [row] = await store.readMart("uploads");
      record = row ? await store.getUpload(String(row.upload_id)) : null;
    }
    equal(record?.status, "receiving");
    equal(record?.uploaded_by, "ana");
    ok(record!.summary!.received >= 10, `${record?.summary?.received} rows counted so far`);
    const before = record!.updated_at;
    await new Promise((resolve) => setTimeout(resolve, 60));
    const after = (await store.getUpload(record!.upload_id))!.updated_at;
    ok(after > before, `saved again while quiet: ${before} → ${after}`);
    release();
    const result = await upload;
    equal(result.accepted, 40);
    equal((await store.getUpload(result.upload_id))?.status, "done");
  } finally {
    await store.close();
  }
});
