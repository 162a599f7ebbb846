/**
 * The embedded journey over real HTTP: upload → ingest → in-process bus → ONNX scorer → DuckDB → marts, with
 * the real model and a DuckDB file in a temporary data directory. The site build is covered by its own test.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { join } from "node:path";
import { TOPICS } from "../src/bus/bus.ts";
import { waitForUpload } from "../src/client/upload.ts";
import { startApp, upload } from "../scripts/harness/app.ts";
import { EXCEL_SAMPLE, HEADER, ISO_SAMPLE } from "../scripts/samples/paths.ts";
import { textSignalTickets, ticketsCsv } from "../scripts/samples/synthetic.ts";
import { emptyTicket } from "../src/ticket/schema.ts";

async function healthy(base: string): Promise<boolean> {
  const response = await fetch(`${base}/healthz`);
  return response.ok && (await response.json()).ok === true;
}

async function priorityTotal(base: string): Promise<number> {
  const { rows } = await (await fetch(`${base}/api/marts/mart_priority_distribution`)).json();
  deepStrictEqual(Object.keys(rows[0]).slice(0, 1), ["priority"]);
  ok("tickets" in rows[0] && "share" in rows[0]);
  return rows.reduce((sum: number, r: { tickets: number }) => sum + r.tickets, 0);
}

Deno.test("the Excel export is stored once, and re-uploading its ids as ISO data keeps the total", async () => {
  const app = await startApp();
  try {
    const excel = await Deno.readFile(EXCEL_SAMPLE);
    const first = await upload(app.base, excel);
    equal(first.status, 201);
    equal(first.json.received, 8469);
    equal(first.json.accepted, 8469);
    equal(first.json.rejected, 0);
    equal(first.json.date_order.order, "DMY");

    const status = await (await fetch(`${app.base}/api/uploads/${first.json.upload_id}`)).json();
    equal(status.status, "done");
    equal(status.scored, 8469);

    const refresh = await fetch(`${app.base}/api/marts/refresh`, { method: "POST" });
    equal(refresh.status, 200);
    equal(await priorityTotal(app.base), 8469);

    const iso = await upload(app.base, await Deno.readFile(ISO_SAMPLE));
    equal(iso.json.accepted, 8469);
    equal((await fetch(`${app.base}/api/marts/refresh`, { method: "POST" })).status, 200);
    equal(await priorityTotal(app.base), 8469);
    const [overview] = (await (await fetch(`${app.base}/api/marts/mart_overview`)).json()).rows;
    equal(overview.tickets, 8469);
    // The shipped model is no better than chance on these tickets: it leaves (at least 90% of) them to people.
    ok(overview.needs_review_share >= 0.9, `needs review: ${overview.needs_review_share}`);
    const one = await (await fetch(`${app.base}/api/tickets/${encodeURIComponent("1")}`)).json();
    equal(one.needs_review, true);
    equal(typeof one.confidence, "number");
    deepStrictEqual(Object.keys(one.probabilities), ["Low", "Medium", "High", "Critical"]);
    equal(one.language, "en");
    ok(!("customer_name" in one) && !("customer_email" in one));
    equal((await fetch(`${app.base}/api/tickets/no-such-ticket`)).status, 404);
  } finally {
    await app.close();
  }
});

Deno.test("bad rows are rejected by line, unreadable optional values become warnings", async () => {
  const app = await startApp();
  try {
    const good =
      "Ann Lee,ann@example.com,32,Female,GoPro Hero,22-03-21,Technical issue,Product setup,Broken.,Open,,High,Email,01-06-23 12:15,,";
    const csv = [
      HEADER,
      `1,${good}`,
      `2,${good.replace(",32,", ",abc,")}`, // line 3: unreadable age
      `,${good}`, // line 4: no Ticket ID
      `4,${good},extra`, // line 5: an extra field
      `5,${good.replace("22-03-21", "31-02-21")}`, // impossible purchase date → warning
      `6,${good}eleven`, // rating "eleven" → warning
    ].join("\n");
    const { status, json } = await upload(app.base, csv);
    equal(status, 201);
    equal(json.received, 6);
    equal(json.accepted, 3);
    deepStrictEqual(json.errors.map((e: { line: number }) => e.line), [3, 4, 5]);
    deepStrictEqual(json.errors.map((e: { column: string | null }) => e.column), ["Customer Age", "Ticket ID", null]);
    deepStrictEqual(json.warnings["Date of Purchase"].first_lines, [6]);
    deepStrictEqual(json.warnings["Customer Satisfaction Rating"].first_lines, [7]);
    ok(await healthy(app.base));
  } finally {
    await app.close();
  }
});

Deno.test("refused uploads: no text column, too large, not CSV; the server stays healthy", async () => {
  const app = await startApp({ MAX_UPLOAD_BYTES: String(1024 * 1024) });
  try {
    const noText = await upload(
      app.base,
      HEADER.replace("Ticket Subject,", "").replace("Ticket Description,", "") + "\n",
    );
    equal(noText.status, 422);
    ok(noText.json.error.includes("subject or a description"));
    deepStrictEqual(noText.json.missing_columns, ["ticket_subject", "ticket_description"]);
    ok(await healthy(app.base));

    const twoMegabytes = new Uint8Array(2 * 1024 * 1024).fill(0x41);
    const tooLarge = await upload(app.base, twoMegabytes);
    equal(tooLarge.status, 413);
    ok(await healthy(app.base));

    // No Content-Length (streamed): the limit is enforced while reading.
    const streamed = await upload(
      app.base,
      ReadableStream.from([new TextEncoder().encode(`${HEADER}\n`), twoMegabytes]),
    );
    equal(streamed.status, 413);
    ok(await healthy(app.base));

    const binary = await upload(app.base, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]));
    equal(binary.status, 415);
    const json = await upload(app.base, '{"tickets": []}', { "content-type": "application/json" });
    equal(json.status, 415);
    ok(json.json.error.includes("text/csv"));
    const latin1 = await upload(app.base, new Uint8Array([...new TextEncoder().encode(`${HEADER}\n1,`), 0xe9, 0xff]));
    equal(latin1.status, 415);
    ok(await healthy(app.base));
  } finally {
    await app.close();
  }
});

Deno.test("multipart form uploads, unknown uploads and marts", async () => {
  const app = await startApp();
  try {
    const form = new FormData();
    const line = "7,A,a@example.com,40,Male,New Gadget 3000,2021-01-02,Refund request,Other,x,Closed,ok,Low,Fax,,,5";
    form.append("file", new Blob([`${HEADER}\n${line}\n`], { type: "text/csv" }), "tickets.csv");
    const response = await fetch(`${app.base}/api/uploads`, { method: "POST", body: form });
    const json = await response.json();
    equal(response.status, 201);
    equal(json.accepted, 1); // an unknown product and channel are still a ticket
    const stored = await (await fetch(`${app.base}/api/uploads/${json.upload_id}`)).json();
    equal(stored.filename, "tickets.csv");
    equal(stored.scored, 1);

    equal((await fetch(`${app.base}/api/uploads/no-such-id`)).status, 404);
    await fetch(`${app.base}/api/uploads/no-such-id`).then((r) => r.body?.cancel());
    const unknown = await fetch(`${app.base}/api/marts/tickets; DROP TABLE tickets`);
    equal(unknown.status, 404);
    await unknown.body?.cancel();
    equal((await fetch(`${app.base}/api/marts/refresh`, { method: "POST" })).status, 200);
    equal(await priorityTotal(app.base), 1);
  } finally {
    await app.close();
  }
});

Deno.test("uploads beyond MAX_CONCURRENT_UPLOADS are refused with 429", async () => {
  const app = await startApp({ MAX_CONCURRENT_UPLOADS: "1" });
  let release = () => {};
  const held = new Promise<void>((resolve) => release = resolve);
  const slowBody = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(new TextEncoder().encode(`${HEADER}\n`));
      await held;
      controller.close();
    },
  });
  try {
    const slow = fetch(`${app.base}/api/uploads`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: slowBody,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const second = await upload(app.base, `${HEADER}\n`);
    equal(second.status, 429);
    release();
    const first = await slow;
    equal(first.status, 201);
    equal((await first.json()).received, 0);
    equal((await upload(app.base, `${HEADER}\n`)).status, 201);
  } finally {
    release();
    await app.close();
  }
});

Deno.test("a page opened before a site rebuild still gets its data files: the previous site answers for them", async () => {
  const app = await startApp();
  try {
    // A data file by the name the old pages know, kept only in the site before the current one.
    const old = join(app.dataDir, "site.previous", "_file", "data", "marts");
    await Deno.mkdir(old, { recursive: true });
    await Deno.writeTextFile(join(old, "mart_overview.0123abcd.json"), '[{"tickets":1}]');
    const kept = await fetch(`${app.base}/_file/data/marts/mart_overview.0123abcd.json`);
    equal(kept.status, 200);
    deepStrictEqual(await kept.json(), [{ tickets: 1 }]);
    const gone = await fetch(`${app.base}/_file/data/marts/mart_overview.ffffffff.json`);
    equal(gone.status, 404);
    await gone.body?.cancel();
  } finally {
    await app.close();
  }
});

Deno.test("a message of an upload the scorer cannot use is recorded against it: stored + dead-lettered is all", async () => {
  const app = await startApp();
  try {
    const csv = (await Deno.readTextFile(ISO_SAMPLE)).split("\n").slice(0, 21).join("\n") + "\n";
    const { status, json } = await upload(app.base, csv);
    equal(status, 201);
    const uploadId = json.upload_id;
    await waitForUpload(app.base, uploadId);
    // A message on the tickets topic that claims this upload but is no ticket (as a broken producer might send).
    await app.bus.publish(TOPICS.tickets, [{
      key: "broken-1",
      value: { ticket_id: "broken-1", upload_id: uploadId, ticket_channel: 42 },
    }]);
    const answer = await (await fetch(`${app.base}/api/uploads/${uploadId}`)).json();
    deepStrictEqual([answer.scored, answer.dead_lettered], [20, 1]);
    const [letter] = await app.app.store!.readMart("dead_letters");
    deepStrictEqual([letter.upload_id, letter.ticket_id, letter.stage], [uploadId, "broken-1", "scorer"]);
    ok(String(letter.reason).length > 0, "the reason is kept");
    const done = await waitForUpload(app.base, uploadId);
    equal(done.scored + (done.dead_lettered ?? 0), 21, "waiting ends with every message accounted for");
  } finally {
    await app.close();
  }
});

Deno.test("a rescore scores every open ticket again and keeps an agent's override apart from the upload's label", async () => {
  const app = await startApp();
  try {
    const csv = (await Deno.readTextFile(ISO_SAMPLE)).split("\n").slice(0, 41).join("\n") + "\n";
    const { json } = await upload(app.base, csv);
    await waitForUpload(app.base, json.upload_id);
    const ticketOf = async (id: string) => await (await fetch(`${app.base}/api/tickets/${id}`)).json();
    const listing = await (await fetch(`${app.base}/api/queue?limit=500`)).json(); // the open tickets
    const chosen = listing.rows.find((t: { priority_label: string | null }) => t.priority_label !== null);
    const before = await ticketOf(chosen.ticket_id);
    const other = ["Low", "Medium", "High", "Critical"].find((p) => p !== before.priority_label)!;
    const put = await fetch(`${app.base}/api/tickets/${chosen.ticket_id}/priority`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ priority: other }),
    });
    equal(put.status, 200);
    await put.body?.cancel();

    const rescore = await fetch(`${app.base}/api/rescore`, { method: "POST" });
    equal(rescore.status, 200);
    const lines = (await rescore.text()).trim().split("\n").map((line) => JSON.parse(line));
    const last = lines.at(-1);
    deepStrictEqual(
      [last.done, last.published, last.total],
      [true, listing.total, listing.total],
      JSON.stringify(last),
    );
    deepStrictEqual(await app.app.store!.readMart("dead_letters"), [], "every rescored ticket is stored again");
    await fetch(`${app.base}/api/marts/refresh`, { method: "POST" }).then((r) => r.body?.cancel());

    const after = await ticketOf(chosen.ticket_id);
    ok(after.scored_at > before.scored_at, `scored again: ${before.scored_at} then ${after.scored_at}`);
    deepStrictEqual(
      [after.priority_label, after.label_source, after.upload_label],
      [other, "agent", before.priority_label],
      "the override reads as the label, and the upload's own label is kept",
    );
  } finally {
    await app.close();
  }
});

Deno.test("similar tickets: a copy under another id first, a reworded one next, never the ticket itself", async () => {
  const app = await startApp();
  try {
    // Enough tickets that the store's signature search, not the whole table, picks the candidates.
    const own = {
      ...emptyTicket(),
      ticket_subject: "Espresso grinder bricked",
      ticket_description:
        "The firmware update bricked my espresso grinder after the third reboot; the display stays dark.",
    };
    const tickets = [
      ...textSignalTickets(1500, 31),
      { ...own, ticket_id: "grinder" },
      { ...own, ticket_id: "grinder-copy" },
      {
        ...own,
        ticket_id: "grinder-reworded",
        ticket_description: "After the firmware update my espresso grinder is bricked and its display stays dark.",
      },
    ];
    const { json } = await upload(app.base, ticketsCsv(tickets));
    await waitForUpload(app.base, json.upload_id);

    const similar = await (await fetch(`${app.base}/api/tickets/grinder/similar?limit=5`)).json();
    const ids = similar.rows.map((r: { ticket_id: string }) => r.ticket_id);
    deepStrictEqual(ids.slice(0, 2), ["grinder-copy", "grinder-reworded"], JSON.stringify(similar.rows));
    ok(!ids.includes("grinder"), "never the ticket itself");
    const [copy, reworded] = similar.rows;
    equal(copy.similarity, 1);
    ok(reworded.similarity > 0.5 && reworded.similarity < 1, `reworded: ${reworded.similarity}`);
    deepStrictEqual(Object.keys(copy).sort(), [
      "priority_label",
      "priority_pred",
      "similarity",
      "ticket_id",
      "ticket_subject",
    ]);
    ok(
      similar.rows.every((r: { similarity: number }, i: number) =>
        i === 0 || r.similarity <= similar.rows[i - 1].similarity
      ),
      "most similar first",
    );

    // Of a generated ticket: tickets sharing its words, each as similar as the answer says.
    const generated = await (await fetch(`${app.base}/api/tickets/text-31-7/similar`)).json();
    ok(generated.rows.length === 5 && generated.rows.every((r: { ticket_id: string }) => r.ticket_id !== "text-31-7"));

    equal((await fetch(`${app.base}/api/tickets/no-such-ticket/similar`)).status, 404);
    const tooMany = await fetch(`${app.base}/api/tickets/grinder/similar?limit=51`);
    equal(tooMany.status, 400);
    ok((await tooMany.json()).error.includes("limit"));
  } finally {
    await app.close();
  }
});
