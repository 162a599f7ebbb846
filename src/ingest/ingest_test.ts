import { deepStrictEqual, equal, match, ok, rejects } from "node:assert/strict";
import { EXCEL_SAMPLE, HEADER } from "../../scripts/samples/paths.ts";
import type { Ticket } from "../ticket/schema.ts";
import { UploadError } from "./errors.ts";
import { ingestCsv, type IngestSummary } from "./ingest.ts";
import { MAX_TEXT_CHARS } from "./row.ts";

function row(id: string, overrides: Record<number, string> = {}): string {
  const cells = [
    id,
    "Ann Lee",
    "ann@example.com",
    "32",
    "Female",
    "GoPro Hero",
    "22-03-21",
    "Technical issue",
    "Product setup",
    "It broke.",
    "Closed",
    "Fixed it.",
    "High",
    "Email",
    "01-06-23 12:15",
    "01-06-23 18:05",
    "4",
  ];
  for (const [i, v] of Object.entries(overrides)) cells[Number(i)] = v;
  return cells.join(",");
}

function streamOf(text: string, chunk = 7): ReadableStream<Uint8Array> {
  const bytes = new TextEncoder().encode(text);
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at += chunk));
    },
  });
}

async function ingest(text: string, batchSize = 2): Promise<{ summary: IngestSummary; tickets: Ticket[] }> {
  const tickets: Ticket[] = [];
  const summary = await ingestCsv(streamOf(text), { batchSize, onBatch: (b) => void tickets.push(...b) });
  return { summary, tickets };
}

Deno.test("every row is accounted for: bad rows rejected with line, column and reason", async () => {
  const text = [
    HEADER,
    row("1"),
    row("2", { 3: "abc" }), // unreadable age → rejected
    row("", {}), // no Ticket ID → rejected
    row("4") + ",extra", // one field too many → rejected
    row("5", { 6: "31-02-21" }), // impossible purchase date → warning
    row("6", { 16: "eleven" }), // unreadable rating → warning
    `7,"Multi\r\nline name",x@example.com,40,Male,Dell XPS,22-03-21,Billing inquiry,Data loss,"Line one\r\nline two",Open,,Low,Chat,,,`,
    row("8"),
  ].join("\r\n") + "\r\n";
  const { summary, tickets } = await ingest(text);
  equal(summary.received, 8);
  equal(summary.accepted, 5);
  equal(summary.rejected, 3);
  equal(summary.received, summary.accepted + summary.rejected);
  deepStrictEqual(summary.errors.map((e) => [e.line, e.column]), [[3, "Customer Age"], [4, "Ticket ID"], [5, null]]);
  equal(summary.errors[0].value, "abc");
  ok(summary.errors[2].reason.includes("expected 17 fields, found 18"));
  deepStrictEqual(summary.warnings["Date of Purchase"].first_lines, [6]);
  deepStrictEqual(summary.warnings["Customer Satisfaction Rating"].first_lines, [7]);
  // The multi-line record starts on line 8 and takes two lines, so ticket 8 is on line 10.
  equal(tickets.find((t) => t.ticket_id === "7")?.ticket_description, "Line one\r\nline two");
  equal(tickets.find((t) => t.ticket_id === "5")?.date_of_purchase, null);
  equal(tickets.find((t) => t.ticket_id === "6")?.satisfaction_rating, null);
  deepStrictEqual(summary.date_order, { order: "DMY", source: "inferred", evidence: { DMY: 8, MDY: 0 } });
});

Deno.test("line numbers count quoted newlines and blank lines", async () => {
  const text = `${HEADER}\n${row("1", { 9: '"a\nb\nc"' })}\n\n${row("2", { 3: "old" })}\n`;
  const { summary } = await ingest(text);
  deepStrictEqual(summary.errors.map((e) => e.line), [6]);
});

Deno.test("header: any case, spaces, column order and a BOM; personal data never leaves ingest", async () => {
  const cells = HEADER.split(",");
  const shuffled = [cells[12], ...cells.slice(0, 12), ...cells.slice(13)].map((c) => `  ${c.toUpperCase()} `);
  const values = row("9").split(",");
  const line = [values[12], ...values.slice(0, 12), ...values.slice(13)].join(",");
  const { summary, tickets } = await ingest(`\uFEFF${shuffled.join(",")}\n${line}\n`);
  equal(summary.accepted, 1);
  equal(tickets[0].priority_label, "High");
  equal(tickets[0].customer_age, 32);
  ok(!JSON.stringify(tickets[0]).includes("ann@example.com"));
  ok(!JSON.stringify(tickets[0]).includes("Ann Lee"));
});

Deno.test("empty cells are nulls; an empty priority is an unlabelled ticket", async () => {
  const { summary, tickets } = await ingest(`${HEADER}\n${row("1", { 3: "", 12: "", 6: "" })}\n`);
  equal(summary.accepted, 1);
  equal(tickets[0].customer_age, null);
  equal(tickets[0].priority_label, null);
  equal(tickets[0].date_of_purchase, null);
});

Deno.test("a missing column is stored empty and reported once; without an id or any text the upload is refused", async () => {
  const header = HEADER.replace("Ticket Type,", "").replace("Ticket Channel,", "");
  const cells = row("1").split(",").filter((_, i) => i !== 7 && i !== 13).join(",");
  const { summary, tickets } = await ingest(`${header}\n${cells}\n`);
  equal(summary.accepted, 1);
  deepStrictEqual(summary.missing_columns, ["ticket_type", "ticket_channel"]);
  deepStrictEqual(summary.mapping, { name: "bundled", chosen: "detected" });
  deepStrictEqual([tickets[0].ticket_type, tickets[0].ticket_channel], [null, null]);

  const noText = await ingest("Ticket ID,Ticket Priority\n1,High\n").catch((e) => e);
  ok(noText instanceof UploadError);
  equal(noText.status, 422);
  deepStrictEqual(noText.details.missing_columns, ["ticket_subject", "ticket_description"]);
  match(noText.message, /subject or a description/);
  const noId = await ingest("Ticket Subject,Ticket Description\nDown,Since noon\n").catch((e) => e);
  equal(noId.status, 422);
  match(noId.message, /ticket id/);
});

Deno.test("binary bodies and empty bodies are refused", async () => {
  await rejects(ingest("PK\u0003\u0004\u0000\u0000binary"), (e: UploadError) => e.status === 415);
  await rejects(ingest(""), (e: UploadError) => e.status === 400);
});

Deno.test("an unclosed quote rejects the record where it opens, keeping the rows before it", async () => {
  const { summary, tickets } = await ingest(`${HEADER}\n${row("1")}\n${row("2", { 9: '"never closed' })}\n`);
  equal(tickets.length, 1);
  equal(summary.rejected, 1);
  equal(summary.errors[0].line, 3);
  ok(summary.errors[0].reason.includes("never closed"));
});

Deno.test("month-first files are detected; an explicit order overrides inference", async () => {
  const text = `${HEADER}\n${row("1", { 6: "03-22-21", 14: "", 15: "" })}\n`;
  const inferred = await ingest(text);
  equal(inferred.summary.date_order.order, "MDY");
  equal(inferred.tickets[0].date_of_purchase, "2021-03-22");
  const tickets: Ticket[] = [];
  const forced = await ingestCsv(streamOf(text), {
    batchSize: 10,
    dateOrder: "DMY",
    onBatch: (b) => void tickets.push(...b),
  });
  equal(forced.date_order.source, "override");
  equal(tickets[0].date_of_purchase, null);
  equal(forced.warnings["Date of Purchase (date order)"].count, 1);
  match(
    forced.warnings["Date of Purchase (date order)"].reason,
    /can only be read MDY.*read DMY \(as the upload asked\)/,
  );
});

Deno.test("dates after the inference window that contradict the inferred order are counted and listed, never swapped", async () => {
  // 1000 day-first rows settle the order; two later rows can only be month-first.
  const rows = Array.from({ length: 1000 }, (_, i) => row(String(i + 1), { 6: "22-03-21", 14: "", 15: "" }));
  rows.push(row("1001", { 6: "03-22-21", 14: "", 15: "" }), row("1002", { 6: "01-02-21", 14: "", 15: "" }));
  rows.push(row("1003", { 6: "12-31-21", 14: "", 15: "" }));
  const { summary, tickets } = await ingest(`${HEADER}\n${rows.join("\n")}\n`, 100);
  deepStrictEqual([summary.date_order.order, summary.date_order.source], ["DMY", "inferred"]);
  equal(summary.accepted, 1003, "the rows are kept");
  const warning = summary.warnings["Date of Purchase (date order)"];
  deepStrictEqual([warning.count, warning.first_lines], [2, [1002, 1004]]);
  match(
    warning.reason,
    /can only be read MDY, but this file's dates are read DMY \(inferred from the first rows' dates \(1000 could only be DMY, 0 only MDY\)\)/,
  );
  const byId = new Map(tickets.map((t) => [t.ticket_id, t.date_of_purchase]));
  deepStrictEqual([byId.get("1001"), byId.get("1002"), byId.get("1003")], [null, "2021-02-01", null]);
});

Deno.test("a ticket id repeated in the file: the later row wins, the summary counts and lists the repeats", async () => {
  const text = [
    HEADER,
    row("1", { 12: "Low" }),
    row("2"),
    row("1", { 12: "Critical" }), // same batch as the first 1: takes its place
    row("3"),
    row("2", { 12: "Medium" }), // a later batch: published later, so it wins in the store
  ].join("\n") + "\n";
  const { summary, tickets } = await ingest(text, 3);
  deepStrictEqual([summary.received, summary.accepted, summary.tickets], [5, 5, 3]);
  deepStrictEqual(summary.duplicates, {
    count: 2,
    first_lines: [{ line: 4, ticket_id: "1" }, { line: 6, ticket_id: "2" }],
  });
  deepStrictEqual(tickets.map((t) => `${t.ticket_id}:${t.priority_label}`), [
    "1:Critical",
    "2:High",
    "3:High",
    "2:Medium",
  ]);
});

Deno.test("the Excel sample: 8469 tickets, day-first dates, multi-line descriptions", async () => {
  const file = await Deno.open(EXCEL_SAMPLE);
  let first: Ticket | null = null;
  const summary = await ingestCsv(file.readable, { batchSize: 1000, onBatch: (b) => void (first ??= b[0]) });
  equal(summary.received, 8469);
  equal(summary.accepted, 8469);
  equal(summary.date_order.order, "DMY");
  equal(first!.date_of_purchase, "2021-03-22");
  equal(first!.first_response_at, "2023-06-01 12:15:00");
});

Deno.test("a text longer than a ticket keeps is cut to MAX_TEXT_CHARS, with a warning naming its lines", async () => {
  const long = "x".repeat(MAX_TEXT_CHARS + 500);
  const { summary, tickets } = await ingest(`${HEADER}\n${row("1", { 9: long })}\n${row("2")}\n`, 1000);
  equal(summary.accepted, 2);
  equal(tickets[0].ticket_description, long.slice(0, MAX_TEXT_CHARS));
  equal(tickets[1].ticket_description, "It broke.");
  deepStrictEqual(summary.warnings["Ticket Description"]?.first_lines, [2]);
  match(summary.warnings["Ticket Description"].reason, /longer than 32000 characters/);
});
