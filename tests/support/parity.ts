/**
 * The parity sample `models/train.py` writes beside a model (`parity_sample.json`: held-out feature rows with
 * CatBoost's own probabilities, and held-out tickets' terms with scikit-learn's text layer scores), and how far a
 * loaded model's ONNX graph and text layer are from them.
 *
 * @module
 */
import type { PriorityModel } from "../../src/score/model.ts";

/** `parity_sample.json` as `models/train.py` writes it. */
export interface ParitySample {
  model_version: string;
  classes: string[];
  feature_names: string[];
  tolerance: number;
  rows: { features: (number | null)[]; probabilities: number[] }[];
  /** Held-out tickets' text terms (bucket, count) with scikit-learn's scores of them. */
  text_layer: { tolerance: number; rows: { terms: [number, number][]; scores: number[] }[] };
}

/** Reads the parity sample of the model in `dir`. */
export async function readParitySample(dir: string): Promise<ParitySample> {
  return JSON.parse(await Deno.readTextFile(`${dir}/parity_sample.json`));
}

/**
 * The largest absolute difference between the model's probabilities and CatBoost's over `rows`, scored in one call
 * (null features are missing values, NaN).
 */
export async function parityMaxDiff(model: PriorityModel, rows: ParitySample["rows"]): Promise<number> {
  const got = await model.probabilities(new Float32Array(rows.flatMap((r) => r.features.map((v) => v ?? NaN))));
  const classes = model.classes.length;
  if (got.length !== rows.length * classes) throw new Error(`${got.length} probabilities for ${rows.length} rows`);
  let maxDiff = 0;
  rows.forEach((row, r) =>
    row.probabilities.forEach((p, c) => maxDiff = Math.max(maxDiff, Math.abs(p - got[r * classes + c])))
  );
  return maxDiff;
}

/** The largest absolute difference between the model's text layer scores and scikit-learn's over the sample. */
export function textLayerMaxDiff(model: PriorityModel, sample: ParitySample): number {
  const layer = model.spec.textLayer!;
  const out = new Float32Array(layer.classes);
  let maxDiff = 0;
  for (const row of sample.text_layer.rows) {
    layer.scoreCounts(
      Int32Array.from(row.terms, ([bucket]) => bucket),
      Int32Array.from(row.terms, ([, count]) => count),
      row.terms.length,
      out,
      0,
    );
    row.scores.forEach((score, c) => maxDiff = Math.max(maxDiff, Math.abs(score - out[c])));
  }
  return maxDiff;
}
