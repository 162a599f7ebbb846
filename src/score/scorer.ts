/**
 * The scorer stage: consumes tickets, scores each batch with one model run, publishes scored tickets. A message
 * it cannot read goes to the dead-letter topic with the reason, and the rest of the batch goes on.
 *
 * @module
 */
import { type Bus, type BusMessage, TOPICS } from "../bus/bus.ts";
import type { IngestedTicket, ScoredTicket } from "../ticket/schema.ts";
import type { PriorityModel } from "./model.ts";

/** Why a message is not a ticket the scorer can score, or null when it is. */
export function unreadableTicket(value: unknown): string | null {
  if (typeof value !== "object" || value === null) return "the message value is not an object";
  const t = value as Partial<IngestedTicket>;
  if (typeof t.ticket_id !== "string" || t.ticket_id === "") return "the message has no ticket_id";
  if (typeof t.upload_id !== "string") return "the message has no upload_id";
  if (typeof t.ingested_at !== "string") return "the message has no ingested_at";
  return null;
}

/** Scores one batch of tickets; each keeps the version of the model that scored it. */
export async function scoreTickets(
  model: Pick<PriorityModel, "predict">,
  tickets: readonly IngestedTicket[],
): Promise<ScoredTicket[]> {
  const predictions = await model.predict(tickets);
  const scoredAt = new Date().toISOString();
  return tickets.map((ticket, i) => ({ ...ticket, ...predictions[i], scored_at: scoredAt }));
}

/** Running totals of one scorer. */
export interface ScorerStats {
  scored: number;
  deadLettered: number;
  batches: number;
}

/** Subscribes the scorer to the `tickets` topic as consumer group `group`; the returned totals keep counting. */
export async function startScorer(
  bus: Bus,
  model: Pick<PriorityModel, "predict">,
  group = "scorer",
): Promise<ScorerStats> {
  const stats: ScorerStats = { scored: 0, deadLettered: 0, batches: 0 };
  await bus.subscribe<unknown>(TOPICS.tickets, group, async (messages) => {
    const readable: IngestedTicket[] = [];
    const dead: BusMessage<unknown>[] = [];
    for (const message of messages) {
      const reason = message.decodeError ?? unreadableTicket(message.value);
      if (reason === null) readable.push(message.value as IngestedTicket);
      else {dead.push({
          key: message.key,
          value: message.value,
          headers: { ...message.headers, error: reason, stage: "scorer" },
        });}
    }
    if (dead.length > 0) await bus.publish(TOPICS.deadLetter, dead);
    if (readable.length > 0) {
      const scored = await scoreTickets(model, readable);
      await bus.publish(TOPICS.scored, scored.map((ticket) => ({ key: ticket.ticket_id, value: ticket })));
    }
    stats.scored += readable.length;
    stats.deadLettered += dead.length;
    stats.batches++;
  });
  return stats;
}
