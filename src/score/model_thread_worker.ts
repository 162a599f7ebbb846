/**
 * The scoring thread's side of `model_thread.ts`: loads the model, then answers each request with the model's own
 * answer (or the message of its error). Requests are answered as they finish; they may overlap, as batches do on
 * the main thread.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { FeatureInput } from "./features.ts";
import { FEATURE_FIELDS } from "./features.ts";
import { loadModel, ModelLoadError, type PriorityModel } from "./model.ts";
import type { ThreadReply, ThreadRequest } from "./model_thread.ts";

let model: PriorityModel | null = null;
const reply = (message: ThreadReply) => self.postMessage(message);

/** The tickets of a `score` request, from its arrays of field values. */
function ticketsOf(columns: unknown[][]): FeatureInput[] {
  const tickets: FeatureInput[] = new Array(columns[0]?.length ?? 0);
  for (let i = 0; i < tickets.length; i++) {
    const ticket: Record<string, unknown> = {};
    for (let f = 0; f < FEATURE_FIELDS.length; f++) ticket[FEATURE_FIELDS[f]] = columns[f][i];
    tickets[i] = ticket as unknown as FeatureInput;
  }
  return tickets;
}

self.onmessage = async ({ data: request }: MessageEvent<ThreadRequest>) => {
  if (request.kind === "load") {
    try {
      model = await loadModel(request.dir);
      reply({ kind: "loaded", metadata: model.metadata });
    } catch (error) {
      reply({ kind: "refused", message: (error as Error).message, modelLoadError: error instanceof ModelLoadError });
    }
    return;
  }
  try {
    if (!model) throw new Error("no model is loaded");
    switch (request.kind) {
      case "score":
        reply({ id: request.id, ok: true, result: await model.score(ticketsOf(request.columns)) });
        break;
      case "probabilities":
        reply({ id: request.id, ok: true, result: await model.probabilities(request.features) });
        break;
      case "close":
        await model.close();
        model = null;
        reply({ id: request.id, ok: true, result: null });
        break;
    }
  } catch (error) {
    reply({ id: request.id, ok: false, message: (error as Error).message });
  }
};
