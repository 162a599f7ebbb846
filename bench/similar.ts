/**
 * Similar tickets on a large store: how long `GET /api/tickets/:id/similar?limit=10` takes (the app as `deno task
 * start` wires it, on a DuckDB store of `--tickets` scored tickets; requests handed to its HTTP app in-process),
 * against the exact search it stands in for (read every current ticket's text and rank all of them by the same
 * similarity), by turns; and how much of the exact top 10 the signatures find (recall@10, ties counted as found),
 * overall and of its close tickets (similarity 0.5 or more: rewordings and duplicates).
 *
 * The tickets are the ISO sample resampled with fresh ids, each description given three words drawn from the
 * sample's own words, so that no two texts are alike by construction; or, with `--from FILE`, the tickets of a CSV
 * as they are (real text: recall there is what agents get).
 *
 *   deno task bench:similar [--tickets 1000000] [--queries 30] [--exact 3] [--from FILE] [--keep DIR]
 *
 * @module
 */
import { commandLine, runCommand, UsageError } from "../src/cli.ts";
import { readTicketFile } from "../src/ingest/read_file.ts";
import { loadModel, type PriorityModel } from "../src/score/model.ts";
import type { LiveModel } from "../src/score/live_model.ts";
import { scoreTickets } from "../src/score/scorer.ts";
import { DATABASE_FILE, openDuckDbStore } from "../src/store/duckdb_store.ts";
import type { Row, Store } from "../src/store/store.ts";
import { buildApp } from "../src/app.ts";
import { loadConfig } from "../src/config.ts";
import type { IngestedTicket, Ticket } from "../src/ticket/schema.ts";
import { seededRandom } from "../src/train/random.ts";
import { median } from "./median.ts";
import { ISO_SAMPLE } from "../scripts/samples/paths.ts";

const HELP = `Usage: deno task bench:similar [options]

Times similar-ticket queries on a DuckDB store against an exact search over every ticket, by turns, and reports
recall@10 of the signatures against the exact ranking. Prints a JSON summary on its last line.

Options:
  --tickets N   tickets in the store, the ISO sample resampled (default 1000000)
  --from FILE   store the tickets of this CSV instead, as they are (real text)
  --queries N   similar-ticket queries timed (default 30)
  --exact N     exact searches timed, each also giving one recall figure (default 3)
  --keep DIR    build the store in DIR and reuse it when it is there already`;

const LIMIT = 10;
/** Similarity from which a ticket counts as close (a rewording or a duplicate). */
const CLOSE = 0.5;

runCommand(async () => {
  const { values } = commandLine(HELP, {
    tickets: { type: "string", default: "1000000" },
    from: { type: "string" },
    queries: { type: "string", default: "30" },
    exact: { type: "string", default: "3" },
    keep: { type: "string" },
  });
  const count = Number(values.tickets), queries = Number(values.queries), exactRuns = Number(values.exact);
  if (![count, queries, exactRuns].every((n) => Number.isInteger(n) && n > 0)) {
    throw new UsageError(`--tickets, --queries and --exact take whole numbers\n\n${HELP}`);
  }
  const dir = values.keep ?? await Deno.makeTempDir({ prefix: "similar-bench-" });
  if (!(values.keep !== undefined && await exists(`${dir}/${DATABASE_FILE}`))) {
    const model = await loadModel();
    const store = await openDuckDbStore(dir);
    try {
      await fill(store, model, values.from ? readTicketFile(values.from) : resampled(count));
    } finally {
      await store.close();
      await model.close();
    }
  }
  const app = await buildApp(loadConfig({ DATA_DIR: dir, MARTS_CRON: "0 0 1 1 *" }), { site: false, log: () => {} });
  try {
    const store = app.store;
    const stored = (await store.listTickets({ limit: 1, offset: 0 })).total;
    console.error(`${stored} tickets stored in ${dir}`);
    const ids = await sampleIds(store, Math.max(queries, exactRuns));
    const similarOf = async (id: string): Promise<{ ticket_id: string; similarity: number }[]> => {
      const response = await app.http.fetch(
        new Request(`http://127.0.0.1/api/tickets/${encodeURIComponent(id)}/similar?limit=${LIMIT}`),
        { remoteAddr: { hostname: "127.0.0.1" } },
      );
      if (!response.ok) throw new Error(`similar of ${id}: ${response.status} ${await response.text()}`);
      return (await response.json()).rows;
    };

    const indexed: number[] = [], exact: number[] = [], recalls: number[] = [], close: number[] = [];
    const perExact = Math.ceil(queries / exactRuns);
    for (let q = 0; q < queries; q++) {
      const started = performance.now();
      const found = await similarOf(ids[q]);
      indexed.push(performance.now() - started);
      if (q % perExact === 0 && exact.length < exactRuns) {
        // By turns: an exact search after each run of requests, for the same ticket.
        const begun = performance.now();
        const truth = await exactSimilar(store, app.model, (await store.getTicket(ids[q]))!);
        exact.push(performance.now() - begun);
        recalls.push(recallAt(found, truth));
        const closeIds = truth.top.filter((t) => t.similarity >= CLOSE).map((t) => t.id);
        if (closeIds.length > 0) {
          close.push(closeIds.filter((id) => found.some((f) => f.ticket_id === id)).length / closeIds.length);
        }
      }
    }
    const p95 = indexed.toSorted((a, b) => a - b)[Math.floor(0.95 * (indexed.length - 1))];
    const summary = {
      tickets: stored,
      similar_ms_median: round(median(indexed)),
      similar_ms_p95: round(p95),
      exact_ms_median: round(median(exact)),
      exact_vs_similar: round(median(exact) / median(indexed)),
      recall_at_10: round(mean(recalls)),
      close_recall_at_10: close.length > 0 ? round(mean(close)) : null,
      queries_with_close: close.length,
    };
    console.error(
      `GET /api/tickets/:id/similar?limit=${LIMIT}: median ${summary.similar_ms_median} ms (p95 ` +
        `${summary.similar_ms_p95}) over ${queries} requests; exact search ${summary.exact_ms_median} ms ` +
        `(${summary.exact_vs_similar}x slower); recall@10 ${summary.recall_at_10} over ${recalls.length}, of close ` +
        `tickets (similarity ≥ ${CLOSE}) ${summary.close_recall_at_10} over ${close.length}`,
    );
    console.log(JSON.stringify(summary));
  } finally {
    await app.close();
    if (values.keep === undefined) await Deno.remove(dir, { recursive: true });
  }
});

/** Scores and stores the tickets as one done upload. */
async function fill(
  store: Awaited<ReturnType<typeof openDuckDbStore>>,
  model: PriorityModel,
  batches: AsyncIterable<Ticket[]>,
): Promise<void> {
  const upload = { upload_id: "bench", filename: "bench.csv", bytes: 0, uploaded_by: null, summary: null };
  await store.saveUpload({ ...upload, created_at: new Date().toISOString(), status: "receiving", failure: null });
  let stored = 0;
  for await (const batch of batches) {
    const ingested = batch.map((t) => ({ ...t, upload_id: "bench", ingested_at: new Date().toISOString() }));
    await store.writeScored(await scoreTickets(model, ingested as IngestedTicket[]));
    stored += batch.length;
    if (stored % 100_000 < batch.length) console.error(`${stored} tickets stored`);
  }
  await store.saveUpload({ ...upload, created_at: new Date().toISOString(), status: "done", failure: null });
}

/** The ISO sample resampled to `count` tickets with fresh ids, each description given three of the sample's words. */
async function* resampled(count: number): AsyncGenerator<Ticket[]> {
  const sample: Ticket[] = [];
  for await (const batch of readTicketFile(ISO_SAMPLE)) sample.push(...batch);
  const words = [...new Set(sample.flatMap((t) => (t.ticket_description ?? "").split(/\W+/).filter(Boolean)))];
  const random = seededRandom(7);
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)];
  for (let from = 0; from < count; from += 4096) {
    yield Array.from({ length: Math.min(4096, count - from) }, (_, i) => {
      const ticket = pick(sample);
      const extra = `${pick(words)} ${pick(words)} ${pick(words)}`;
      return {
        ...ticket,
        ticket_id: `similar-${from + i + 1}`,
        ticket_description: `${ticket.ticket_description ?? ""} ${extra}`,
      };
    });
  }
}

/** `n` ticket ids spread over the store. */
async function sampleIds(store: Store, n: number): Promise<string[]> {
  const total = (await store.listTickets({ limit: 1, offset: 0 })).total;
  const random = seededRandom(3);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const page = await store.listTickets({ limit: 1, offset: Math.floor(random() * total) });
    ids.push(String(page.rows[0].ticket_id));
  }
  return ids;
}

/** Every current ticket ranked by its similarity to `row`: the ten most similar ids and the tenth's similarity. */
async function exactSimilar(
  store: Store,
  model: Pick<LiveModel, "similarity">,
  row: Row,
): Promise<{ ids: Set<string>; tenth: number; top: { id: string; similarity: number }[] }> {
  const scores: { id: string; similarity: number }[] = [];
  await store.withMartSession(async (session) => {
    // A twentieth of the tickets at a time, to keep memory bounded.
    for (let part = 0; part < 20; part++) {
      const rows = await session.query(
        `SELECT ticket_id, ticket_subject, ticket_description FROM ${store.sources.tickets}
         WHERE hash(ticket_id) % 20 = ${part}`,
      ).then((part) => part.filter((r) => r.ticket_id !== row.ticket_id));
      const similarity = await model.similarity(row as unknown as Ticket, rows as unknown as Ticket[]);
      rows.forEach((r, i) => scores.push({ id: String(r.ticket_id), similarity: similarity[i] }));
    }
  });
  scores.sort((a, b) => b.similarity - a.similarity);
  const top = scores.slice(0, LIMIT);
  return { ids: new Set(top.map((s) => s.id)), tenth: top.at(-1)?.similarity ?? 0, top };
}

/** The share of the exact top 10 the similar tickets found: a found ticket as similar as the tenth counts. */
function recallAt(found: { ticket_id: string; similarity: number }[], truth: { ids: Set<string>; tenth: number }) {
  const hits = found.filter((f) => truth.ids.has(f.ticket_id) || f.similarity >= truth.tenth - 1e-4).length;
  return Math.min(1, hits / Math.max(1, truth.ids.size));
}

const round = (x: number) => Math.round(x * 100) / 100;
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}
