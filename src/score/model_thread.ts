/**
 * The priority model on a thread of its own. A worker (`model_thread_worker.ts`) loads the model with `model.ts`
 * and encodes and runs each batch, while the main thread goes on reading the upload: on two cores, reading and
 * scoring overlap instead of taking turns. The worker is sent only the fields the features are made of
 * ({@linkcode FEATURE_FIELDS}), one array per field, and sends back the compact scores; the predictions are made
 * from them here, by the same rules as the model in-process ({@linkcode predictionsOf}).
 *
 * @module
 */
import { PRIORITIES } from "../ticket/schema.ts";
import { FEATURE_FIELDS, type FeatureInput } from "./features.ts";
import {
  type BatchScores,
  ModelLoadError,
  type ModelMetadata,
  predictionsOf,
  type PriorityModel,
  SHIPPED_MODEL_DIR,
} from "./model.ts";

/** What the main thread asks of the scoring thread. */
export type ThreadRequest =
  | { kind: "load"; dir: string }
  | { id: number; kind: "score"; columns: unknown[][] }
  | { id: number; kind: "probabilities"; features: Float32Array }
  | { id: number; kind: "close" };

/** What the scoring thread answers: once to the load, then to each numbered request. */
export type ThreadReply =
  | { kind: "loaded"; metadata: ModelMetadata }
  | { kind: "refused"; message: string; modelLoadError: boolean }
  | { id: number; ok: true; result: unknown }
  | { id: number; ok: false; message: string };

/**
 * Loads the model in `dir` (by default the shipped one) on a new scoring thread. The model behaves as
 * {@linkcode loadModel}'s does; {@linkcode PriorityModel.close} ends the thread.
 *
 * @throws {ModelLoadError} as {@linkcode loadModel} does.
 */
export async function loadModelOnThread(dir: string = SHIPPED_MODEL_DIR): Promise<PriorityModel> {
  const worker = new Worker(new URL("./model_thread_worker.ts", import.meta.url), { type: "module" });
  const waiting = new Map<number, PromiseWithResolvers<unknown>>();
  const loaded = Promise.withResolvers<ModelMetadata>();
  let stopped: Error | null = null;
  let lastId = 0;

  const stop = (reason: Error) => {
    if (stopped) return;
    stopped = reason;
    worker.terminate();
    loaded.reject(reason);
    for (const request of waiting.values()) request.reject(reason);
    waiting.clear();
  };
  worker.onmessage = ({ data: reply }: MessageEvent<ThreadReply>) => {
    if (!("id" in reply)) {
      if (reply.kind === "loaded") loaded.resolve(reply.metadata);
      else stop(reply.modelLoadError ? new ModelLoadError(reply.message) : new Error(reply.message));
      return;
    }
    const request = waiting.get(reply.id);
    waiting.delete(reply.id);
    if (reply.ok) request?.resolve(reply.result);
    else request?.reject(new Error(reply.message));
  };
  worker.onerror = (event) => {
    event.preventDefault(); // the thread's failure is this model's, not the process's
    stop(new Error(`the scoring thread stopped: ${event.message}`));
  };
  const ask = <T>(
    request: { kind: "score"; columns: unknown[][] } | { kind: "probabilities"; features: Float32Array } | {
      kind: "close";
    },
  ): Promise<T> => {
    if (stopped) return Promise.reject(stopped);
    const id = ++lastId;
    const answer = Promise.withResolvers<unknown>();
    waiting.set(id, answer);
    worker.postMessage({ ...request, id } satisfies ThreadRequest);
    return answer.promise as Promise<T>;
  };

  worker.postMessage({ kind: "load", dir } satisfies ThreadRequest);
  const metadata = await loaded.promise;
  const score = (tickets: readonly FeatureInput[]) =>
    ask<BatchScores>({ kind: "score", columns: FEATURE_FIELDS.map((field) => tickets.map((t) => t[field])) });
  return {
    version: metadata.model_version,
    classes: PRIORITIES,
    metadata,
    score,
    predict: async (tickets) => predictionsOf(await score(tickets), metadata),
    probabilities: (features) => ask<Float32Array>({ kind: "probabilities", features }),
    close: async () => {
      if (stopped) return;
      await ask({ kind: "close" }).catch(() => {});
      stop(new Error("the model is closed"));
    },
  };
}
