import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { TOPICS } from "../bus/bus.ts";
import { MemoryBus } from "../bus/memory_bus.ts";
import { batchLike } from "../../tests/support/messages.ts";
import { scoredTicket } from "../../tests/support/tickets.ts";
import { openDuckDbStore } from "./duckdb_store.ts";
import { startStoreSink } from "./sink.ts";

Deno.test("property: whatever the messages, each is stored or dead-lettered with a reason, and the batch goes on", async () => {
  const store = await openDuckDbStore(":memory:");
  const bus = new MemoryBus();
  let dead = 0;
  try {
    const stats = await startStoreSink(bus, store);
    await bus.subscribe(TOPICS.deadLetter, "test", (m) => {
      for (const { headers } of m) ok(headers?.error && headers.stage === "store");
      dead += m.length;
      return Promise.resolve();
    });
    await fc.assert(
      fc.asyncProperty(batchLike(scoredTicket() as unknown as Record<string, unknown>), async (batch) => {
        const [storedBefore, deadBefore] = [stats.stored, dead];
        await bus.publish(TOPICS.scored, batch);
        equal(stats.stored - storedBefore + dead - deadBefore, batch.length);
      }),
      { numRuns: 300 },
    );
    ok(stats.stored > 0 && dead > 0, `both happened: ${stats.stored} stored, ${dead} dead-lettered`);
    equal(stats.deadLettered, dead);
    // What was stored reads back, the fixture's ticket among it.
    equal((await store.getTicket("1"))?.ticket_id, "1");
  } finally {
    await bus.close();
    await store.close();
  }
});
