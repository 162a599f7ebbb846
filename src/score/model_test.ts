import { deepStrictEqual as assertEquals, ok as assert, rejects as assertRejects } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parityMaxDiff, readParitySample, textLayerMaxDiff } from "../../tests/support/parity.ts";
import { ticket as baseTicket } from "../../tests/support/tickets.ts";
import { PRIORITIES, type Ticket } from "../ticket/schema.ts";
import { FEATURE_SPEC_VERSION } from "./features.ts";
import { calibrate, loadModel, ModelLoadError } from "./model.ts";

/** The committed model (`deno task train` writes it). */
const MODELS = fileURLToPath(new URL("../../models", import.meta.url));

Deno.test("ONNX in Deno gives CatBoost's own probabilities on the parity sample", async () => {
  const sample = await readParitySample(MODELS);
  const model = await loadModel(MODELS);
  try {
    assertEquals(sample.model_version, model.version, "parity_sample.json belongs to another model");
    assertEquals(sample.classes, [...PRIORITIES]);
    assertEquals(sample.feature_names, [...model.spec.names]);
    assert(sample.rows.length >= 100, `only ${sample.rows.length} parity rows`);
    assert(sample.rows.some((r) => r.features.includes(null)), "the sample should include rows with missing values");
    // The sample over and over, so that one call spans several ONNX runs (model.ts runs 512 rows at a time) and
    // every row is checked wherever it falls.
    const rows = Array.from({ length: 12 }, () => sample.rows).flat();
    const maxDiff = await parityMaxDiff(model, rows);
    console.log(
      `parity: ${sample.rows.length} rows (${rows.length} in one call), max abs diff ${maxDiff.toExponential(2)}`,
    );
    assert(maxDiff <= 1e-5, `ONNX and CatBoost differ by ${maxDiff}`);
  } finally {
    await model.close();
  }
});

Deno.test("the text layer in Deno gives scikit-learn's scores on the parity sample", async () => {
  const sample = await readParitySample(MODELS);
  const model = await loadModel(MODELS);
  try {
    assert(sample.text_layer.rows.length >= 50, `only ${sample.text_layer.rows.length} rows`);
    assert(sample.text_layer.rows.some((r) => r.terms.length > 20), "the sample should hold tickets with text");
    const maxDiff = textLayerMaxDiff(model, sample);
    console.log(
      `text layer parity: ${sample.text_layer.rows.length} tickets, max abs diff ${maxDiff.toExponential(2)}`,
    );
    assert(maxDiff <= sample.text_layer.tolerance, `the text layer differs from scikit-learn's by ${maxDiff}`);
    // The features of a ticket carry the same scores, read from its own text.
    const names = model.spec.names.slice(-4);
    assertEquals(names, ["text_score_low", "text_score_medium", "text_score_high", "text_score_critical"]);
  } finally {
    await model.close();
  }
});

const ticket = (id: string, overrides: Partial<Ticket> = {}): Ticket =>
  baseTicket({
    ticket_id: id,
    customer_age: 44,
    product_purchased: "Dell XPS",
    date_of_purchase: "2020-07-14",
    ticket_type: "Billing inquiry",
    ticket_subject: "Payment issue",
    ticket_description: "I was charged twice.",
    priority_label: null,
    first_response_at: null,
    ...overrides,
  });

Deno.test("predict: one prediction per ticket, in order, probabilities summing to 1", async () => {
  const model = await loadModel(MODELS);
  try {
    assertEquals(model.classes, PRIORITIES);
    assert(/^priority-/.test(model.version), model.version);
    assertEquals(await model.predict([]), []);
    const tickets = [
      ticket("a"),
      ticket("b", { customer_age: null, product_purchased: "Acme Gadget", ticket_channel: null }),
      ticket("c", { ticket_type: "Refund request", customer_age: 19 }),
    ];
    const predictions = await model.predict(tickets);
    assertEquals(predictions.length, 3);
    const { temperature } = model.metadata.calibration;
    const raw = calibrate(await model.probabilities(model.spec.featurize(tickets)), temperature, PRIORITIES.length);
    predictions.forEach((p, r) => {
      const probs = [p.p_low, p.p_medium, p.p_high, p.p_critical];
      assertEquals(probs, Array.from(raw.subarray(r * 4, r * 4 + 4)), "calibrated with the model's temperature");
      assert(Math.abs(probs.reduce((a, b) => a + b) - 1) < 1e-5);
      assertEquals(p.priority_pred, PRIORITIES[probs.indexOf(Math.max(...probs))]);
      assertEquals(p.confidence, Math.max(...probs));
      // The shipped model is no better than chance on the sample export: every ticket goes to review.
      assertEquals(p.needs_review, true);
    });
    // Batched scoring gives the same answer as scoring alone (up to float rounding in the tree sums).
    const alone = (await model.predict([tickets[1]]))[0];
    assertEquals(alone.priority_pred, predictions[1].priority_pred);
    for (const k of ["p_low", "p_medium", "p_high", "p_critical"] as const) {
      assert(Math.abs(alone[k] - predictions[1][k]) < 1e-6, k);
    }
  } finally {
    await model.close();
  }
});

Deno.test("predict: a batch larger than one ONNX run keeps every ticket's answer in its place", async () => {
  const model = await loadModel(MODELS);
  try {
    const descriptions = ["My order never arrived.", "Mi pedido no ha llegado.", "Terrible, nothing works!", "Thanks!"];
    const tickets = Array.from({ length: 1_300 }, (_, i) =>
      ticket(`t${i}`, {
        customer_age: 18 + (i % 60),
        ticket_channel: ["Email", "Phone", "Chat", null][i % 4],
        ticket_description: `${descriptions[i % 4]} (${i})`,
      }));
    const predictions = await model.predict(tickets);
    const encoded = model.spec.encode(tickets);
    const { temperature } = model.metadata.calibration;
    const raw = calibrate(await model.probabilities(encoded.features), temperature, PRIORITIES.length);
    assertEquals(predictions.length, tickets.length);
    predictions.forEach((p, r) => {
      assertEquals([p.p_low, p.p_medium, p.p_high, p.p_critical], Array.from(raw.subarray(r * 4, r * 4 + 4)), `${r}`);
      assertEquals([p.language, p.sentiment], [encoded.languages[r], encoded.sentiments[r]], `${r}`);
    });
    assert(new Set(predictions.map((p) => p.p_low)).size > 4, "the tickets should not all score alike");
  } finally {
    await model.close();
  }
});

Deno.test("loadModel refuses a model trained on another feature spec", async () => {
  const dir = await Deno.makeTempDir({ prefix: "model-test-" });
  try {
    const meta = JSON.parse(await Deno.readTextFile(`${MODELS}/priority.json`));
    await Deno.copyFile(`${MODELS}/priority.onnx`, `${dir}/priority.onnx`);

    await Deno.writeTextFile(`${dir}/priority.json`, JSON.stringify({ ...meta, feature_spec_version: "old-v0" }));
    await assertRejects(() => loadModel(dir), (e: Error) => {
      assert(e instanceof ModelLoadError);
      assert(e.message.includes("old-v0") && e.message.includes(FEATURE_SPEC_VERSION), e.message);
      return true;
    });

    const names = [...meta.feature_names];
    [names[5], names[6]] = [names[6], names[5]];
    await Deno.writeTextFile(`${dir}/priority.json`, JSON.stringify({ ...meta, feature_names: names }));
    await assertRejects(() => loadModel(dir), (e: Error) => e instanceof ModelLoadError && /column 5/.test(e.message));

    await Deno.writeTextFile(
      `${dir}/priority.json`,
      JSON.stringify({ ...meta, feature_names: meta.feature_names.slice(0, -1) }),
    );
    await assertRejects(() => loadModel(dir), ModelLoadError);

    // Its text layer must be there, and be one.
    await Deno.writeTextFile(`${dir}/priority.json`, JSON.stringify(meta));
    await assertRejects(
      () => loadModel(dir),
      (e: Error) => e instanceof ModelLoadError && /text_layer/.test(e.message),
    );
    await Deno.writeTextFile(`${dir}/text_layer.bin`, "not a layer");
    await assertRejects(
      () => loadModel(dir),
      (e: Error) => e instanceof ModelLoadError && /text_layer/.test(e.message),
    );
    await Deno.remove(`${dir}/text_layer.bin`);

    // The columns follow from the vocabularies the model was trained on: without them, or with others, it is refused.
    await Deno.writeTextFile(`${dir}/priority.json`, JSON.stringify({ ...meta, vocabularies: undefined }));
    await assertRejects(
      () => loadModel(dir),
      (e: Error) => e instanceof ModelLoadError && /vocabularies/.test(e.message),
    );
    const other = { ...meta.vocabularies, ticket_type: [...meta.vocabularies.ticket_type, "Escalation"] };
    await Deno.writeTextFile(`${dir}/priority.json`, JSON.stringify({ ...meta, vocabularies: other }));
    await assertRejects(
      () => loadModel(dir),
      (e: Error) => e instanceof ModelLoadError && /type__other/.test(e.message),
    );

    await Deno.writeTextFile(`${dir}/priority.json`, JSON.stringify({ ...meta, classes: ["Low", "High"] }));
    await assertRejects(() => loadModel(dir), ModelLoadError);

    await Deno.remove(`${dir}/priority.json`);
    await assertRejects(
      () => loadModel(dir),
      (e: Error) => e instanceof ModelLoadError && /deno task train/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("calibrate: a temperature above 1 softens, below 1 sharpens, the order of classes stays", () => {
  const p = () => new Float32Array([0.1, 0.2, 0.3, 0.4]);
  const soft = calibrate(p(), 4, 4), sharp = calibrate(p(), 0.25, 4);
  assert(Math.max(...soft) < 0.4 && Math.max(...sharp) > 0.4);
  for (const q of [soft, sharp]) {
    assert(Math.abs(q.reduce((a, b) => a + b) - 1) < 1e-6);
    assertEquals([...q].map((v, i) => [v, i]).sort((a, b) => a[0] - b[0]).map(([, i]) => i), [0, 1, 2, 3]);
  }
  assertEquals(calibrate(p(), 1, 4), p());
});

Deno.test("needs review: below the threshold, or always when the model is no better than chance", async () => {
  const dir = await Deno.makeTempDir({ prefix: "model-test-" });
  try {
    const meta = JSON.parse(await Deno.readTextFile(`${MODELS}/priority.json`));
    await Deno.copyFile(`${MODELS}/priority.onnx`, `${dir}/priority.onnx`);
    await Deno.copyFile(`${MODELS}/text_layer.bin`, `${dir}/text_layer.bin`);
    const tickets = [ticket("a"), ticket("b", { ticket_type: "Refund request", customer_age: 19 })];
    const withReview = async (review: Record<string, unknown>) => {
      await Deno.writeTextFile(
        `${dir}/priority.json`,
        JSON.stringify({ ...meta, review: { ...meta.review, ...review } }),
      );
      const model = await loadModel(dir);
      try {
        return await model.predict(tickets);
      } finally {
        await model.close();
      }
    };
    const better = { chance: { better_than_chance: true } };
    const confidences = (await withReview({ ...better, threshold: 0 })).map((p) => p.confidence);
    assertEquals((await withReview({ ...better, threshold: 0 })).map((p) => p.needs_review), [false, false]);
    const between = (confidences[0] + confidences[1]) / 2;
    assertEquals(
      (await withReview({ ...better, threshold: between })).map((p) => p.needs_review),
      confidences.map((c) => c < between),
    );
    assertEquals((await withReview({ ...better, threshold: null })).map((p) => p.needs_review), [true, true]);
    assertEquals(
      (await withReview({ chance: { better_than_chance: false }, threshold: 0 })).map((p) => p.needs_review),
      [true, true],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a model file ONNX Runtime cannot read is refused as a ModelLoadError that says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "model-test-" });
  try {
    await Deno.copyFile(`${MODELS}/priority.json`, `${dir}/priority.json`);
    await Deno.copyFile(`${MODELS}/text_layer.bin`, `${dir}/text_layer.bin`);
    await Deno.writeTextFile(`${dir}/priority.onnx`, "not a model");
    await assertRejects(
      () => loadModel(dir),
      (e: Error) => e instanceof ModelLoadError && /priority\.onnx: ONNX Runtime cannot open it/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the shipped model loads from a checkout whose path has a space", async () => {
  const root = fileURLToPath(new URL("../../", import.meta.url));
  const parent = await Deno.makeTempDir({ prefix: "checkout-" });
  const checkout = `${parent}/my checkout`;
  try {
    await Deno.mkdir(checkout);
    for (const entry of ["src", "models", "deno.json", "deno.lock"]) {
      const copied = await new Deno.Command("cp", { args: ["-R", `${root}${entry}`, `${checkout}/`] }).output();
      assert(copied.success, `copying ${entry}`);
    }
    await Deno.symlink(`${root}node_modules`, `${checkout}/node_modules`);
    await Deno.writeTextFile(
      `${checkout}/probe.ts`,
      'import { loadModel } from "./src/score/model.ts";\n' +
        "const model = await loadModel();\nconsole.log(model.version);\nawait model.close();\n",
    );
    const run = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "--config", `${checkout}/deno.json`, `${checkout}/probe.ts`],
      cwd: parent,
    }).output();
    const out = new TextDecoder().decode(run.stdout).trim(), err = new TextDecoder().decode(run.stderr);
    assert(run.success, `the probe failed: ${err.slice(-500)}`);
    const shipped = JSON.parse(await Deno.readTextFile(`${MODELS}/priority.json`)).model_version;
    assertEquals(out, shipped);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});

Deno.test("signatures and similarity: a reworded ticket is near, an unrelated one far, the same text identical", async () => {
  const model = await loadModel(MODELS);
  try {
    const text = (ticket_subject: string, ticket_description: string): Ticket => ({
      ...baseTicket(),
      ticket_subject,
      ticket_description,
    });
    const original = text(
      "Printer driver crashes",
      "The printer driver crashes every time I print a spreadsheet with charts from the desktop app.",
    );
    const reworded = text(
      "Printer driver crashes",
      "The printer driver crashes each time I print a spreadsheet with charts from the desktop application.",
    );
    const unrelated = text("Refund for a double charge", "I was billed twice for my annual plan, please refund one.");
    const [a, b, c, again] = await model.predict([original, reworded, unrelated, { ...original }]);
    // Bits in which two signatures differ, 0 to 64.
    const ones = (x: number) => [...x.toString(2)].filter((bit) => bit === "1").length;
    const bits = (x: { simhash_high: number; simhash_low: number }, y: typeof x) =>
      ones((x.simhash_high ^ y.simhash_high) >>> 0) + ones((x.simhash_low ^ y.simhash_low) >>> 0);
    assertEquals(bits(a, again), 0, "the same text signs the same");
    assert(bits(a, b) < bits(a, c), `reworded ${bits(a, b)} bits away, unrelated ${bits(a, c)}`);
    assert(bits(a, c) >= 20, `an unrelated text differs in about half the bits: ${bits(a, c)}`);
    const [same, near, far] = model.similarity(original, [{ ...original }, reworded, unrelated]);
    assert(Math.abs(same - 1) < 1e-9, `a text is fully similar to itself: ${same}`);
    assert(near > 0.5 && near < 1, `reworded: ${near}`);
    assert(far < 0.2, `unrelated: ${far}`);
  } finally {
    await model.close();
  }
});
