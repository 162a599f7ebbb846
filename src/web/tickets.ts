/**
 * Tickets over HTTP: one ticket (`GET /api/tickets/:id`), a page of tickets (`GET /api/tickets?upload_id=&
 * labelled=&limit=&offset=`), an agent's priority for a ticket (`PUT /api/tickets/:id/priority`) and the triage
 * queue (`GET /api/queue?...`), and a ticket's similar tickets (`GET /api/tickets/:id/similar?limit=`, see
 * `similar.ts`). A ticket answers its latest score: the predicted priority
 * with each class's calibrated probability, the confidence, whether it needs review, the language and sentiment
 * read in its text, the model version, the human label, and its other fields. Customer name and email were never
 * kept. The queue, which the dashboards show, leaves out the free text too (description and resolution can carry
 * personal details); one ticket's own answer has it.
 *
 * @module
 */
import type { Hono } from "hono";
import type { QueueQuery, Row, Store } from "../store/store.ts";
import { PRIORITIES, type Priority, probabilityColumn, type Ticket } from "../ticket/schema.ts";
import type { LiveModel } from "../score/live_model.ts";
import { agentOf } from "./security.ts";
import { findSimilar, MAX_SIMILAR } from "./similar.ts";

/** The most tickets one page answers. */
export const MAX_PAGE = 1000;

/**
 * A stored ticket as the API answers it: the class probabilities gathered into `probabilities`, the text signature
 * (an index, not a fact about the ticket) left out.
 */
export function apiTicket(row: Row): Record<string, unknown> {
  const fields: Row = { ...row };
  for (const column of [...PRIORITIES.map(probabilityColumn), "needs_review", "simhash_high", "simhash_low"]) {
    delete fields[column];
  }
  return {
    ticket_id: fields.ticket_id,
    priority_pred: fields.priority_pred,
    probabilities: Object.fromEntries(PRIORITIES.map((p) => [p, row[probabilityColumn(p)]])),
    confidence: fields.confidence,
    needs_review: Boolean(row.needs_review),
    language: fields.language,
    sentiment: fields.sentiment,
    model_version: fields.model_version,
    priority_label: fields.priority_label,
    ...fields,
  };
}

/** A queue row: the API's ticket without its free text. */
function queueTicket(row: Row): Record<string, unknown> {
  const { ticket_description: _description, resolution: _resolution, ...rest } = apiTicket(row);
  return rest;
}

/** Why a query parameter is unusable, as a 400 answer's message. */
class BadQuery extends Error {}

function whole(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new BadQuery(`${name} must be a whole number from 0 to ${max}`);
  return n;
}

function flag(value: string | undefined, name: string): boolean | undefined {
  if (value === undefined || value === "") return undefined;
  if (value === "true" || value === "false") return value === "true";
  throw new BadQuery(`${name} must be true or false`);
}

/** Adds the ticket routes to `app`. */
export function ticketRoutes(
  app: Hono,
  store: Store,
  model: Pick<LiveModel, "explain" | "predict" | "similarity">,
): void {
  app.get("/api/tickets/:id", async (c) => {
    const row = await store.getTicket(c.req.param("id"));
    if (!row) return c.json({ error: "no ticket with that id" }, 404);
    // Why the live model predicts what it does, in the ticket's own words (the stored prediction may be an older
    // model's: the explanation names its model).
    const explanation = await model.explain(row as unknown as Ticket);
    return c.json({ ...apiTicket(row), explanation });
  });

  app.get("/api/tickets/:id/similar", async (c) => {
    try {
      const limit = whole(c.req.query("limit"), "limit", 5, MAX_SIMILAR);
      const row = await store.getTicket(c.req.param("id"));
      if (!row) return c.json({ error: "no ticket with that id" }, 404);
      return c.json({ rows: await findSimilar(store, model, row, limit) });
    } catch (error) {
      if (error instanceof BadQuery) return c.json({ error: error.message }, 400);
      throw error;
    }
  });

  app.get("/api/tickets", async (c) => {
    try {
      const page = await store.listTickets({
        uploadId: c.req.query("upload_id") || undefined,
        labelled: flag(c.req.query("labelled"), "labelled"),
        limit: whole(c.req.query("limit"), "limit", 100, MAX_PAGE),
        offset: whole(c.req.query("offset"), "offset", 0, Number.MAX_SAFE_INTEGER),
      });
      return c.json({ rows: page.rows.map(apiTicket), total: page.total });
    } catch (error) {
      if (error instanceof BadQuery) return c.json({ error: error.message }, 400);
      throw error;
    }
  });

  app.put("/api/tickets/:id/priority", async (c) => {
    const body = await c.req.json().catch(() => null) as { priority?: unknown } | null;
    const priority = body?.priority;
    if (typeof priority !== "string" || !(PRIORITIES as readonly string[]).includes(priority)) {
      return c.json({ error: `priority must be one of ${PRIORITIES.join(", ")}`, allowed: PRIORITIES }, 400);
    }
    const row = await store.overridePriority(c.req.param("id"), priority as Priority, agentOf(c));
    return row ? c.json(apiTicket(row)) : c.json({ error: "no ticket with that id" }, 404);
  });

  app.get("/api/queue", async (c) => {
    try {
      const priority = c.req.query("priority") || undefined;
      if (priority !== undefined && !(PRIORITIES as readonly string[]).includes(priority)) {
        throw new BadQuery(`priority must be one of ${PRIORITIES.join(", ")}`);
      }
      const text = (name: string) => c.req.query(name)?.slice(0, 200) || undefined;
      const query: QueueQuery = {
        priority,
        needsReview: flag(c.req.query("needs_review"), "needs_review"),
        product: text("product"),
        channel: text("channel"),
        type: text("type"),
        language: text("language"),
        search: text("q"),
        limit: whole(c.req.query("limit"), "limit", 100, MAX_PAGE),
        offset: whole(c.req.query("offset"), "offset", 0, Number.MAX_SAFE_INTEGER),
      };
      const page = await store.queue(query);
      return c.json({ rows: page.rows.map(queueTicket), total: page.total });
    } catch (error) {
      if (error instanceof BadQuery) return c.json({ error: error.message }, 400);
      throw error;
    }
  });
}
