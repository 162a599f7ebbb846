import { deepStrictEqual, equal, match, ok, rejects, throws } from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { FRESHDESK_SAMPLE, JIRA_SAMPLE, ZENDESK_SAMPLE } from "../../scripts/samples/paths.ts";
import type { Ticket } from "../ticket/schema.ts";
import { UploadError } from "./errors.ts";
import { ingestCsv, type IngestSummary } from "./ingest.ts";
import { type Mapping, parseMapping } from "./mapping.ts";
import { detectPreset, mappingOfOption, PRESETS } from "./presets.ts";

async function ingest(text: string, mapping?: Mapping): Promise<{ summary: IngestSummary; tickets: Ticket[] }> {
  const tickets: Ticket[] = [];
  const summary = await ingestCsv(ReadableStream.from([new TextEncoder().encode(text)]), {
    batchSize: 64,
    mapping,
    onBatch: (batch) => void tickets.push(...batch),
  });
  return { summary, tickets };
}

/** A sample export's rows as objects by header (the first of a repeated header), with their ingested tickets. */
async function sample(path: string) {
  const text = await Deno.readTextFile(path);
  const [header, ...rows] = parse(text, { relaxQuotes: false }) as string[][];
  const records = rows.map((row) => Object.fromEntries(header.map((h, i) => [h, row[i]]).reverse()));
  return { ...await ingest(text), records };
}

/** Every personal value of the export's rows is absent from its ticket (but where the ticket's own text has it). */
function assertNoPersonalData(records: Record<string, string>[], tickets: Ticket[], personal: string[]) {
  ok(personal.length > 0);
  records.forEach((record, i) => {
    const ticket = tickets[i];
    const { ticket_subject, ticket_description, ...fields } = ticket;
    const stored = JSON.stringify(fields);
    for (const column of personal) {
      const value = record[column]?.trim();
      if (!value || `${ticket_subject} ${ticket_description}`.includes(value)) continue;
      ok(!stored.includes(value), `${column} "${value}" reached ticket ${ticket.ticket_id}`);
    }
  });
}

Deno.test("a minimal file of an id, a subject and a description is enough", async () => {
  const { summary, tickets } = await ingest(
    'Ticket ID,Ticket Subject,Ticket Description\n1,Cannot log in,"Since the update, login fails."\n2,Refund,\n',
  );
  deepStrictEqual([summary.received, summary.accepted, summary.rejected], [2, 2, 0]);
  deepStrictEqual(summary.mapping, { name: "bundled", chosen: "detected" });
  ok(summary.missing_columns.includes("priority_label") && summary.missing_columns.includes("ticket_type"));
  deepStrictEqual(tickets.map((t) => [t.ticket_subject, t.ticket_description, t.priority_label]), [
    ["Cannot log in", "Since the update, login fails.", null],
    ["Refund", null, null],
  ]);
});

Deno.test("Zendesk's export: recognised, the subject alone carries the text, priorities mapped, people dropped", async () => {
  const { summary, tickets, records } = await sample(ZENDESK_SAMPLE);
  deepStrictEqual(summary.mapping, { name: "zendesk", chosen: "detected" });
  deepStrictEqual([summary.received, summary.accepted, summary.rejected], [300, 300, 0]);
  ok(summary.missing_columns.includes("ticket_description"));
  ok(tickets.every((t) => t.ticket_subject && t.ticket_description === null));
  const expected = { Urgent: "Critical", High: "High", Normal: "Medium", Low: "Low", "": null } as Record<
    string,
    unknown
  >;
  records.forEach((r, i) => {
    if (r.Priority in expected) equal(tickets[i].priority_label, expected[r.Priority], r.Id);
    equal(tickets[i].ticket_id, r.Id);
    equal(tickets[i].ticket_channel, r.Via || null);
  });
  deepStrictEqual(summary.personal_columns_dropped.slice(0, 3), ["Requester", "Requester id", "Requester external id"]);
  ok(summary.ignored_columns.includes("Requester wait time in minutes"), "a time is not personal data");
  assertNoPersonalData(records, tickets, ["Requester", "Requester email", "Submitter", "Assignee"]);
});

Deno.test("Freshdesk's export: subject and description kept, Urgent is Critical, contact fields dropped", async () => {
  const { summary, tickets, records } = await sample(FRESHDESK_SAMPLE);
  deepStrictEqual(summary.mapping, { name: "freshdesk", chosen: "detected" });
  deepStrictEqual([summary.received, summary.accepted, summary.rejected], [300, 300, 0]);
  records.forEach((r, i) => {
    equal(tickets[i].ticket_subject, r.Subject);
    equal(tickets[i].ticket_description, r.Description || null);
    equal(tickets[i].product_purchased, r.Product.trim() || null);
    if (r.Priority === "Urgent") equal(tickets[i].priority_label, "Critical");
    if (r.Priority === "Medium") equal(tickets[i].priority_label, "Medium");
  });
  ok(tickets.some((t) => t.ticket_description?.includes("\n")), "multi-line descriptions survive");
  deepStrictEqual(summary.personal_columns_dropped, [
    "Agent",
    "Full name",
    "Email",
    "Work phone",
    "Mobile phone",
    "Contact ID",
  ]);
  assertNoPersonalData(records, tickets, ["Agent", "Full name", "Email", "Work phone", "Mobile phone"]);
});

Deno.test("Jira's export: Issue key and Summary, Highest..Lowest mapped, a repeated Component/s, Jira's dates", async () => {
  const { summary, tickets, records } = await sample(JIRA_SAMPLE);
  deepStrictEqual(summary.mapping, { name: "jira", chosen: "detected" });
  deepStrictEqual([summary.received, summary.accepted, summary.rejected], [300, 300, 0]);
  const expected = { Highest: "Critical", High: "High", Medium: "Medium", Low: "Low", Lowest: "Low" } as Record<
    string,
    unknown
  >;
  records.forEach((r, i) => {
    equal(tickets[i].ticket_id, r["Issue key"]);
    equal(tickets[i].ticket_subject, r.Summary);
    if (r.Priority in expected) equal(tickets[i].priority_label, expected[r.Priority], r["Issue key"]);
  });
  ok(tickets.every((t) => t.ticket_id.startsWith("SUP-")));
  ok(
    tickets.some((t) => t.resolved_at !== null) &&
      tickets.every((t) => t.resolved_at === null || /^\d{4}-/.test(t.resolved_at)),
  );
  deepStrictEqual(Object.keys(summary.warnings), ["Priority"], "Jira's dates are read, not warned about");
  assertNoPersonalData(records, tickets, ["Assignee", "Reporter", "Creator", "Watchers"]);

  // Component/s is written once per component: the first one given is the product, whichever column holds it.
  const text = "Summary,Issue key,Component/s,Component/s,Resolved\n" +
    "Crash,SUP-1,,Mobile app,25/Feb/26 10:17 PM\nSlow,SUP-2,Web,API,\n";
  const repeated = await ingest(text);
  deepStrictEqual(repeated.tickets.map((t) => [t.product_purchased, t.resolved_at]), [
    ["Mobile app", "2026-02-25 22:17:00"],
    ["Web", null],
  ]);
});

Deno.test("an unknown priority value is a warning with its line; the ticket is kept unlabelled", async () => {
  for (const path of [ZENDESK_SAMPLE, FRESHDESK_SAMPLE, JIRA_SAMPLE]) {
    const { summary, tickets, records } = await sample(path);
    const unknown = records.flatMap((r, i) => ["P0", "Sev-1"].includes(r.Priority) ? [i] : []);
    equal(unknown.length, 2, path);
    equal(summary.warnings.Priority.count, 2);
    match(summary.warnings.Priority.reason, /not a priority this mapping knows/);
    for (const i of unknown) equal(tickets[i].priority_label, null);
    equal(summary.warnings.Priority.first_lines.length, 2);
  }
});

Deno.test("a team's own mapping (YAML or JSON): its headers, its priority words, refusing personal columns", async () => {
  const yaml = `
name: our-desk
columns:
  ticket_id: Case Number
  ticket_subject: [Title, Headline]
  ticket_description: Body
  priority_label: Severity
  ticket_channel: Origin
priorities:
  Sev1: Critical
  Sev2: High
  Low: Medium   # overrides the common meaning
`;
  const mapping = parseMapping(yaml, "fallback", PRESETS);
  equal(mapping.name, "our-desk");
  const text = "Case Number,Headline,Body,Severity,Origin,Contact Email\n" +
    "C-1,Site down,Everything 500s,Sev1,Web,ann@example.com\nC-2,Typo,,low,Email,bob@example.com\nC-3,Hm,,Sev9,,\n";
  const { summary, tickets } = await ingest(text, mapping);
  deepStrictEqual(summary.mapping, { name: "our-desk", chosen: "requested" });
  deepStrictEqual(tickets.map((t) => [t.ticket_id, t.ticket_subject, t.priority_label, t.ticket_channel]), [
    ["C-1", "Site down", "Critical", "Web"],
    ["C-2", "Typo", "Medium", "Email"],
    ["C-3", "Hm", null, null],
  ]);
  deepStrictEqual(summary.warnings.Severity.first_lines, [4]);
  deepStrictEqual(summary.personal_columns_dropped, ["Contact Email"]);
  ok(!JSON.stringify(tickets).includes("example.com"));

  // The same as JSON, extending a preset; what is wrong is said.
  const json = JSON.stringify({ extends: "jira", columns: { ticket_channel: "Request channel" } });
  const extended = parseMapping(json, "jira-jsm", PRESETS);
  deepStrictEqual([extended.name, extended.columns.ticket_id, extended.columns.ticket_channel], [
    "jira-jsm",
    ["Issue key"],
    ["Request channel"],
  ]);
  equal(extended.priorities.Major, "Medium");
  const refused = (text: string, pattern: RegExp) =>
    throws(() => parseMapping(text, "m", PRESETS), (e: UploadError) => e.status === 422 && pattern.test(e.message));
  refused("columns: {ticket_id: Id, ticket_subject: Requester email}", /personal data/);
  refused("columns: {ticket_id: Id, subject: Title}", /"subject" is not a ticket column/);
  refused("columns: {ticket_id: Id}", /ticket_subject or a ticket_description/);
  refused("columns: {ticket_id: Id, ticket_subject: T}\npriorities: {Sev1: Urgent}", /priorities.Sev1/);
  refused("extends: servicenow", /names no preset/);
  refused("[1, 2", /neither JSON nor YAML/);
  refused("name: ../etc\ncolumns: {ticket_id: Id, ticket_subject: T}", /name must be/);
});

Deno.test("presets are recognised from the header; an unknown header gets a 422 that says what to do", async () => {
  equal(detectPreset(["Id", "Subject", "Via"]).name, "zendesk");
  equal(detectPreset([" ticket id", "SUBJECT", "description"]).name, "freshdesk");
  equal(detectPreset(["Summary", "Issue key"]).name, "jira");
  equal(detectPreset(["\uFEFFTicket ID", "Ticket Description"]).name, "bundled");
  const unknown = await ingest("Key,Text\n1,hello\n").catch((e) => e);
  ok(unknown instanceof UploadError);
  equal(unknown.status, 422);
  match(unknown.message, /mapping/);
  equal((await mappingOfOption("jira")).name, "jira");
  await rejects(() => mappingOfOption("/no/such/mapping.yaml"), Deno.errors.NotFound);
});
