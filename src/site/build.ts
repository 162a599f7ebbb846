/**
 * Building the static site: Observable Framework 1.13.4 run by Deno, offline, as a subprocess. The data loaders
 * (`loaders/`) read the marts of the configured data directory; the site lands in `<dataDir>/site` unless told
 * otherwise, swapped in whole only when the build succeeded, after the step that makes Framework's own markup
 * accessible (`accessible_html.ts`).
 *
 * Framework writes its cache into the source root (`<root>/.observablehq/cache`), and the app writes nothing
 * outside its data directory: so the build runs on a copy of `pages/` in `<dataDir>/site-source/`, beside links
 * to the project folders its loaders and imports need (`loaders`, `src`, `sql`, `models`, `node_modules`).
 *
 * What an offline build under Deno relies on (each found by building with `--deny-net`): the CLI run with an
 * explicit `--config` (without it Framework loads tsx hooks that break CommonJS JSON requires under Deno),
 * telemetry off, libraries imported explicitly from node_modules by the pages (Framework's implicit ones come from
 * a CDN), empty `.observablehq/cache/_npm/<name>@<version>/` folders so the bundler's version look-ups of lazily
 * imported libraries are answered without the npm registry, and a cleared loader cache since `build` reuses stale
 * loader output. Builds in different processes share that cache, so they take turns on a file lock.
 *
 * @module
 */
import { cp } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Config } from "../config.ts";
import { makePagesAccessible } from "./accessible_html.ts";

/** The Framework version whose cache layout this module relies on; pinned in deno.json too. */
export const FRAMEWORK_VERSION = "1.13.4";

/** The project root: where `observablehq.config.ts`, `pages/` and `loaders/` are. */
const PROJECT_ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Project folders the copied pages reach by relative paths (loaders, what they import, npm packages). */
const LINKED_FOLDERS = ["loaders", "src", "sql", "models", "node_modules"];

/**
 * Libraries that Framework's client bundles import lazily (only if a page used them, which ours never do) and
 * whose versions the bundler looks up at build time. An empty folder per version answers the look-up offline;
 * the version only appears in the path of an import that never runs. Those the site uses match node_modules.
 */
const LAZY_LIBRARIES: Record<string, string> = {
  "@observablehq/plot": "0.6.17",
  "@observablehq/sample-datasets": "1.0.1",
  "@uwdata/vgplot": "0.10.0",
  "@viz-js/viz": "3.11.0",
  "apache-arrow": "17.0.0",
  "arquero": "7.2.0",
  "d3": "7.9.0",
  "d3-dsv": "3.0.1",
  "echarts": "5.5.1",
  "exceljs": "4.4.0",
  "htl": "0.3.1",
  "jszip": "3.10.1",
  "katex": "0.16.11",
  "leaflet": "1.9.4",
  "lodash": "4.17.21",
  "mapbox-gl": "3.7.0",
  "mermaid": "11.3.0",
  "parquet-wasm": "0.6.1",
  "react": "18.3.1",
  "react-dom": "18.3.1",
  "sql.js": "1.11.0",
  "topojson-client": "3.1.0",
  "vega": "5.30.0",
  "vega-lite": "5.21.0",
  "vega-lite-api": "5.6.0",
};

/**
 * Where the site before the current one is kept, one generation: a page opened before a rebuild asks for data files
 * by their old (content-hashed) names, and the server finds them there (`web/app.ts`), as it does any file during
 * the instant between the two renames of a swap.
 */
export function previousSiteDir(outputDir: string): string {
  return `${outputDir}.previous`;
}

/** What a site build did. */
export interface SiteBuildResult {
  ok: boolean;
  /** Seconds the whole build took, waiting for another build's lock included. */
  seconds: number;
  /** Where the site is (or would have been, when the build failed: the previous site is left there). */
  outputDir: string;
  /** Framework's output, or why the build could not run. */
  log: string;
}

/** How to build. */

/** How long a site build may take before it is given up. */
export const BUILD_TIMEOUT_MS = 10 * 60 * 1000;
export interface BuildSiteOptions {
  /** Where the built site goes; default `<dataDir>/site`. */
  outputDir?: string;
  /** Run Framework with the network denied (`--deny-net`), proving the build fetches nothing. Default true. */
  denyNet?: boolean;
  /** Give up on a build that runs longer than this; default {@linkcode BUILD_TIMEOUT_MS}. */
  timeoutMs?: number;
  /**
   * Keep the site being replaced in {@linkcode previousSiteDir} (a server does, for the pages open in browsers);
   * default false: it is removed.
   */
  keepPrevious?: boolean;
}

// deno-lint-ignore no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

/**
 * Makes `<dataDir>/site-source/` the build's source: `pages/` copied afresh (its `.observablehq/cache` kept), the
 * project folders linked beside it, the empty `_npm/<name>@<version>/` folders the offline bundler needs, and no
 * cached loader output, so every data file is loaded afresh from the current marts.
 *
 * @returns the source root for Framework.
 */
async function prepareSource(sourceDir: string): Promise<string> {
  const root = join(sourceDir, "pages");
  const cache = join(root, ".observablehq", "cache");
  await Deno.mkdir(root, { recursive: true });
  for await (const entry of Deno.readDir(root)) {
    if (entry.name !== ".observablehq") await Deno.remove(join(root, entry.name), { recursive: true });
  }
  await cp(join(PROJECT_ROOT, "pages"), root, {
    recursive: true,
    filter: (source) => !source.includes(`${join(PROJECT_ROOT, "pages")}/.observablehq`),
  });
  for (const folder of LINKED_FOLDERS) {
    const link = join(sourceDir, folder);
    const target = join(PROJECT_ROOT, folder);
    if (await Deno.readLink(link).then((current) => current === target, () => false)) continue;
    await Deno.remove(link).catch(() => {});
    await Deno.symlink(target, link);
  }
  for (const [name, version] of Object.entries(LAZY_LIBRARIES)) {
    await Deno.mkdir(join(cache, "_npm", `${name}@${version}`), { recursive: true });
  }
  await Deno.remove(join(cache, "data"), { recursive: true }).catch((error) => {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  });
  return root;
}

/** Runs a command, collecting stdout and stderr interleaved as they arrive. */
async function run(
  args: string[],
  env: Record<string, string>,
  signal: AbortSignal,
): Promise<{ success: boolean; log: string }> {
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: PROJECT_ROOT,
    env,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    signal,
  }).spawn();
  const chunks: string[] = [];
  const collect = async (stream: ReadableStream<Uint8Array>) => {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) chunks.push(text);
  };
  const [status] = await Promise.all([child.status, collect(child.stdout), collect(child.stderr)]);
  const log = chunks.join("").replace(ANSI, "");
  return { success: status.success, log: status.signal ? `${log}\nkilled by ${status.signal}` : log };
}

/**
 * Builds the site from the marts in `config`'s data directory. Never throws for a failed build: the result says
 * so and carries the log; the previous site stays in place.
 */
export async function buildSite(config: Config, options: BuildSiteOptions = {}): Promise<SiteBuildResult> {
  const started = performance.now();
  const outputDir = resolve(options.outputDir ?? join(config.dataDir, "site"));
  const seconds = () => (performance.now() - started) / 1000;
  const staging = `${outputDir}.building-${crypto.randomUUID()}`;
  let lock: Deno.FsFile | null = null;
  try {
    const sourceDir = resolve(config.dataDir, "site-source");
    await Deno.mkdir(sourceDir, { recursive: true });
    await Deno.mkdir(dirname(outputDir), { recursive: true });
    // Builds in other processes share the source and its cache: one at a time.
    lock = await Deno.open(join(sourceDir, ".build.lock"), { create: true, write: true });
    await lock.lock(true);
    const root = await prepareSource(sourceDir);

    const framework = `npm:@observablehq/framework@${FRAMEWORK_VERSION}/dist/bin/observable.js`;
    const args = [
      "run",
      "--allow-all",
      ...(options.denyNet ?? true ? ["--deny-net"] : []),
      "--no-prompt",
      "--config",
      join(PROJECT_ROOT, "deno.json"),
      framework,
      "build",
      "--config",
      "observablehq.config.ts",
    ];
    const env = {
      ...Deno.env.toObject(),
      DATA_DIR: isAbsolute(config.dataDir) ? config.dataDir : resolve(config.dataDir),
      ...(config.modelDir ? { MODEL_DIR: resolve(config.modelDir) } : {}),
      MODEL_REGISTRY_DIR: resolve(config.modelRegistryDir),
      SITE_OUTPUT_DIR: staging,
      SITE_SOURCE_DIR: root,
      OBSERVABLE_TELEMETRY_DISABLE: "true",
      NO_COLOR: "1",
    };
    const signal = AbortSignal.timeout(options.timeoutMs ?? BUILD_TIMEOUT_MS);
    const { success, log } = await run(args, env, signal);
    const built = success && await Deno.stat(join(staging, "index.html")).then(() => true, () => false);
    if (!built) {
      const why = signal.aborted ? `\nthe build took longer than ${options.timeoutMs ?? BUILD_TIMEOUT_MS} ms` : "";
      return { ok: false, seconds: seconds(), outputDir, log: `${log}${why}` };
    }
    const fixed = await makePagesAccessible(staging);
    // Swap the new site in whole (rename cannot replace a non-empty directory, so move the old one aside first).
    // A server keeps the old one beside it, one generation, for pages already open: their data files have old names.
    const previous = previousSiteDir(outputDir);
    await Deno.remove(previous, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await Deno.rename(outputDir, previous).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    await Deno.rename(staging, outputDir);
    if (!options.keepPrevious) await Deno.remove(previous, { recursive: true }).catch(() => {});
    return {
      ok: true,
      seconds: seconds(),
      outputDir,
      log: `${log}\nmade ${fixed} pages accessible (accessible_html.ts)`,
    };
  } catch (error) {
    return { ok: false, seconds: seconds(), outputDir, log: `site build could not run: ${(error as Error).stack}` };
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
    lock?.close();
  }
}
