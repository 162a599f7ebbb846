/**
 * Measuring models on labelled tickets: macro-F1, and a challenger against the live model on the very same
 * tickets, with a paired bootstrap interval of the difference (the same tickets resampled for both, so the
 * interval measures the models, not the luck of the draw). The challenger is judged by its out-of-fold
 * predictions (`models/train.py` writes them: each ticket predicted by a model that never saw it); the live
 * model may have learnt from some of these tickets, which only favours it.
 *
 * @module
 */
import { loadModel } from "../score/model.ts";
import type { Comparison, SegmentComparison } from "../score/registry.ts";
import { PRIORITIES, type Ticket } from "../ticket/schema.ts";
import { seededRandom } from "./random.ts";

/** Macro-averaged F1 of `predicted` against `labels` (a class never predicted nor labelled counts as F1 0). */
export function macroF1(labels: readonly string[], predicted: readonly string[]): number {
  let sum = 0;
  for (const c of PRIORITIES) {
    let tp = 0, p = 0, a = 0;
    for (let i = 0; i < labels.length; i++) {
      if (predicted[i] === c) p++;
      if (labels[i] === c) a++;
      if (predicted[i] === c && labels[i] === c) tp++;
    }
    const precision = p ? tp / p : 0, recall = a ? tp / a : 0;
    sum += precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
  }
  return sum / PRIORITIES.length;
}

/** Resamples for the bootstrap interval. */
const RESAMPLES = 1000;

const round = (x: number) => Math.round(x * 10_000) / 10_000;

/** A model's predictions of some tickets, in their order (and the language it read in each, when it says). */
export interface Predictions {
  version: string;
  predicted: readonly string[];
  languages?: readonly (string | null)[];
}

/** Segments compared need at least this many labelled tickets; a candidate losing more there is refused. */
export const SEGMENT_MIN_TICKETS = 50;
export const SEGMENT_MAX_LOSS = 0.05;

/** The live model (or any model folder) predicting `tickets`. */
export async function predictWith(dir: string, tickets: readonly Ticket[]): Promise<Predictions> {
  const model = await loadModel(dir);
  try {
    const predictions = await model.predict(tickets);
    return {
      version: model.version,
      predicted: predictions.map((p) => p.priority_pred),
      languages: predictions.map((p) => p.language),
    };
  } finally {
    await model.close();
  }
}

/** A freshly trained model's out-of-fold predictions (`out_of_fold.json` in its folder), one per matrix row. */
export async function outOfFold(dir: string): Promise<readonly string[]> {
  const { classes, predicted } = JSON.parse(await Deno.readTextFile(`${dir}/out_of_fold.json`)) as {
    classes: string[];
    predicted: number[];
  };
  return predicted.map((i) => classes[i]);
}

/**
 * Compares the challenger's and the live model's macro-F1 on the labelled `tickets`, with a 95% paired bootstrap
 * interval of the difference. The challenger is clearly worse when the whole interval is below 0.
 */
export function compareModels(
  challenger: Predictions,
  live: Predictions,
  tickets: readonly Ticket[],
): Comparison {
  const labels = tickets.map((t) => t.priority_label ?? "");
  const random = seededRandom(7);
  const differences: number[] = [];
  const idx = new Array<number>(tickets.length);
  for (let r = 0; r < RESAMPLES; r++) {
    for (let i = 0; i < idx.length; i++) idx[i] = Math.floor(random() * idx.length);
    const l = idx.map((i) => labels[i]);
    differences.push(
      macroF1(l, idx.map((i) => challenger.predicted[i])) - macroF1(l, idx.map((i) => live.predicted[i])),
    );
  }
  differences.sort((a, b) => a - b);
  const low = differences[Math.floor(0.025 * RESAMPLES)], high = differences[Math.floor(0.975 * RESAMPLES) - 1];
  const challengerF1 = macroF1(labels, challenger.predicted), liveF1 = macroF1(labels, live.predicted);
  return {
    live_version: live.version,
    held_out_tickets: tickets.length,
    challenger_macro_f1: round(challengerF1),
    live_macro_f1: round(liveF1),
    difference: round(challengerF1 - liveF1),
    difference_ci95: [round(low), round(high)],
    clearly_worse: high < 0,
    ...segmentsOf(challenger, live, tickets),
  };
}

/**
 * Both models' macro-F1 on each segment of the tickets with at least {@linkcode SEGMENT_MIN_TICKETS} of them (by
 * the language the live model read, channel, type and product), and the segments where the challenger loses more
 * than {@linkcode SEGMENT_MAX_LOSS}.
 */
export function segmentsOf(
  challenger: Predictions,
  live: Predictions,
  tickets: readonly Ticket[],
): { segments: SegmentComparison[]; worse_segments: SegmentComparison[] } {
  const labels = tickets.map((t) => t.priority_label ?? "");
  const dimensions: [SegmentComparison["by"], (i: number) => string | null][] = [
    ["language", (i) => live.languages?.[i] ?? null],
    ["channel", (i) => tickets[i].ticket_channel],
    ["type", (i) => tickets[i].ticket_type],
    ["product", (i) => tickets[i].product_purchased],
  ];
  const segments: SegmentComparison[] = [];
  for (const [by, valueOf] of dimensions) {
    const groups = Map.groupBy(tickets.keys(), valueOf);
    for (const [value, members] of groups) {
      if (value === null || members.length < SEGMENT_MIN_TICKETS) continue;
      const f1 = (p: Predictions) => round(macroF1(members.map((i) => labels[i]), members.map((i) => p.predicted[i])));
      segments.push({
        by,
        value,
        tickets: members.length,
        live: { macro_f1: f1(live) },
        candidate: { macro_f1: f1(challenger) },
      });
    }
  }
  segments.sort((a, b) => a.by.localeCompare(b.by) || b.tickets - a.tickets || a.value.localeCompare(b.value));
  const worse = segments.filter((s) => s.live.macro_f1 - s.candidate.macro_f1 > SEGMENT_MAX_LOSS);
  return { segments, worse_segments: worse };
}
