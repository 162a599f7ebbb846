/**
 * The priority model at scoring time: loads `priority.onnx` with onnxruntime-node from the model directory
 * (`MODEL_DIR`, default `models/`), checks its metadata (`priority.json`) against the feature spec this code was
 * built with, and turns tickets into predicted priorities, a few hundred tickets per ONNX run. Features come from
 * `features.ts`, the same module that wrote the training matrix.
 *
 * The probabilities are calibrated (temperature scaling, fitted by `models/train.py` on tickets it did not train
 * on), so a confidence of 0.8 means right about 8 times in 10. A ticket needs review when the model is not better
 * than chance at all, or when its confidence is below the threshold chosen for the target precision; both come
 * from the metadata.
 *
 * @module
 */
import * as ort from "onnxruntime-node";
import { PRIORITIES, type Priority, type Ticket } from "../ticket/schema.ts";
import {
  FEATURE_SPEC_VERSION,
  FeatureSpec,
  TEXT_SCORE_NAMES,
  ticketText,
  type Vocabularies,
  vocabulariesProblem,
} from "./features.ts";
import { termsOf, TEXT_SEED } from "./text.ts";
import { TERMS_PER_TICKET, TextLayer, type TextLayerMetadata } from "./text_layer.ts";
import { SHIPPED_MODEL_DIR } from "./registry.ts";

/** The model's answer for one ticket. Probabilities sum to 1; `priority_pred` is the most probable class. */
export interface Prediction {
  priority_pred: Priority;
  p_low: number;
  p_medium: number;
  p_high: number;
  p_critical: number;
  /** The calibrated probability of `priority_pred`. */
  confidence: number;
  /** True when an agent should set the priority: the model is unsure, or no better than chance. */
  needs_review: boolean;
  /** The description's language (ISO 639-1), or null. */
  language: string | null;
  /** The description's sentiment, -1 to 1, or null. */
  sentiment: number | null;
  /** The text's SimHash in two halves (`simhash.ts`), to find similar tickets. */
  simhash_high: number;
  simhash_low: number;
  /** The version of the model that made this prediction. */
  model_version: string;
}

/** A loaded model. Call {@linkcode PriorityModel.close} when done. */
export interface PriorityModel {
  /** `model_version` from the metadata, stored with every scored ticket. */
  readonly version: string;
  /** Class order of the probabilities: {@linkcode PRIORITIES}. */
  readonly classes: readonly Priority[];
  /** The metadata file as read (metrics, training data hash, versions). */
  readonly metadata: ModelMetadata;
  /** How this model reads tickets: the feature spec with the vocabularies it was trained on. */
  readonly spec: FeatureSpec;
  /** Scores a batch of tickets; predictions are in ticket order, probabilities calibrated. */
  predict(tickets: readonly Ticket[]): Promise<Prediction[]>;
  /**
   * Runs the model on an already-encoded row-major feature matrix (`rows × spec.width`), returning
   * row-major probabilities (`rows × classes.length`) as the model makes them, before calibration. The parity
   * test compares them with CatBoost's own.
   */
  probabilities(features: Float32Array): Promise<Float32Array>;
  /** Why the model predicts what it does for `ticket`, in the ticket's own words (see {@linkcode Explanation}). */
  explain(ticket: Ticket): Promise<Explanation>;
  /**
   * How alike `ticket`'s text is to each of `others`', 0 (no term in common) to 1 (the same terms in the same
   * proportions): the cosine of their terms weighted as the text layer weighs them, which their signatures
   * (`simhash.ts`) estimate.
   */
  similarity(ticket: Ticket, others: readonly Ticket[]): number[];
  /** Releases the ONNX session. */
  close(): Promise<void>;
}

/**
 * Why a model predicts `predicted` for a ticket, from the model itself: its score for `predicted` against the
 * classes' average (the log-probabilities' margin, before calibration) split into what the ticket's own words and
 * word pairs add through the text layer (`terms`, strongest first, at most {@linkcode EXPLAINED_TERMS}) and the rest
 * (`other`: its other terms, the layer's bias and the trees over every other feature). The same model and ticket
 * always give the same explanation.
 */
export interface Explanation {
  predicted: Priority;
  model_version: string;
  terms: { term: string; weight: number }[];
  other: { weight: number };
}

/** Terms an explanation names. */
export const EXPLAINED_TERMS = 8;

/** The parts of `priority.json` scoring relies on (the file holds more: metrics, hashes, versions). */
export interface ModelMetadata {
  model_version: string;
  classes: string[];
  feature_spec_version: string;
  feature_names: string[];
  /** The categorical values the model was trained to tell apart (`features.ts`, learned from its tickets). */
  vocabularies: Vocabularies;
  /** The text layer beside the model (`text_layer.ts`), whose scores are its last features. */
  text_layer: TextLayerMetadata;
  calibration: { method: "temperature"; temperature: number };
  review: {
    target_precision: number;
    /** Confidence at or above which a prediction stands; null: every ticket needs review. */
    threshold: number | null;
    chance: { better_than_chance: boolean };
  };
  [key: string]: unknown;
}

/** Raised when a model directory cannot be used: files missing, metadata malformed or for another feature spec. */
export class ModelLoadError extends Error {
  override name = "ModelLoadError";
}

const RETRAIN = "retrain with `deno task train`";

function checkMetadata(raw: unknown, path: string): ModelMetadata {
  const m = raw as Partial<ModelMetadata> | null;
  if (
    typeof m !== "object" || m === null || typeof m.model_version !== "string" || !Array.isArray(m.classes) ||
    typeof m.feature_spec_version !== "string" || !Array.isArray(m.feature_names)
  ) {
    throw new ModelLoadError(`${path}: expected model_version, classes, feature_spec_version, feature_names`);
  }
  const temperature = m.calibration?.temperature;
  const threshold = m.review?.threshold;
  if (
    m.calibration?.method !== "temperature" || typeof temperature !== "number" || !(temperature > 0) ||
    (threshold !== null && typeof threshold !== "number") || typeof m.review?.chance?.better_than_chance !== "boolean"
  ) {
    throw new ModelLoadError(
      `${path}: expected calibration {method: "temperature", temperature} and review {threshold, chance}; ${RETRAIN}`,
    );
  }
  if (m.classes.length !== PRIORITIES.length || m.classes.some((c, i) => c !== PRIORITIES[i])) {
    throw new ModelLoadError(`${path}: classes ${JSON.stringify(m.classes)} are not ${JSON.stringify(PRIORITIES)}`);
  }
  if (m.feature_spec_version !== FEATURE_SPEC_VERSION) {
    throw new ModelLoadError(
      `${path}: the model was trained on feature spec ${m.feature_spec_version}, but this code encodes ` +
        `${FEATURE_SPEC_VERSION} (src/score/features.ts); ${RETRAIN}`,
    );
  }
  const vocabularies = vocabulariesProblem(m.vocabularies);
  if (vocabularies) throw new ModelLoadError(`${path}: ${vocabularies}; ${RETRAIN}`);
  const layer = m.text_layer;
  if (typeof layer?.file !== "string" || !/^[\w.-]+$/.test(layer.file) || layer.classes !== PRIORITIES.length) {
    throw new ModelLoadError(`${path}: expected text_layer {file, classes: ${PRIORITIES.length}}; ${RETRAIN}`);
  }
  const expected = [...new FeatureSpec(m.vocabularies!).names, ...TEXT_SCORE_NAMES];
  const names = m.feature_names;
  const length = Math.max(names.length, expected.length);
  for (let at = 0; at < length; at++) {
    if (names[at] === expected[at]) continue;
    throw new ModelLoadError(
      `${path}: the model's feature names differ from those src/score/features.ts makes of its vocabularies ` +
        `(${names.length} vs ${expected.length} features; first difference at column ${at}: ` +
        `${JSON.stringify(names[at] ?? null)} vs ${JSON.stringify(expected[at] ?? null)}); ${RETRAIN}`,
    );
  }
  return m as ModelMetadata;
}

/**
 * Temperature scaling: each row's probabilities raised to 1/T and renormalised (the softmax of the log-probabilities
 * divided by T), in place. T > 1 softens over-confident probabilities, T < 1 sharpens timid ones; the most probable
 * class stays the same.
 */
export function calibrate(p: Float32Array, temperature: number, classes: number): Float32Array {
  if (temperature === 1) return p;
  const power = 1 / temperature;
  for (let o = 0; o < p.length; o += classes) {
    let max = 0;
    for (let c = 0; c < classes; c++) max = Math.max(max, p[o + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += p[o + c] = Math.pow(Math.max(p[o + c], 1e-12) / max, power);
    for (let c = 0; c < classes; c++) p[o + c] /= sum;
  }
  return p;
}

/**
 * Tickets per ONNX run, encoded just before it. A run's features are then still in the cache when the graph reads
 * them, which is faster than encoding the whole batch first. Memory stays small too: the graph holds a few values
 * per split and ticket while it runs.
 */
const ROWS_PER_RUN = 512;

/**
 * Threads per ONNX run: the calling thread and one helper. The graph's gathers and comparisons split over rows, so
 * a second thread shortens each run.
 */
const SCORING_THREADS = Math.max(1, Math.min(2, navigator.hardwareConcurrency));

/** Picks the float tensor output with one column per class; prefers the one named `probabilities`. */
function probabilityOutput(session: ort.InferenceSession, path: string): string {
  const tensors = session.outputMetadata.filter((o) =>
    o.isTensor && o.type === "float32" &&
    (o.shape.length === 0 || (o.shape.length === 2 && o.shape[1] === PRIORITIES.length))
  );
  const chosen = tensors.find((o) => o.name === "probabilities") ?? (tensors.length === 1 ? tensors[0] : undefined);
  if (!chosen) {
    const outputs = session.outputMetadata.map((o) => (o.isTensor ? `${o.name} (${o.type} ${o.shape})` : o.name));
    throw new ModelLoadError(
      `${path}: no float tensor output [N, ${PRIORITIES.length}] with the class probabilities (outputs: ` +
        `${outputs.join(", ")}); was the ZipMap stripped? ${RETRAIN}`,
    );
  }
  return chosen.name;
}

/**
 * Loads the model in `dir` (`priority.json` and `priority.onnx`); by default the shipped one.
 *
 * @throws {ModelLoadError} when a file is missing or the metadata does not match this code's feature spec.
 */
export async function loadModel(dir = SHIPPED_MODEL_DIR): Promise<PriorityModel> {
  const metaPath = `${dir}/priority.json`, onnxPath = `${dir}/priority.onnx`;
  let metadata: ModelMetadata;
  let textLayer: TextLayer;
  let bytes: Uint8Array;
  try {
    metadata = checkMetadata(JSON.parse(await Deno.readTextFile(metaPath)), metaPath);
    textLayer = await TextLayer.load(dir, metadata.text_layer);
    bytes = await Deno.readFile(onnxPath);
  } catch (error) {
    if (error instanceof ModelLoadError) throw error;
    throw new ModelLoadError(`cannot load the priority model from ${dir}: ${(error as Error).message}; ${RETRAIN}`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: SCORING_THREADS,
      interOpNumThreads: 1,
      // Idle pool threads sleep instead of spinning: between batches the CPU belongs to parsing and storing.
      extra: { session: { intra_op: { allow_spinning: "0" } } },
    });
  } catch (error) {
    throw new ModelLoadError(`${onnxPath}: ONNX Runtime cannot open it (${(error as Error).message}); ${RETRAIN}`);
  }
  if (session.inputNames.length !== 1) {
    await session.release();
    throw new ModelLoadError(`${onnxPath}: expected one input, found ${session.inputNames.join(", ")}`);
  }
  const input = session.inputNames[0];
  let output: string;
  try {
    output = probabilityOutput(session, onnxPath);
  } catch (error) {
    await session.release();
    throw error;
  }
  const spec = new FeatureSpec(metadata.vocabularies, textLayer);
  const width = spec.width, classes = PRIORITIES.length;

  /** One ONNX run over `rows` encoded tickets: their probabilities, row-major, before calibration. */
  const run = async (features: Float32Array, rows: number): Promise<Float32Array> => {
    const result = await session.run({ [input]: new ort.Tensor("float32", features, [rows, width]) }, [output]);
    const tensor = result[output] as ort.Tensor;
    if (tensor.dims.length !== 2 || tensor.dims[0] !== rows || tensor.dims[1] !== classes) {
      throw new Error(`${onnxPath}: output ${output} has shape [${tensor.dims}], expected [${rows}, ${classes}]`);
    }
    return tensor.data as Float32Array;
  };

  const probabilities = async (features: Float32Array): Promise<Float32Array> => {
    if (features.length % width !== 0) {
      throw new RangeError(`feature matrix length ${features.length} is not a multiple of ${width}`);
    }
    const rows = features.length / width;
    const out = new Float32Array(rows * classes);
    for (let from = 0; from < rows; from += ROWS_PER_RUN) {
      const count = Math.min(ROWS_PER_RUN, rows - from);
      out.set(await run(features.subarray(from * width, (from + count) * width), count), from * classes);
    }
    return out;
  };

  const { temperature } = metadata.calibration;
  const { threshold, chance } = metadata.review;
  return {
    version: metadata.model_version,
    classes: PRIORITIES,
    metadata,
    spec,
    probabilities,
    async predict(tickets) {
      const out: Prediction[] = new Array(tickets.length);
      for (let from = 0; from < tickets.length; from += ROWS_PER_RUN) {
        const chunk = tickets.slice(from, from + ROWS_PER_RUN);
        const encoded = spec.encode(chunk);
        const p = calibrate(await run(encoded.features, chunk.length), temperature, classes);
        for (let r = 0; r < chunk.length; r++) {
          const o = r * classes;
          let best = 0;
          for (let c = 1; c < classes; c++) if (p[o + c] > p[o + best]) best = c;
          const confidence = p[o + best];
          out[from + r] = {
            priority_pred: PRIORITIES[best],
            p_low: p[o],
            p_medium: p[o + 1],
            p_high: p[o + 2],
            p_critical: p[o + 3],
            confidence,
            needs_review: !chance.better_than_chance || threshold === null || confidence < threshold,
            language: encoded.languages[r],
            sentiment: encoded.sentiments[r],
            simhash_high: encoded.signatures[2 * r],
            simhash_low: encoded.signatures[2 * r + 1],
            model_version: metadata.model_version,
          };
        }
      }
      return out;
    },
    async explain(ticket) {
      const raw = await run(spec.encode([ticket]).features, 1);
      let best = 0;
      for (let c = 1; c < classes; c++) if (raw[c] > raw[best]) best = c;
      let meanLog = 0;
      for (let c = 0; c < classes; c++) meanLog += Math.log(Math.max(raw[c], 1e-12)) / classes;
      const margin = Math.log(Math.max(raw[best], 1e-12)) - meanLog;
      const text = ticketText(ticket);
      const contributions = text === null
        ? []
        : textLayer.contributions(termsOf(text, TEXT_SEED, TERMS_PER_TICKET), best);
      const terms = contributions.filter((t) => t.weight > 0)
        .sort((a, b) => b.weight - a.weight || a.term.localeCompare(b.term))
        .slice(0, EXPLAINED_TERMS);
      const named = terms.reduce((sum, t) => sum + t.weight, 0);
      const round = (x: number) => Math.round(x * 10_000) / 10_000;
      return {
        predicted: PRIORITIES[best],
        model_version: metadata.model_version,
        terms: terms.map((t) => ({ term: t.term, weight: round(t.weight) })),
        other: { weight: round(margin - named) },
      };
    },
    similarity(ticket, others) {
      const vectorOf = (t: Ticket) => {
        const text = ticketText(t);
        return textLayer.vector(text === null ? [] : termsOf(text, TEXT_SEED, TERMS_PER_TICKET));
      };
      const target = vectorOf(ticket);
      return others.map((other) => {
        let dot = 0;
        for (const [bucket, weight] of vectorOf(other)) dot += weight * (target.get(bucket) ?? 0);
        return Math.min(1, dot);
      });
    },
    close: () => session.release(),
  };
}
