/**
 * The scorer stage: consumes tickets, scores each batch with one model run, publishes scored tickets. A message it
 * cannot use (not decodable, not a ticket of the schema's types, or one the model cannot score) goes to the
 * dead-letter topic with the reason, and the rest of the batch goes on: no message can stall a partition.
 *
 * @module
 */
import { type Bus, type BusMessage, TOPICS } from "../bus/bus.ts";
import { INGESTED_SOURCES, type IngestedTicket, type ScoredTicket } from "../ticket/schema.ts";
import { markChecked, ticketReader } from "../ticket/validate.ts";
import type { PriorityModel } from "./model.ts";

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

/** A message as it goes to the dead letters: as it came, with why and where in the `error` and `stage` headers. */
export function deadLetter(message: BusMessage<unknown>, reason: string, stage: string): BusMessage<unknown> {
  return { key: message.key, value: message.value, headers: { ...message.headers, error: reason, stage } };
}

/** Subscribes the scorer to the `tickets` topic as consumer group `group`; the returned totals keep counting. */
export async function startScorer(
  bus: Bus,
  model: Pick<PriorityModel, "predict">,
  group = "scorer",
): Promise<ScorerStats> {
  const stats: ScorerStats = { scored: 0, deadLettered: 0, batches: 0 };
  const readIngested = ticketReader<IngestedTicket>(INGESTED_SOURCES);
  await bus.subscribe<unknown>(TOPICS.tickets, group, async (messages) => {
    const readable: IngestedTicket[] = [];
    const readableMessages: BusMessage<unknown>[] = [];
    const dead: BusMessage<unknown>[] = [];
    for (const message of messages) {
      const read = message.decodeError === undefined ? readIngested(message.value) : { problem: message.decodeError };
      if ("ticket" in read) {
        readable.push(read.ticket);
        readableMessages.push(message);
      } else dead.push(deadLetter(message, read.problem, "scorer"));
    }
    let scored: ScoredTicket[] = [];
    if (readable.length > 0) {
      try {
        scored = await scoreTickets(model, readable);
      } catch {
        // One ticket the model chokes on must not hold back the others: score them one by one.
        for (const [i, ticket] of readable.entries()) {
          try {
            scored.push(...await scoreTickets(model, [ticket]));
          } catch (error) {
            dead.push(
              deadLetter(readableMessages[i], `the model could not score it: ${(error as Error).message}`, "scorer"),
            );
          }
        }
      }
    }
    // A scored ticket is a checked ticket plus the prediction: a store sink of this process that receives it from
    // the in-process bus checks only the prediction's columns (and that nothing else was added).
    for (const ticket of scored) markChecked(ticket, INGESTED_SOURCES);
    if (dead.length > 0) await bus.publish(TOPICS.deadLetter, dead);
    if (scored.length > 0) {
      await bus.publish(TOPICS.scored, scored.map((ticket) => ({ key: ticket.ticket_id, value: ticket })));
    }
    stats.scored += scored.length;
    stats.deadLettered += dead.length;
    stats.batches++;
  });
  return stats;
}
