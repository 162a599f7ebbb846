/**
 * The store sink: consumes scored tickets and writes them to the store, one write per batch. Every copy is kept
 * with its upload, and readers take the latest counted one (see `store.ts`), so a redelivered batch changes
 * nothing. A message that is not a scored ticket of the schema's types goes to the dead-letter topic with the
 * reason, and the stream goes on; a write that fails is the store's failure (the batch comes again). On the
 * in-process bus the sink stages its batches instead (`Store.stageScored`): there the publisher waits for them and
 * flushes the store itself.
 *
 * @module
 */
import { type Bus, TOPICS } from "../bus/bus.ts";
import { deadLetter } from "../bus/dead_letter.ts";
import { SCORED_SOURCES, type ScoredTicket } from "../ticket/schema.ts";
import { ticketReader } from "../ticket/validate.ts";
import type { Store } from "./store.ts";

/** Running totals of one sink. */
export interface SinkStats {
  stored: number;
  deadLettered: number;
}

/**
 * Subscribes the store to the `tickets_scored` topic as consumer group `group`.
 *
 * @param onWritten called with each batch once it is stored, or staged (the app asks for a marts refresh there; the
 * benchmark times each ticket's journey).
 * @param stage stage batches rather than store each (only where publishers flush the store, see above).
 */
export async function startStoreSink(
  bus: Bus,
  store: Store,
  onWritten: (tickets: readonly ScoredTicket[]) => void = () => {},
  group = "store-sink",
  stage = false,
): Promise<SinkStats> {
  const stats: SinkStats = { stored: 0, deadLettered: 0 };
  const readScored = ticketReader<ScoredTicket>(SCORED_SOURCES);
  await bus.subscribe<unknown>(TOPICS.scored, group, async (messages) => {
    const tickets: ScoredTicket[] = [];
    const dead = [];
    for (const message of messages) {
      const read = message.decodeError === undefined ? readScored(message.value) : { problem: message.decodeError };
      if ("ticket" in read) tickets.push(read.ticket);
      else dead.push(deadLetter(message, read.problem, "store"));
    }
    if (dead.length > 0) await bus.publish(TOPICS.deadLetter, dead);
    await (stage ? store.stageScored(tickets) : store.writeScored(tickets));
    stats.stored += tickets.length;
    stats.deadLettered += dead.length;
    if (tickets.length > 0) onWritten(tickets);
  });
  return stats;
}
