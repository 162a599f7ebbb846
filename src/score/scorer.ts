/**
 * The scorer stage: consumes tickets, scores each batch with one model run, publishes scored tickets. A message it
 * cannot use (not decodable, not a ticket of the schema's types, or one the model cannot score) goes to the
 * dead-letter topic with the reason, and the rest of the batch goes on: no message can stall a partition. A fault
 * that is not the data's (the model fails on a plain ticket too) fails the batch instead: it comes again from
 * Kafka, and in one process the upload fails with the reason; nothing is dead-lettered for it.
 *
 * @module
 */
import { type Bus, type BusMessage, TOPICS } from "../bus/bus.ts";
import { deadLetter } from "../bus/dead_letter.ts";
import { emptyTicket, INGESTED_SOURCES, type IngestedTicket, type ScoredTicket } from "../ticket/schema.ts";
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

/** Pauses before a ticket the model failed on is tried again: a passing fault gets another chance. */
const RETRY_DELAYS_MS = [20, 200];

/** A ticket with nothing in it but an id and a line of text: any working model scores it. */
const PLAIN_TICKET: IngestedTicket = {
  ...emptyTicket(),
  ticket_id: "plain",
  ticket_subject: "Cannot sign in",
  upload_id: "plain",
  ingested_at: "2024-01-01T00:00:00.000Z",
} as IngestedTicket;

/** One ticket scored, tried again after each pause of {@linkcode RETRY_DELAYS_MS} while it fails. */
async function scoreOne(model: Pick<PriorityModel, "predict">, ticket: IngestedTicket): Promise<ScoredTicket> {
  for (let attempt = 0;; attempt++) {
    try {
      return (await scoreTickets(model, [ticket]))[0];
    } catch (error) {
      if (attempt >= RETRY_DELAYS_MS.length) throw error;
      await new Promise((resolve) => setTimeout(resolve, RETRY_DELAYS_MS[attempt]));
    }
  }
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
      } catch (batchError) {
        // A model that cannot score a plain ticket either is at fault, not these tickets: the batch fails (and comes
        // again), at once rather than after every ticket's retries.
        const faulty = await scoreTickets(model, [PLAIN_TICKET]).then(() => null, (error: Error) => error);
        if (faulty !== null) {
          throw new Error(`the model cannot score tickets: ${faulty.message || (batchError as Error).message}`);
        }
        // One ticket the model chokes on must not hold back the others: score them one by one, each tried again.
        for (const [i, ticket] of readable.entries()) {
          try {
            scored.push(await scoreOne(model, ticket));
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
