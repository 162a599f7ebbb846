/**
 * Data loader: the model registry's versions (`GET /api/models` without the app): each version's held-out
 * metrics, how it compared with the model live when it was trained, and when it was live; `{live: null,
 * versions: []}` when `MODEL_DIR` pins the model or no registry exists yet.
 *
 * @module
 */
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { ModelRegistry } from "../src/score/registry.ts";
import { printJson } from "./output.ts";

/** The registry's versions and the live one. */
export async function load(): Promise<{ live: string | null; versions: unknown[] }> {
  const config = loadConfig();
  if (config.modelDir) return { live: null, versions: [] };
  const exists = await Deno.stat(join(config.modelRegistryDir, "live.json")).then(() => true, () => false);
  if (!exists) return { live: null, versions: [] };
  const registry = new ModelRegistry(config.modelRegistryDir);
  return { live: (await registry.live()).version, versions: await registry.versions() };
}

if (import.meta.main) await printJson(await load());
