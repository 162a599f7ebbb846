import { deepStrictEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { type BusMessage, TOPICS } from "../bus/bus.ts";
import { MemoryBus } from "../bus/memory_bus.ts";
import type { Prediction, PriorityModel } from "../score/model.ts";
import { startScorer } from "../score/scorer.ts";
import { batchLike } from "../../tests/support/messages.ts";
import { scoredTicket, ticket } from "../../tests/support/tickets.ts";
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

Deno.test("in one process, the sink still checks what the scorer added: a prediction out of range is dead-lettered", async () => {
  const store = await openDuckDbStore(":memory:");
  const bus = new MemoryBus();
  const dead: BusMessage<unknown>[] = [];
  try {
    // A model that answers a probability above 1 for ticket "bad".
    const model: Pick<PriorityModel, "predict"> = {
      predict: (tickets) =>
        Promise.resolve(tickets.map((t) => {
          return pickPrediction(scoredTicket({ p_low: t.ticket_id === "bad" ? 1.5 : 0.1 }));
        })),
    };
    await startScorer(bus, model);
    const stats = await startStoreSink(bus, store);
    await bus.subscribe(TOPICS.deadLetter, "test", (m) => Promise.resolve(void dead.push(...m)));
    const envelope = { upload_id: "u1", ingested_at: "2023-06-02T10:00:00.000Z" };
    await bus.publish(
      TOPICS.tickets,
      ["good", "bad"].map((id) => ({ key: id, value: { ...ticket({ ticket_id: id }), ...envelope } })),
    );
    equal(stats.stored, 1);
    deepStrictEqual(dead.map((m) => [m.key, m.headers?.stage, m.headers?.error]), [[
      "bad",
      "store",
      "p_low must be a number from 0 to 1, found 1.5",
    ]]);
  } finally {
    await bus.close();
    await store.close();
  }
});

/** The prediction's fields of a scored ticket. */
function pickPrediction(t: Omit<Prediction, "simhash_high" | "simhash_low">): Prediction {
  const { priority_pred, p_low, p_medium, p_high, p_critical, confidence, needs_review, language, sentiment } = t;
  return {
    priority_pred,
    p_low,
    p_medium,
    p_high,
    p_critical,
    confidence,
    needs_review,
    language,
    sentiment,
    simhash_high: 0,
    simhash_low: 0,
    model_version: t.model_version,
  };
}
