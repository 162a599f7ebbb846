/**
 * Data loader: the live model's metadata (its `priority.json`: classes, feature spec, training data,
 * metrics, calibration, review threshold and whether it beats chance), or `null` when there is none; the Model
 * page then says there is no model metadata.
 *
 * @module
 */
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { liveModelDir } from "../src/score/registry.ts";
import { printJson } from "./output.ts";

/** The model metadata, or null when the file is missing. */
export async function load(path?: string | URL): Promise<unknown> {
  path ??= join(await liveModelDir(loadConfig()), "priority.json");
  try {
    return JSON.parse(await Deno.readTextFile(path));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

if (import.meta.main) await printJson(await load());
