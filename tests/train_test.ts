/**
 * Learnability: the real pipeline (features CLI → models/train.py → ONNX → loadModel → predict) must learn a
 * label that depends on the features. Needs the training libraries in `.venv` (`deno task setup`).
 */
import { deepStrictEqual as assertEquals, equal, ok as assert } from "node:assert/strict";
import { loadModel } from "../src/score/model.ts";
import { FeatureSpec, learnVocabularies } from "../src/score/features.ts";
import { writeMatrix } from "../src/train/matrix.ts";
import { runTrainPy } from "../src/train/python.ts";
import { PRIORITIES } from "../src/ticket/schema.ts";
import { waitForUpload } from "../src/client/upload.ts";
import { startApp, upload } from "../scripts/harness/app.ts";
import { needing } from "../scripts/means.ts";
import { parityMaxDiff, readParitySample, textLayerMaxDiff } from "./support/parity.ts";
import {
  inBatches,
  syntheticPriority,
  syntheticTickets,
  textSignalTickets,
  ticketsCsv,
} from "../scripts/samples/synthetic.ts";

const TRAIN_TICKETS = 10_000, TEST_TICKETS = 2000;

Deno.test(
  await needing(["python"], {
    name: "training pipeline learns a label that depends on the features (accuracy >= 0.95)",
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "train-test-" });
      try {
        const started = performance.now();
        const matrix = `${dir}/matrix.csv`;
        const training = syntheticTickets(TRAIN_TICKETS, 11);
        const spec = new FeatureSpec(learnVocabularies(training));
        await writeMatrix(matrix, spec, inBatches(training), ["synthetic, seed 11"]);
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
    name: "the exported graph gives CatBoost's probabilities for an odd number of trees and for trees too deep to pair",
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "train-test-" });
      try {
        const matrix = `${dir}/matrix.csv`;
        const training = textSignalTickets(2_000, 13);
        await writeMatrix(matrix, new FeatureSpec(learnVocabularies(training)), inBatches(training), ["text signal"]);
        // Depth 6 pairs trees (five trees: the last is paired with one that adds nothing); depth 7 does not.
        for (const [iterations, depth] of [[5, 6], [3, 7]]) {
          const outDir = `${dir}/model-${iterations}-${depth}`;
          const extraArgs = ["--iterations", String(iterations), "--depth", String(depth), "--keep-all-trees"];
          await runTrainPy({ matrix, outDir, inheritOutput: false, extraArgs });
          const model = await loadModel(outDir);
          try {
            const params = model.metadata.params as { iterations_kept: number };
            assertEquals(params.iterations_kept, iterations, "early stopping kept fewer trees than the test needs");
            const sample = await readParitySample(outDir);
            const maxDiff = await parityMaxDiff(model, sample.rows);
            assert(sample.rows.length >= 100 && maxDiff <= 1e-5, `${iterations} trees of depth ${depth}: ${maxDiff}`);
            // The text layer of a model that reads text: Deno's scores are scikit-learn's.
            const layer = model.metadata.text_layer as unknown as { scale: number };
            assert(layer.scale > 0.5, `the text layer's scale ${layer.scale}`);
            const layerDiff = textLayerMaxDiff(model, sample);
            assert(layerDiff <= sample.text_layer.tolerance, `text layer: ${layerDiff}`);
          } finally {
            await model.close();
          }
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

/** Macro-averaged F1 of predictions against labels. */
function macroF1(pairs: { label: string; predicted: string }[]): number {
  return PRIORITIES.reduce((sum, c) => {
    const tp = pairs.filter((p) => p.label === c && p.predicted === c).length;
    const predicted = pairs.filter((p) => p.predicted === c).length;
    const actual = pairs.filter((p) => p.label === c).length;
    const precision = predicted ? tp / predicted : 0, recall = actual ? tp / actual : 0;
    return sum + (precision + recall ? 2 * precision * recall / (precision + recall) : 0);
  }, 0) / PRIORITIES.length;
}

/** Every feature that comes from the text: hashed words, text statistics, sentiment and language. */
const TEXT_FEATURE_PREFIXES = [
  "text_",
  "description_",
  "words_in_",
  "exclamations",
  "questions",
  "capitals_",
  "sentiment",
  "language_",
];

/** `deno task train` as a user runs it; answers its combined output. */
async function train(args: string[]): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["task", "train", ...args],
    cwd: new URL("../", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert(out.success, text);
  return text;
}

Deno.test(
  await needing(["python"], {
    name: "a model that reads text learns a priority that lives only in the text, through upload → score → API",
    fn: async () => {
      const dir = await Deno.makeTempDir({ prefix: "text-learning-" });
      try {
        await Deno.writeTextFile(`${dir}/train.csv`, ticketsCsv(textSignalTickets(6000, 1)));
        await train(["--cache-dir", dir, "--out-dir", `${dir}/model`, `${dir}/train.csv`]);
        const heldOut = textSignalTickets(2000, 2);
        const app = await startApp({ MODEL_DIR: `${dir}/model` });
        try {
          const sent = await upload(app.base, ticketsCsv(heldOut));
          equal(sent.status, 201);
          await waitForUpload(app.base, sent.json.upload_id);
          const labels = new Map(heldOut.map((t) => [t.ticket_id, t.priority_label!]));
          const rows: { ticket_id: string; priority_pred: string; needs_review: boolean }[] = [];
          for (let offset = 0; offset < heldOut.length; offset += 1000) {
            const page = await (await fetch(
              `${app.base}/api/tickets?upload_id=${sent.json.upload_id}&limit=1000&offset=${offset}`,
            )).json();
            equal(page.total, heldOut.length);
            rows.push(...page.rows);
          }
          const f1 = macroF1(rows.map((r) => ({ label: labels.get(r.ticket_id)!, predicted: r.priority_pred })));
          const review = rows.filter((r) => r.needs_review).length / rows.length;
          // The queue puts the likely urgent first: its first tenth against its last.
          const { rows: queue, total } = await (await fetch(`${app.base}/api/queue?limit=1000`)).json();
          const urgency = (r: { probabilities: Record<string, number> }) =>
            r.probabilities.High + r.probabilities.Critical;
          const tenth = Math.floor(queue.length / 10);
          const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
          const first = mean(queue.slice(0, tenth).map(urgency)), last = mean(queue.slice(-tenth).map(urgency));
          console.log(
            `text model, ${heldOut.length} unseen tickets through the app: macro-F1 ${f1.toFixed(4)}, ` +
              `${(100 * review).toFixed(1)}% to review; queue of ${total} open: P(High)+P(Critical) first tenth ` +
              `${first.toFixed(3)}, last tenth ${last.toFixed(3)}`,
          );
          assert(f1 >= 0.85, `macro-F1 ${f1}`);
          assert(first > 0.9 && last < 0.1, `first tenth ${first}, last tenth ${last}`);
        } finally {
          await app.close();
        }

        // The same tickets, a model blind to everything read in the text: at chance, and it says so.
        await train([
          "--out-dir",
          `${dir}/blind`,
          ...TEXT_FEATURE_PREFIXES.flatMap((p) => ["--drop-prefix", p]),
          `${dir}/train.csv`,
        ]);
        const blind = await loadModel(`${dir}/blind`);
        try {
          const predictions = await blind.predict(heldOut);
          const f1 = macroF1(
            predictions.map((p, i) => ({ label: heldOut[i].priority_label!, predicted: p.priority_pred })),
          );
          console.log(`text-blind model on the same unseen tickets: macro-F1 ${f1.toFixed(4)}`);
          assert(f1 < 0.35, `a text-blind model should be at chance, got macro-F1 ${f1}`);
          equal(
            (blind.metadata.review as { chance: { better_than_chance: boolean } }).chance.better_than_chance,
            false,
          );
          assert(predictions.every((p) => p.needs_review), "a model at chance sends every ticket to review");
        } finally {
          await blind.close();
        }
      } finally {
        await Deno.remove(dir, { recursive: true });
      }
    },
  }),
);
