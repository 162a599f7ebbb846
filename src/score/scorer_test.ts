import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { type BusMessage, TOPICS } from "../bus/bus.ts";
import { MemoryBus } from "../bus/memory_bus.ts";
import type { ScoredTicket } from "../ticket/schema.ts";
import fc from "fast-check";
import { readTicket } from "../ticket/validate.ts";
import { batchLike } from "../../tests/support/messages.ts";
import { ticket } from "../../tests/support/tickets.ts";
import { loadModel } from "./model.ts";
import { startScorer } from "./scorer.ts";

Deno.test("the scorer scores a batch and sends what it cannot read to the dead-letter topic", async () => {
  const model = await loadModel();
  const bus = new MemoryBus();
  const scored: BusMessage<ScoredTicket>[] = [];
  const dead: BusMessage<unknown>[] = [];
  try {
    await startScorer(bus, model);
    await bus.subscribe<ScoredTicket>(TOPICS.scored, "test", (m) => Promise.resolve(void scored.push(...m)));
    await bus.subscribe(TOPICS.deadLetter, "test", (m) => Promise.resolve(void dead.push(...m)));
    const envelope = { upload_id: "u1", ingested_at: "2023-06-02T10:00:00.000Z" };
    await bus.publish<unknown>(TOPICS.tickets, [
      { key: "1", value: { ...ticket({ ticket_id: "1" }), ...envelope } },
      { key: "poison", value: "not a ticket" },
      { key: "2", value: { ...ticket({ ticket_id: "2", ticket_channel: "Carrier pigeon" }), ...envelope } },
    ]);
    deepStrictEqual(scored.map((m) => m.key), ["1", "2"]);
    deepStrictEqual(dead.map((m) => [m.key, m.headers?.error]), [[
      "poison",
      "the message value is not a ticket object",
    ]]);
    for (const { value } of scored) {
      equal(value.model_version, model.version);
      ok(Math.abs(value.p_low + value.p_medium + value.p_high + value.p_critical - 1) < 1e-5);
      equal(value.upload_id, "u1");
    }
  } finally {
    await bus.close();
    await model.close();
  }
});

Deno.test("the in-process bus refuses to drop messages nobody consumes", async () => {
  const bus = new MemoryBus();
  const error = await bus.publish("nowhere", [{ key: "k", value: 1 }]).catch((e) => e);
  ok(error instanceof Error && error.message.includes("no consumer"));
});

Deno.test("property: whatever the messages, each is scored or dead-lettered with a reason, and the batch goes on", async () => {
  const model = await loadModel();
  const bus = new MemoryBus();
  let scored = 0;
  let dead = 0;
  try {
    await startScorer(bus, model);
    await bus.subscribe<ScoredTicket>(TOPICS.scored, "test", (m) => {
      // A copy, as another process would get it: checked in full (the object itself is marked as checked).
      for (const { value } of m) {
        ok("ticket" in readTicket(structuredClone(value), ["upload", "origin", "score"]), "a scored ticket");
      }
      scored += m.length;
      return Promise.resolve();
    });
    await bus.subscribe(TOPICS.deadLetter, "test", (m) => {
      for (const { headers } of m) ok(headers?.error && headers.stage === "scorer");
      dead += m.length;
      return Promise.resolve();
    });
    const base = { ...ticket(), upload_id: "u1", ingested_at: "2023-06-02T10:00:00.000Z" };
    await fc.assert(
      fc.asyncProperty(batchLike(base), async (batch) => {
        const [scoredBefore, deadBefore] = [scored, dead];
        await bus.publish(TOPICS.tickets, batch);
        equal(scored - scoredBefore + dead - deadBefore, batch.length);
      }),
      { numRuns: 300 },
    );
    ok(scored > 0 && dead > 0, `both happened: ${scored} scored, ${dead} dead-lettered`);
  } finally {
    await bus.close();
    await model.close();
  }
});

Deno.test("a model that cannot score at all fails the batch with the reason, and dead-letters nothing", async () => {
  const model = await loadModel();
  const bus = new MemoryBus();
  const dead: BusMessage<unknown>[] = [];
  try {
    await startScorer(bus, model);
    await bus.subscribe<ScoredTicket>(TOPICS.scored, "test", () => Promise.resolve());
    await bus.subscribe(TOPICS.deadLetter, "test", (m) => Promise.resolve(void dead.push(...m)));
    await model.close(); // the model's session is gone: no ticket can be scored, whatever it holds
    const envelope = { upload_id: "u1", ingested_at: "2023-06-02T10:00:00.000Z" };
    const failure = await bus.publish<unknown>(TOPICS.tickets, [
      { key: "1", value: { ...ticket({ ticket_id: "1" }), ...envelope } },
      { key: "2", value: { ...ticket({ ticket_id: "2" }), ...envelope } },
    ]).then(() => null, (error: Error) => error);
    ok(failure?.message.startsWith("the model cannot score tickets"), String(failure));
    deepStrictEqual(dead, [], "a fault of the model is not the tickets' fault");
  } finally {
    await bus.close();
  }
});
