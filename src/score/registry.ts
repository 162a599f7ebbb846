/**
 * The model registry: every trained model is a folder `<registry>/<version>/` (`priority.onnx`, `priority.json`,
 * `parity_sample.json`, and `comparison.json` when it was compared with the model live at the time), never
 * overwritten; `live.json` names the live version, since when, and the versions live before it. The shipped model
 * (`models/`) is the first live one. The registry is a folder (`MODEL_REGISTRY_DIR`, default `DATA_DIR/models`)
 * that every process of one deployment shares: the web server and the scorers watch `live.json` and switch when
 * it changes.
 *
 * @module
 */
import { copyFile, mkdir, readdir, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import type { Config } from "../config.ts";
import { fileURLToPath } from "node:url";

/**
 * The model shipped with the project, the registry's first live version. Here rather than beside `loadModel` so that
 * what reads the registry (the site's model loaders) does not load ONNX Runtime.
 */
export const SHIPPED_MODEL_DIR: string = fileURLToPath(new URL("../../models", import.meta.url));

/** The files of a model version (the comparison is optional). */
export const MODEL_FILES = ["priority.onnx", "text_layer.bin", "priority.json", "parity_sample.json"] as const;

/** How a challenger did against the live model on the same tickets (the challenger's predictions out of fold). */
export interface Comparison {
  live_version: string;
  held_out_tickets: number;
  challenger_macro_f1: number;
  live_macro_f1: number;
  /** Challenger minus live. */
  difference: number;
  /** A 95% paired bootstrap interval of the difference. */
  difference_ci95: [number, number];
  /** True when the whole interval is below zero: the challenger is clearly worse. */
  clearly_worse: boolean;
  /**
   * Both models by segment of the same tickets (language, channel, type, product; segments of at least
   * `SEGMENT_MIN_TICKETS` labelled tickets), and those where the challenger loses more than `SEGMENT_MAX_LOSS`
   * macro-F1: promotion is refused while there are any, unless forced.
   */
  segments?: SegmentComparison[];
  worse_segments?: SegmentComparison[];
}

/** Two models on one segment of labelled tickets. */
export interface SegmentComparison {
  by: "language" | "channel" | "type" | "product";
  value: string;
  tickets: number;
  live: { macro_f1: number };
  candidate: { macro_f1: number };
}

/** One version as `GET /api/models` answers it. */
export interface ModelVersion {
  version: string;
  created_at: string | null;
  training: { rows: number | null; sources: string[] };
  metrics: { held_out: { accuracy: number | null; macro_f1: number | null; per_class: unknown } };
  better_than_chance: boolean | null;
  compared_with_live: Comparison | null;
  /** When it became live (the latest time), or null if it never was. */
  live_since: string | null;
}

/** What `live.json` holds. */
interface LiveFile {
  version: string;
  since: string;
  history: { version: string; since: string }[];
}

/** Raised for a version the registry does not hold. */
export class UnknownVersion extends Error {
  override name = "UnknownVersion";
}

/** Raised when a promotion is refused (a clearly worse challenger, unless forced). */
export class PromotionRefused extends Error {
  override name = "PromotionRefused";
}

const VERSION_NAME = /^[\w.-]+$/;

async function readJson<T>(path: string): Promise<T | null> {
  try {
    return JSON.parse(await Deno.readTextFile(path)) as T;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return null;
    throw error;
  }
}

/** Writes a file whole or not at all (a temporary file renamed over it). */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${crypto.randomUUID()}.tmp`;
  await Deno.writeTextFile(temporary, text);
  await rename(temporary, path);
}

/** A registry folder. Open it with {@linkcode openRegistry}. */
export class ModelRegistry {
  constructor(readonly dir: string) {}

  /** The folder of a version. */
  versionDir(version: string): string {
    if (!VERSION_NAME.test(version)) throw new UnknownVersion(`not a model version: ${version}`);
    return join(this.dir, version);
  }

  /** The live version and since when. */
  async live(): Promise<{ version: string; since: string }> {
    const live = await readJson<LiveFile>(join(this.dir, "live.json"));
    if (!live) throw new Error(`${this.dir}/live.json is missing: the registry was not opened with openRegistry`);
    return { version: live.version, since: live.since };
  }

  /** True when the registry holds `version`. */
  async has(version: string): Promise<boolean> {
    if (!VERSION_NAME.test(version)) return false;
    return await Deno.stat(join(this.dir, version, "priority.json")).then(() => true, () => false);
  }

  /** Every version, newest first. */
  async versions(): Promise<ModelVersion[]> {
    const live = await readJson<LiveFile>(join(this.dir, "live.json"));
    const since = new Map<string, string>();
    for (const entry of [...(live?.history ?? []), ...(live ? [live] : [])]) since.set(entry.version, entry.since);
    const out: ModelVersion[] = [];
    for (const name of await readdir(this.dir)) {
      if (!(await this.has(name))) continue;
      // deno-lint-ignore no-explicit-any
      const meta = await readJson<any>(join(this.dir, name, "priority.json"));
      const heldOut = meta?.metrics?.held_out ?? {};
      out.push({
        version: name,
        created_at: meta?.created_at ?? null,
        training: { rows: meta?.training_data?.rows ?? null, sources: meta?.training_data?.sources ?? [] },
        metrics: {
          held_out: {
            accuracy: heldOut.accuracy ?? null,
            macro_f1: heldOut.macro_f1 ?? null,
            per_class: heldOut.per_class ?? null,
          },
        },
        better_than_chance: meta?.review?.chance?.better_than_chance ?? null,
        compared_with_live: await readJson<Comparison>(join(this.dir, name, "comparison.json")),
        live_since: since.get(name) ?? null,
      });
    }
    return out.sort((a, b) => String(b.created_at).localeCompare(String(a.created_at)));
  }

  /**
   * Adds a trained model folder as a new version (named by its `model_version`), with the comparison when there
   * is one. A version already in the registry is never overwritten: the folder gets a numbered suffix.
   *
   * @returns the version's name.
   */
  async add(folder: string, comparison: Comparison | null = null): Promise<string> {
    // deno-lint-ignore no-explicit-any
    const meta = await readJson<any>(join(folder, "priority.json"));
    if (!meta?.model_version) throw new Error(`${folder} holds no trained model (priority.json)`);
    let version = String(meta.model_version);
    for (let n = 2; await this.has(version); n++) version = `${meta.model_version}.${n}`;
    const staging = join(this.dir, `.adding-${crypto.randomUUID()}`);
    await mkdir(staging, { recursive: true });
    try {
      for (const file of MODEL_FILES) await copyFile(join(folder, file), join(staging, file));
      if (version !== meta.model_version) {
        // The version a model scores under is its folder's name.
        await writeAtomically(
          join(staging, "priority.json"),
          JSON.stringify({ ...meta, model_version: version }, null, 2),
        );
      }
      if (comparison) {
        await writeAtomically(join(staging, "comparison.json"), JSON.stringify(comparison, null, 2) + "\n");
      }
      await rename(staging, join(this.dir, version));
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
    return version;
  }

  /**
   * Makes `version` the live model. Refused for a challenger that was clearly worse than the model live when it
   * was trained, or clearly worse on a segment of its tickets (a language, channel, type or product), unless
   * `force`.
   *
   * @throws {UnknownVersion} for a version the registry does not hold.
   * @throws {PromotionRefused} for a clearly worse challenger without `force`.
   */
  async promote(
    version: string,
    { force = false }: { force?: boolean } = {},
  ): Promise<{ version: string; since: string }> {
    if (!(await this.has(version))) throw new UnknownVersion(`no model version "${version}" in the registry`);
    const comparison = await readJson<Comparison>(join(this.dir, version, "comparison.json"));
    if (comparison?.clearly_worse && !force) {
      throw new PromotionRefused(
        `${version} is clearly worse than ${comparison.live_version} on the same ${comparison.held_out_tickets} ` +
          `tickets (macro-F1 ${comparison.challenger_macro_f1} vs ${comparison.live_macro_f1}, ` +
          `difference ${comparison.difference} with 95% interval ${comparison.difference_ci95.join(" to ")}); ` +
          "promote with force to do it anyway",
      );
    }
    const worse = comparison?.worse_segments ?? [];
    if (worse.length > 0 && !force) {
      const named = worse.map((s) =>
        `${s.by} ${s.value} (${s.tickets} tickets: macro-F1 ${s.candidate.macro_f1} vs ${s.live.macro_f1})`
      );
      throw new PromotionRefused(
        `${version} is worse than ${comparison!.live_version} on ${named.join("; ")}; ` +
          "promote with force to do it anyway",
      );
    }
    const current = await readJson<LiveFile>(join(this.dir, "live.json"));
    const since = new Date().toISOString();
    const history = current ? [...current.history, { version: current.version, since: current.since }] : [];
    await writeAtomically(join(this.dir, "live.json"), JSON.stringify({ version, since, history }, null, 2) + "\n");
    return { version, since };
  }
}

/**
 * Opens (creating if needed) the registry in `dir`: an empty registry gets the shipped model as its first, live,
 * version. So does a registry whose live model reads tickets in a way this release no longer does (another feature
 * spec than the shipped model's, after an upgrade): the app could not load it, and the log says to retrain.
 */
export async function openRegistry(
  dir: string,
  { shipped = SHIPPED_MODEL_DIR, log }: { shipped?: string; log?: (line: string) => void } = {},
): Promise<ModelRegistry> {
  const registry = new ModelRegistry(dir);
  await mkdir(dir, { recursive: true });
  // deno-lint-ignore no-explicit-any
  const meta = await readJson<any>(join(shipped, "priority.json"));
  const version = String(meta?.model_version);
  const live = await readJson<LiveFile>(join(dir, "live.json"));
  if (live) {
    // deno-lint-ignore no-explicit-any
    const liveSpec = (await readJson<any>(join(dir, live.version, "priority.json")))?.feature_spec_version;
    if (liveSpec === meta?.feature_spec_version || live.version === version) return registry;
    log?.(
      `model registry: the live model ${live.version} reads tickets as ${liveSpec ?? "(unknown)"}, which this ` +
        `release does not (${meta?.feature_spec_version}); the shipped model ${version} is live instead. Retrain ` +
        "on your tickets with deno task train",
    );
  }
  if (!(await registry.has(version))) await registry.add(shipped);
  // Two processes opening a new registry at once both get here; either's live.json is the same.
  await registry.promote(version, { force: true });
  return registry;
}

/**
 * Where the live model of a deployment is, without opening (or creating) its registry: `MODEL_DIR` when it pins
 * one, else the registry's live version, else (a registry not made yet) the shipped model.
 */
export async function liveModelDir(config: Config): Promise<string> {
  if (config.modelDir) return config.modelDir;
  const live = await readJson<LiveFile>(join(config.modelRegistryDir, "live.json"));
  return live ? join(config.modelRegistryDir, live.version) : SHIPPED_MODEL_DIR;
}
