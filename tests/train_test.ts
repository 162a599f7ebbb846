/**
 * Learnability: the real pipeline (features CLI → models/train.py → ONNX → loadModel → predict) must learn a
 * label that depends on the features. Needs the training libraries in `.venv` (`deno task setup`).
 */
import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { loadModel } from "../src/score/model.ts";
import { writeMatrix } from "../src/train/matrix.ts";
import { runTrainPy } from "../src/train/python.ts";
import { PRIORITIES } from "../src/ticket/schema.ts";
import { needing } from "./support/means.ts";
import { inBatches, syntheticPriority, syntheticTickets } from "./support/synthetic.ts";

const TRAIN_TICKETS = 5000, TEST_TICKETS = 2000;

Deno.test(
  await needing(["python"], {
    name: "training pipeline learns a label that depends on the features (accuracy >= 0.95)",
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "train-test-" });
      try {
        const started = performance.now();
        const matrix = `${dir}/matrix.csv`;
        await writeMatrix(matrix, inBatches(syntheticTickets(TRAIN_TICKETS, 11)), ["synthetic, seed 11"]);
        await runTrainPy({ matrix, outDir: `${dir}/model`, inheritOutput: false, sources: ["train_test.ts"] });

        const model = await loadModel(`${dir}/model`);
        try {
          const heldOut = model.metadata.metrics as { held_out: { accuracy: number; macro_f1: number } };
          // Fresh tickets from another seed: never seen in training.
          const tickets = syntheticTickets(TEST_TICKETS, 12);
          const predictions = await model.predict(tickets);
          const correct = predictions.filter((p, i) => p.priority_pred === syntheticPriority(tickets[i])).length;
          const accuracy = correct / tickets.length;
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          console.log(
            `learnability: accuracy ${accuracy.toFixed(4)} on ${TEST_TICKETS} fresh tickets; train.py held-out ` +
              `accuracy ${heldOut.held_out.accuracy}, macro-F1 ${heldOut.held_out.macro_f1}; ${seconds}s`,
          );
          assert(accuracy >= 0.95, `accuracy ${accuracy}`);
          assert(heldOut.held_out.accuracy >= 0.95, `train.py held-out accuracy ${heldOut.held_out.accuracy}`);
          // Every class is predicted (the rule spreads tickets over all four).
          assertEquals(new Set(predictions.map((p) => p.priority_pred)).size, PRIORITIES.length);
        } finally {
          await model.close();
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  }),
);

Deno.test(
  await needing(["python"], {
    name: "train.py refuses a matrix without its feature-spec sidecar, with a clear message",
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "train-test-" });
      try {
        await Deno.writeTextFile(`${dir}/m.csv`, "a,label\n1,0\n");
        const error = await runTrainPy({ matrix: `${dir}/m.csv`, outDir: dir, inheritOutput: false }).then(
          () => null,
          (e: Error) => e,
        );
        assert(error && /meta\.json is missing/.test(error.message), error?.message ?? "");
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  }),
);
