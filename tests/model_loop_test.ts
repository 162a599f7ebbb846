/**
 * Agents teach the model, over HTTP, in one server process throughout: labelled tickets are uploaded, an agent
 * overrides a priority, `deno task train --from-store` trains a new version from the store while the app runs, the
 * new version is promoted, and the next uploads are scored by it. A challenger clearly worse than the live model is
 * refused unless forced; a promotion in the middle of an upload loses nothing and scores nothing twice.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { waitForUpload } from "../src/client/upload.ts";
import type { Prediction } from "../src/score/model.ts";
import { openRegistry } from "../src/score/registry.ts";
import { macroF1 } from "../src/train/compare.ts";
import { eventually, heldUpload, startApp, type TestApp, upload } from "../scripts/harness/app.ts";
import { needing } from "../scripts/means.ts";
import { textSignalTickets, ticketsCsv } from "../scripts/samples/synthetic.ts";

/** `deno task train` against the app, as a user runs it while the app runs; answers its JSON report. */
async function trainFromStore(app: TestApp, extra: string[] = []): Promise<{
  version: string;
  compared_with_live: {
    challenger_macro_f1: number;
    live_macro_f1: number;
    clearly_worse: boolean;
    worse_segments: unknown[];
  };
}> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "train", "--from-store", "--url", app.base, ...extra],
    cwd: new URL("../", import.meta.url),
    env: { DATA_DIR: app.dataDir },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout);
  ok(out.success, text + new TextDecoder().decode(out.stderr));
  return JSON.parse(text);
}

/** Every ticket of an upload, as the API answers them. */
async function ticketsOf(app: TestApp, uploadId: string): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (let offset = 0;; offset += 1000) {
    const page = await (await fetch(`${app.base}/api/tickets?upload_id=${uploadId}&limit=1000&offset=${offset}`))
      .json();
    rows.push(...page.rows);
    if (rows.length >= page.total || page.rows.length === 0) return rows;
  }
}

const promote = (app: TestApp, version: string, force = false) =>
  fetch(`${app.base}/api/models/${encodeURIComponent(version)}/promote`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ force }),
  });

Deno.test(
  await needing(["python"], {
    name: "the loop over HTTP: overrides, train from the store, promote, new uploads scored by the new version",
    fn: async () => {
      const app = await startApp();
      try {
        const first = await upload(app.base, ticketsCsv(textSignalTickets(6000, 11)));
        equal(first.status, 201);
        await waitForUpload(app.base, first.json.upload_id);
        const shipped = (await (await fetch(`${app.base}/api/models`)).json()).live;

        // An agent overrides a priority: it becomes the ticket's label; a bad priority and an unknown ticket fail.
        const put = (id: string, priority: string) =>
          fetch(`${app.base}/api/tickets/${id}/priority`, {
            method: "PUT",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ priority }),
          });
        const overridden = await put("text-11-1", "Critical");
        equal(overridden.status, 200);
        const row = await overridden.json();
        deepStrictEqual([row.priority_label, row.label_source], ["Critical", "agent"]);
        const bad = await put("text-11-1", "Urgent");
        equal(bad.status, 400);
        ok((await bad.json()).error.includes("Low, Medium, High, Critical"));
        const unknown = await put("no-such-ticket", "Low");
        equal(unknown.status, 404);
        await unknown.body?.cancel();
        equal((await (await fetch(`${app.base}/api/tickets/text-11-2`)).json()).label_source, "upload");

        // A new version trained from the store while the app runs, measured against the live one.
        const trained = await trainFromStore(app);
        const { challenger_macro_f1: f1, live_macro_f1: liveF1 } = trained.compared_with_live;
        ok(f1 >= 0.8, `held-out macro-F1 of the new version: ${f1}`);
        const listed = await (await fetch(`${app.base}/api/models`)).json();
        equal(listed.live, shipped);
        ok(listed.versions.some((v: { version: string }) => v.version === trained.version));
        equal((await promote(app, "no-such-version")).status, 404);

        // What promoting it would change: the open tickets' predictions by each model, and both by segment.
        const preview = await (await fetch(`${app.base}/api/models/${trained.version}/preview`)).json();
        ok(
          preview.open_tickets > 0 && preview.changed > 0 && preview.changed <= preview.open_tickets,
          JSON.stringify(preview),
        );
        equal(
          Object.values(preview.transitions as Record<string, number>).reduce((a, b) => a + b, 0),
          preview.changed,
        );
        ok(
          Object.keys(preview.transitions).every((t) =>
            /^(Low|Medium|High|Critical)→(Low|Medium|High|Critical)$/.test(t)
          ),
        );
        ok(preview.review_share.live >= 0 && preview.review_share.candidate >= 0);
        const segmentsBy = new Set(preview.segments.map((s: { by: string }) => s.by));
        ok(["channel", "type"].every((by) => segmentsBy.has(by)), `segments by ${[...segmentsBy]}`);
        deepStrictEqual(preview.worse_segments, [], "better than the shipped model on every segment");
        equal((await fetch(`${app.base}/api/models/no-such-version/preview`)).status, 404);

        const promoted = Date.now();
        const answer = await (await promote(app, trained.version)).json();
        equal(answer.scoring, trained.version, "this process scores with it at once");
        const second = await upload(app.base, ticketsCsv(textSignalTickets(2000, 12)));
        await waitForUpload(app.base, second.json.upload_id);
        const seconds = (Date.now() - promoted) / 1000;
        const rows = await ticketsOf(app, second.json.upload_id);
        ok(rows.every((r) => r.model_version === trained.version), "every new ticket scored by the new version");
        const unseen = macroF1(rows.map((r) => String(r.priority_label)), rows.map((r) => String(r.priority_pred)));
        console.log(
          `from the store: new version held-out macro-F1 ${f1} against ${liveF1} for the live one; on 2,000 unseen ` +
            `tickets uploaded after the promotion ${unseen.toFixed(4)}; promote → those 2,000 stored ${
              seconds.toFixed(1)
            } s`,
        );
        ok(unseen >= 0.85, `macro-F1 on unseen tickets ${unseen}`);

        // Each ticket read over the API carries its description and why the model predicts what it does, in its
        // own words; without its strongest term the model is less sure of that priority.
        let lowered = 0;
        for (const row of rows.slice(0, 20)) {
          const read = await (await fetch(`${app.base}/api/tickets/${row.ticket_id}`)).json();
          ok(typeof read.ticket_description === "string" && read.ticket_description.length > 0, "a description");
          const { explanation } = read;
          equal(explanation.model_version, trained.version);
          ok(explanation.terms.length > 0, `terms for ${row.ticket_id}: ${JSON.stringify(explanation)}`);
          const words = new Set(
            `${read.ticket_subject ?? ""} ${read.ticket_description}`.toLowerCase().split(/[^\p{L}\p{N}']+/u),
          );
          for (const { term, weight } of explanation.terms) {
            ok(weight > 0 && term.toLowerCase().split(" ").every((w: string) => words.has(w)), `"${term}" is its own`);
          }
          // Its similar tickets, by the new version's weights: others, most similar first.
          const similar = (await (await fetch(`${app.base}/api/tickets/${row.ticket_id}/similar?limit=3`)).json()).rows;
          ok(similar.length === 3 && similar.every((s: { ticket_id: string }) => s.ticket_id !== row.ticket_id));
          ok(similar[0].similarity >= similar[2].similarity && similar[2].similarity > 0, JSON.stringify(similar));
          const top = explanation.terms[0].term.split(" ")[0];
          const without = (text: string | null) => text?.replace(new RegExp(`\\b${top}\\b`, "gi"), "") ?? null;
          const [before, after] = await app.app.model.predict([
            read,
            {
              ...read,
              ticket_subject: without(read.ticket_subject),
              ticket_description: without(read.ticket_description),
            },
          ]);
          const key = `p_${explanation.predicted.toLowerCase()}` as "p_low" | "p_medium" | "p_high" | "p_critical";
          const p = (x: Prediction) => x[key];
          if (p(after) < p(before)) lowered++;
        }
        equal(lowered, 20, "removing each ticket's strongest term lowers the probability of its predicted priority");

        // A challenger blind to the text is clearly worse than the live text model: refused, unless forced.
        const blind = await trainFromStore(app, ["--drop-prefix", "text_", "--drop-prefix", "description_"]);
        ok(blind.compared_with_live.clearly_worse, JSON.stringify(blind.compared_with_live));
        ok(blind.compared_with_live.worse_segments.length > 0, "and worse on its segments");
        const refused = await promote(app, blind.version);
        equal(refused.status, 409);
        ok((await refused.json()).error.includes("clearly worse"));
        equal((await promote(app, blind.version, true)).status, 200);
        // Rolling back is promoting the previous version.
        equal((await (await promote(app, trained.version)).json()).scoring, trained.version);
      } finally {
        await app.close();
      }
    },
  }),
);

Deno.test("a promotion in the middle of an upload loses nothing: every ticket scored once, by one of the two", async () => {
  const app = await startApp({ BATCH_SIZE: "500" });
  try {
    // A second version in the registry (the shipped model again, under its own version name).
    const registry = await openRegistry(`${app.dataDir}/models`);
    const before = (await registry.live()).version;
    const after = await registry.add(registry.versionDir(before));
    const tickets = textSignalTickets(20_000, 21);
    // The upload holds back its second half until the promotion, so the two versions each score part of it.
    const csv = new TextEncoder().encode(ticketsCsv(tickets));
    const held = heldUpload(app.base, csv, Math.floor(csv.length / 2));
    try {
      // Promote once the first half is being stored (its tickets are stored as they come, and count once the
      // upload is done; a held upload's staged batches are loaded as soon as staging goes quiet).
      await eventually("the first half stored", async () => {
        const [receiving] = (await (await fetch(`${app.base}/api/uploads`)).json()).rows;
        return receiving !== undefined &&
          (await (await fetch(`${app.base}/api/uploads/${receiving.upload_id}`)).json()).scored > 2000;
      });
      equal((await promote(app, after)).status, 200);
    } finally {
      held.release();
    }
    const sent = await held.sending;
    equal(sent.json.accepted, tickets.length);
    const done = await waitForUpload(app.base, sent.json.upload_id);
    equal(done.scored, tickets.length, "every ticket stored once");
    const rows = await ticketsOf(app, sent.json.upload_id);
    equal(new Set(rows.map((r) => r.ticket_id)).size, tickets.length);
    const byVersion = Object.groupBy(rows, (r) => String(r.model_version));
    deepStrictEqual(Object.keys(byVersion).sort(), [before, after].sort(), "scored by both, nothing else");
    console.log(
      `promotion mid-upload: ${byVersion[before]!.length} tickets scored by ${before}, ` +
        `${byVersion[after]!.length} by ${after}; ${rows.length} stored, ${tickets.length} sent`,
    );
  } finally {
    await app.close();
  }
});
