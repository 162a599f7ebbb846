/**
 * Similar tickets: the stored tickets whose text is nearest a ticket's, for agents to spot duplicates and see how
 * tickets like it were labelled. The store finds candidates by their text signatures (`score/simhash.ts`: the
 * fewest differing bits, an integer operation per stored ticket), and the live model ranks those few by the exact
 * similarity of their weighted terms; a ticket with no term in common is not similar.
 *
 * @module
 */
import type { LiveModel } from "../score/live_model.ts";
import type { Signature } from "../score/simhash.ts";
import type { Row, Store } from "../store/store.ts";
import type { Ticket } from "../ticket/schema.ts";

/** The most similar tickets one answer lists. */
export const MAX_SIMILAR = 50;

/**
 * Candidates read per similar ticket asked for (and at least {@linkcode MIN_CANDIDATES}): signatures estimate the
 * similarity, so the exact ranking needs a wider net than the answer. `bench/similar.ts` measures what this finds of
 * the exact nearest tickets.
 */
export const CANDIDATES_PER_ROW = 20;
export const MIN_CANDIDATES = 200;

/** A similar ticket as the API answers it. */
export interface SimilarTicket {
  ticket_id: string;
  /** 0 to 1: the cosine of the two texts' weighted terms (`PriorityModel.similarity`). */
  similarity: number;
  ticket_subject: string | null;
  priority_label: string | null;
  priority_pred: string;
}

/**
 * The `limit` stored tickets most similar to `ticket` (a stored row), most similar first (ties by id), the ticket
 * itself left out.
 */
export async function findSimilar(
  store: Pick<Store, "nearSignature">,
  model: Pick<LiveModel, "predict" | "similarity">,
  ticket: Row,
  limit: number,
): Promise<SimilarTicket[]> {
  const signature = await signatureOf(model, ticket);
  const candidates = await store.nearSignature({
    signature,
    exclude: String(ticket.ticket_id),
    limit: Math.max(MIN_CANDIDATES, CANDIDATES_PER_ROW * limit),
  });
  const similarity = await model.similarity(ticket as unknown as Ticket, candidates as unknown as Ticket[]);
  return candidates
    .map((row, i) => ({
      ticket_id: String(row.ticket_id),
      similarity: Math.round(similarity[i] * 10_000) / 10_000,
      ticket_subject: row.ticket_subject as string | null,
      priority_label: row.priority_label as string | null,
      priority_pred: row.priority_pred as string,
    }))
    .filter((row) => row.similarity > 0)
    .sort((a, b) => b.similarity - a.similarity || (a.ticket_id < b.ticket_id ? -1 : 1))
    .slice(0, limit);
}

/** The ticket's stored signature, or the live model's for a ticket stored before signatures were. */
async function signatureOf(model: Pick<LiveModel, "predict">, ticket: Row): Promise<Signature> {
  if (typeof ticket.simhash_high === "number" && typeof ticket.simhash_low === "number") {
    return { high: ticket.simhash_high, low: ticket.simhash_low };
  }
  const [prediction] = await model.predict([ticket as unknown as Ticket]);
  return { high: prediction.simhash_high, low: prediction.simhash_low };
}
