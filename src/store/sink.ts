/**
 * The store sink: consumes scored tickets and writes them to the store, one write per batch. The store keeps one
 * row per ticket id (the latest score), so a redelivered batch changes nothing.
 *
 * @module
 */
import { type Bus, TOPICS } from "../bus/bus.ts";
import type { ScoredTicket } from "../ticket/schema.ts";
import type { Store } from "./store.ts";

/**
 * Subscribes the store to the `tickets_scored` topic as consumer group `group`.
 *
 * @param onWritten called with each batch once it is stored (the app asks for a marts refresh there; the
 * benchmark times each ticket's journey).
 */
export async function startStoreSink(
  bus: Bus,
  store: Store,
  onWritten: (tickets: readonly ScoredTicket[]) => void = () => {},
  group = "store-sink",
): Promise<void> {
  await bus.subscribe<ScoredTicket>(TOPICS.scored, group, async (messages) => {
    const tickets = messages.map((m) => m.value);
    await store.writeScored(tickets);
    onWritten(tickets);
  });
}
