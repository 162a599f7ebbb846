import { deepStrictEqual as assertEquals, ok as assert, rejects as assertRejects } from "node:assert/strict";
import { syntheticTickets, textSignalTickets } from "../../tests/support/synthetic.ts";
import { ticket } from "../../tests/support/tickets.ts";
import { FEATURE_NAMES } from "./features.ts";
import { loadModel, ModelLoadError } from "./model.ts";
import { loadModelOnThread } from "./model_thread.ts";

/** Tickets of every shape the features read: words, no text at all, unknown values, other languages. */
const tickets = [
  ...syntheticTickets(300, 7),
  ...textSignalTickets(300, 8),
  ticket({ ticket_description: null, ticket_subject: null, customer_age: null, date_of_purchase: null }),
  ticket({ product_purchased: "A product nobody sells", ticket_channel: "Carrier pigeon" }),
  ticket({ ticket_description: "Mi pedido no ha llegado y nadie me responde. ¡Es urgente!" }),
];

Deno.test("on its own thread the model predicts exactly what it predicts in this one", async () => {
  const here = await loadModel();
  const there = await loadModelOnThread();
  try {
    assertEquals(there.version, here.version);
    assertEquals(there.metadata, here.metadata);
    const [expected, got] = [await here.predict(tickets), await there.predict(tickets)];
    assertEquals(got.length, tickets.length);
    assertEquals(got, expected);
    // The raw model too (the parity test's way in), and batches sent together are answered each its own.
    const features = new Float32Array(3 * FEATURE_NAMES.length).fill(1);
    assertEquals(await there.probabilities(features), await here.probabilities(features));
    const halves = await Promise.all([there.predict(tickets.slice(0, 200)), there.predict(tickets.slice(200))]);
    assertEquals(halves.flat(), expected);
  } finally {
    await here.close();
    await there.close();
  }
});

Deno.test("a request the model refuses fails alone; the thread goes on", async () => {
  const model = await loadModelOnThread();
  try {
    await assertRejects(model.probabilities(new Float32Array(FEATURE_NAMES.length + 1)), /not a multiple of/);
    assertEquals((await model.predict(tickets.slice(0, 5))).length, 5);
  } finally {
    await model.close();
  }
  await assertRejects(model.predict(tickets.slice(0, 1)), /the model is closed/);
});

Deno.test("a folder without a model is refused as the in-thread loader refuses it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await assertRejects(loadModelOnThread(dir), (error: Error) => {
      assert(error instanceof ModelLoadError, String(error));
      assert(/cannot load the priority model/.test(error.message), error.message);
      return true;
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
