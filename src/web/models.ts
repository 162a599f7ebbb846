/**
 * Model versions over HTTP: the registry (`GET /api/models`), what a version would change if promoted
 * (`GET /api/models/:version/preview`), promotion (`POST /api/models/:version/promote`, body `{"force": true}` to
 * promote a challenger that was clearly worse than the live model, overall or on a segment) and a rescore of the
 * open tickets (`POST /api/rescore`). A promotion takes effect in this process at once and in every scorer
 * watching the registry within seconds.
 *
 * @module
 */
import type { Hono } from "hono";
import { type Bus, TOPICS } from "../bus/bus.ts";
import type { LiveModel } from "../score/live_model.ts";
import type { Row, Store } from "../store/store.ts";
import { type IngestedTicket, type Ticket, TICKET_COLUMNS, UPLOAD_COLUMNS } from "../ticket/schema.ts";
import { loadModel } from "../score/model.ts";
import { type ModelRegistry, PromotionRefused, UnknownVersion } from "../score/registry.ts";

/** Adds the model routes to `app`. Without a registry (`MODEL_DIR` pins the model) they say so. */
export function modelRoutes(
  app: Hono,
  registry: ModelRegistry | null,
  model: LiveModel,
  store: Store,
  log: (line: string) => void,
): void {
  const pinned = (c: { json: (body: unknown, status: 409) => Response }) =>
    c.json({ error: `MODEL_DIR pins the model (${model.version}); unset it to use the model registry` }, 409);

  app.get("/api/models", async (c) => {
    if (!registry) return pinned(c);
    const live = await registry.live();
    return c.json({
      live: live.version,
      live_since: live.since,
      scoring: model.version,
      versions: await registry.versions(),
    });
  });

  // What promoting a version would change: the open tickets' predictions by the live model and by it, and how the
  // two compared by segment on the labelled tickets it was trained on (its predictions out of fold).
  app.get("/api/models/:version/preview", async (c) => {
    if (!registry) return pinned(c);
    const version = c.req.param("version");
    if (!(await registry.has(version))) return c.json({ error: `no model version "${version}" in the registry` }, 404);
    const candidate = await loadModel(registry.versionDir(version));
    try {
      let open = 0, changed = 0, liveReview = 0, candidateReview = 0;
      const transitions: Record<string, number> = {};
      for (let offset = 0;; offset += PREVIEW_PAGE) {
        const page = await store.listTickets({ open: true, limit: PREVIEW_PAGE, offset });
        if (page.rows.length === 0) break;
        const tickets = page.rows as unknown as Ticket[];
        const [now, then] = [await model.predict(tickets), await candidate.predict(tickets)];
        for (let i = 0; i < tickets.length; i++) {
          open++;
          if (now[i].needs_review) liveReview++;
          if (then[i].needs_review) candidateReview++;
          if (now[i].priority_pred === then[i].priority_pred) continue;
          changed++;
          const move = `${now[i].priority_pred}→${then[i].priority_pred}`;
          transitions[move] = (transitions[move] ?? 0) + 1;
        }
      }
      const share = (n: number) => open === 0 ? null : Math.round((n / open) * 10_000) / 10_000;
      const compared = (await registry.versions()).find((v) => v.version === version)?.compared_with_live;
      return c.json({
        version,
        live: model.version,
        open_tickets: open,
        changed,
        transitions,
        review_share: { live: share(liveReview), candidate: share(candidateReview) },
        segments: compared?.segments ?? [],
        worse_segments: compared?.worse_segments ?? [],
      });
    } finally {
      await candidate.close();
    }
  });

  app.post("/api/models/:version/promote", async (c) => {
    if (!registry) return pinned(c);
    const body = await c.req.json().catch(() => ({})) as { force?: unknown };
    const version = c.req.param("version");
    try {
      const live = await registry.promote(version, { force: body?.force === true });
      await model.refresh(registry, log);
      log(`model ${version} promoted${body?.force === true ? " (forced)" : ""}`);
      return c.json({ live: live.version, live_since: live.since, scoring: model.version });
    } catch (error) {
      if (error instanceof UnknownVersion) return c.json({ error: error.message }, 404);
      if (error instanceof PromotionRefused) return c.json({ error: error.message }, 409);
      throw error;
    }
  });
}

/** Open tickets scored at a time by a preview. */
const PREVIEW_PAGE = 1000;

/** Tickets re-published at a time by a rescore. */
const RESCORE_PAGE = 1000;

/**
 * `POST /api/rescore`: sends every stored open ticket through the scorer again, so the queue and marts show the
 * live model's predictions. Answers a stream of progress lines (JSON, one per page): `{published, total}`, then
 * `{done: true, published, total, model_version}`.
 */
export function rescoreRoute(app: Hono, store: Store, bus: Bus, model: LiveModel, log: (line: string) => void): void {
  app.post("/api/rescore", (c) => {
    const encoder = new TextEncoder();
    const body = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (value: unknown) => controller.enqueue(encoder.encode(JSON.stringify(value) + "\n"));
        try {
          let published = 0, total = 0;
          for (let offset = 0;; offset += RESCORE_PAGE) {
            const page = await store.listTickets({ open: true, limit: RESCORE_PAGE, offset });
            total = page.total;
            if (page.rows.length === 0) break;
            await bus.publish<IngestedTicket>(
              TOPICS.tickets,
              page.rows.map((row) => ({ key: String(row.ticket_id), value: ingestedTicketOf(row) })),
            );
            published += page.rows.length;
            send({ published, total });
          }
          await store.flushStaged(); // the in-process store may hold the last pages for a larger load
          log(`rescore: ${published} open tickets sent to be scored by ${model.version}`);
          send({ done: true, published, total, model_version: model.version });
        } catch (error) {
          log(`rescore failed: ${(error as Error).message}`);
          send({ error: "the rescore stopped; the server log has the details" });
        } finally {
          controller.close();
        }
      },
    });
    return c.body(body, 200, { "content-type": "application/x-ndjson" });
  });
}

/**
 * A stored ticket as it came in: its upload fields (with the label its upload carried, not an agent's override,
 * which stays in the overrides) and where it came from, ready to be scored again.
 */
function ingestedTicketOf(row: Row): IngestedTicket {
  const ticket = Object.fromEntries(
    [...UPLOAD_COLUMNS, ...TICKET_COLUMNS.filter((c) => c.source === "origin")].map((c) => {
      const value = row[c.name] ?? null;
      // The store answers a date as an instant at midnight; a ticket carries the date (YYYY-MM-DD).
      return [c.name, c.type === "date" && typeof value === "string" ? value.slice(0, 10) : value];
    }),
  );
  ticket.priority_label = "upload_label" in row ? row.upload_label : row.priority_label;
  return ticket as unknown as IngestedTicket;
}
