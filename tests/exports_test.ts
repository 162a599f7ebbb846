/**
 * Real teams' exports through the running app (the same wiring as `deno task start`, DuckDB and ONNX Runtime for
 * real): Zendesk, Freshdesk and Jira exports and a minimal file upload with 201, their priorities mapped and their
 * text kept; a team's own mapping is saved over the API (and by `deno task upload --mapping FILE`) and named by
 * `?mapping=`; no personal column's value reaches any API answer.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { parse } from "csv-parse/sync";
import { waitForUpload } from "../src/client/upload.ts";
import { startApp, upload } from "../scripts/harness/app.ts";
import { FRESHDESK_SAMPLE, JIRA_SAMPLE, ZENDESK_SAMPLE } from "../scripts/samples/paths.ts";
import { fileURLToPath } from "node:url";

// deno-lint-ignore no-explicit-any
async function getJson(url: string): Promise<any> {
  const response = await fetch(url);
  ok(response.ok, `${url}: ${response.status}`);
  return await response.json();
}

/** A sample's rows, by header. */
async function rows(path: string): Promise<Record<string, string>[]> {
  const [header, ...records] = parse(await Deno.readTextFile(path)) as string[][];
  return records.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i]]).reverse()));
}

/**
 * The values of the samples' personal columns (names, e-mails, phones) that no ticket text of theirs quotes (a
 * description may give an e-mail address itself, and that text is the ticket's own).
 */
async function personalValues(samples: { path: string; personal: string[] }[]): Promise<string[]> {
  const all = await Promise.all(samples.map(async (s) => ({ ...s, rows: await rows(s.path) })));
  const text = all.flatMap((s) => s.rows.map((r) => [r.Subject, r.Description, r.Summary].join(" "))).join(" ");
  const values = all.flatMap((s) => s.rows.flatMap((r) => s.personal.map((c) => r[c]?.trim() ?? "")));
  return [...new Set(values)].filter((v) => v.length > 3 && !text.includes(v));
}

Deno.test("helpdesk exports and a minimal file upload as they come: 201, priorities mapped, text kept, no people", async () => {
  const app = await startApp();
  try {
    const answers: unknown[] = [];
    const uploads: { path: string; mapping: string; personal: string[] }[] = [
      { path: ZENDESK_SAMPLE, mapping: "zendesk", personal: ["Requester", "Requester email", "Assignee"] },
      { path: FRESHDESK_SAMPLE, mapping: "freshdesk", personal: ["Full name", "Email", "Work phone"] },
      { path: JIRA_SAMPLE, mapping: "jira", personal: ["Reporter", "Assignee", "Creator"] },
    ];
    for (const { path, mapping } of uploads) {
      const answer = await upload(app.base, await Deno.readFile(path));
      equal(answer.status, 201, JSON.stringify(answer.json));
      deepStrictEqual(answer.json.mapping, { name: mapping, chosen: "detected" });
      deepStrictEqual([answer.json.accepted, answer.json.rejected], [300, 0]);
      ok(answer.json.personal_columns_dropped.length > 0);
      await waitForUpload(app.base, answer.json.upload_id, { intervalMs: 100 });
      answers.push(answer.json, await getJson(`${app.base}/api/uploads/${answer.json.upload_id}`));
    }
    const secrets = await personalValues(uploads);
    ok(secrets.length >= 10, `only ${secrets.length} personal values to look for`);

    const minimal = await upload(
      app.base,
      'Ticket ID,Ticket Subject,Ticket Description\nmin-1,VPN drops every hour,"Since Monday, the VPN disconnects."\n',
    );
    equal(minimal.status, 201, JSON.stringify(minimal.json));
    ok(minimal.json.missing_columns.includes("priority_label"));
    await waitForUpload(app.base, minimal.json.upload_id, { intervalMs: 100 });

    // Each ticket keeps its words and its mapped priority.
    const jira = await getJson(`${app.base}/api/tickets/SUP-101`);
    const row = (parse(await Deno.readTextFile(JIRA_SAMPLE)) as string[][]).find((r) => r[1] === "SUP-101")!;
    equal(jira.ticket_subject, row[0]);
    equal(jira.ticket_description, row[25] || null);
    const expected: Record<string, string> = { Highest: "Critical", High: "High", Medium: "Medium", Lowest: "Low" };
    if (row[10] in expected) equal(jira.priority_label, expected[row[10]]);
    ok(typeof jira.model_version === "string" && jira.confidence > 0);
    const min = await getJson(`${app.base}/api/tickets/min-1`);
    deepStrictEqual([min.ticket_subject, min.ticket_description], [
      "VPN drops every hour",
      "Since Monday, the VPN disconnects.",
    ]);
    const labelled = await getJson(`${app.base}/api/tickets?labelled=true&limit=1000`);
    const freshdesk = labelled.rows.filter((t: { ticket_id: string }) => /^\d+$/.test(t.ticket_id));
    ok(freshdesk.some((t: { priority_label: string }) => t.priority_label === "Critical"), "Urgent reads Critical");

    // No personal value in any answer: tickets, pages of tickets, the queue, uploads, marts.
    await fetch(`${app.base}/api/marts/refresh`, { method: "POST" }).then((r) => r.body?.cancel());
    const everything = JSON.stringify([
      ...answers,
      await getJson(`${app.base}/api/tickets?limit=1000`),
      await getJson(`${app.base}/api/queue?limit=1000`),
      await getJson(`${app.base}/api/uploads`),
      await getJson(`${app.base}/api/marts/mart_top_products_critical`),
    ]);
    const leaked = secrets.filter((value) => everything.includes(value));
    deepStrictEqual(leaked, [], "personal values reached the API");
  } finally {
    await app.close();
  }
});

Deno.test("a team's own mapping: saved over the API or by deno task upload --mapping, named by ?mapping=", async () => {
  const app = await startApp();
  const dir = await Deno.makeTempDir({ prefix: "mapping-test-" });
  try {
    const csv = "Case Number,Title,Severity,Customer Email\nC-1,Checkout is down for everyone,Sev1,ann@example.com\n" +
      "C-2,How do I export my invoices?,Sev3,bob@example.com\n";
    // Without a mapping the header is not a known export: the answer says how to give one.
    const unknown = await upload(app.base, csv);
    equal(unknown.status, 422);
    ok(unknown.json.error.includes("mapping"));

    const yaml = "columns:\n  ticket_id: Case Number\n  ticket_subject: Title\n  priority_label: Severity\n" +
      "priorities:\n  Sev1: Critical\n  Sev3: Medium\n";
    const saved = await fetch(`${app.base}/api/mappings/our-desk`, { method: "PUT", body: yaml });
    equal(saved.status, 201, await saved.clone().text());
    equal((await saved.json()).name, "our-desk");
    const bad = await fetch(`${app.base}/api/mappings/other`, { method: "PUT", body: "columns: {ticket_id: Id}" });
    equal(bad.status, 422);
    await bad.body?.cancel();
    const preset = await fetch(`${app.base}/api/mappings/jira`, { method: "PUT", body: yaml });
    equal(preset.status, 409);
    await preset.body?.cancel();
    const names = (await getJson(`${app.base}/api/mappings`)).rows.map((m: { name: string }) => m.name);
    deepStrictEqual(names, ["bundled", "zendesk", "freshdesk", "jira", "our-desk"]);

    const noSuch = await fetch(`${app.base}/api/uploads?mapping=nope`, { method: "POST", body: csv });
    equal(noSuch.status, 400);
    ok((await noSuch.json()).mappings.includes("our-desk"));
    const mapped = await fetch(`${app.base}/api/uploads?mapping=our-desk`, {
      method: "POST",
      body: csv,
      headers: { "content-type": "text/csv" },
    });
    const answer = await mapped.json();
    equal(mapped.status, 201, JSON.stringify(answer));
    deepStrictEqual(answer.mapping, { name: "our-desk", chosen: "requested" });
    deepStrictEqual(answer.personal_columns_dropped, ["Customer Email"]);
    await waitForUpload(app.base, answer.upload_id, { intervalMs: 100 });
    const ticket = await getJson(`${app.base}/api/tickets/C-1`);
    deepStrictEqual([ticket.ticket_subject, ticket.priority_label], ["Checkout is down for everyone", "Critical"]);
    ok(!JSON.stringify(ticket).includes("example.com"));

    // The command line: a mapping file is checked, saved in the app under its name, and used.
    await Deno.writeTextFile(`${dir}/tickets.csv`, csv.replaceAll("C-", "D-"));
    await Deno.writeTextFile(`${dir}/desk2.yaml`, yaml.replace("Sev3: Medium", "Sev3: Low"));
    const cli = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "src/commands/upload.ts",
        "--url",
        app.base,
        "--mapping",
        `${dir}/desk2.yaml`,
        "--wait",
        `${dir}/tickets.csv`,
      ],
      cwd: fileURLToPath(new URL("..", import.meta.url)),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(cli.stderr);
    equal(cli.code, 0, stderr);
    ok(stderr.includes("mapping desk2 saved in the app"), stderr);
    equal(JSON.parse(new TextDecoder().decode(cli.stdout)).mapping.name, "desk2");
    equal((await getJson(`${app.base}/api/tickets/D-2`)).priority_label, "Low");

    const removed = await fetch(`${app.base}/api/mappings/desk2`, { method: "DELETE" });
    equal(removed.status, 204);
    equal(await fetch(`${app.base}/api/mappings/desk2`).then(async (r) => (await r.body?.cancel(), r.status)), 404);
  } finally {
    await app.close();
    await Deno.remove(dir, { recursive: true });
  }
});
