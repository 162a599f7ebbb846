import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { type BusMessage, TOPICS } from "../bus/bus.ts";
import { MemoryBus } from "../bus/memory_bus.ts";
import type { ScoredTicket } from "../ticket/schema.ts";
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
    deepStrictEqual(dead.map((m) => [m.key, m.headers?.error]), [["poison", "the message value is not an object"]]);
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
