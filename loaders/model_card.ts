/**
 * Data loader: the model's metadata (`models/priority.json`: classes, feature spec, training data, metrics), or
 * `null` when no model has been trained yet; the Model page then says there is no model metadata.
 *
 * @module
 */
import { printJson } from "./mart.ts";

const MODEL_METADATA = new URL("../models/priority.json", import.meta.url);

/** The model metadata, or null when the file is missing. */
export async function load(path: string | URL = MODEL_METADATA): Promise<unknown> {
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

if (import.meta.main) await printJson(await load());
