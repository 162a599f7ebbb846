/**
 * The store sink: consumes scored tickets and writes them to the store, one write per batch. Writes are upserts
 * by ticket id, so a redelivered batch changes nothing.
 *
 * @module
 */
import { type Bus, TOPICS } from "../bus/bus.ts";
import type { ScoredTicket } from "../ticket/schema.ts";
import type { Store } from "./store.ts";

/**
 * Subscribes the store to the `tickets_scored` topic as consumer group `group`.
 *
 * @param onWritten called after each batch is stored (the app asks for a marts refresh there).
 */
export async function startStoreSink(
  bus: Bus,
  store: Store,
  onWritten: (count: number) => void = () => {},
  group = "store-sink",
): Promise<void> {
  await bus.subscribe<ScoredTicket>(TOPICS.scored, group, async (messages) => {
    await store.writeScored(messages.map((m) => m.value));
    onWritten(messages.length);
  });
}
