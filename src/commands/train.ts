/**
 * Trains the priority model end to end (`deno task train`): labelled tickets → training matrix (the feature module,
 * via `matrix.ts`) → `models/train.py` run by the project's Python (`.venv`, made by `deno task setup`) → a new
 * version in the model registry, compared with the live model on the same tickets (its own predictions out of
 * fold); or, with `--out-dir`,
 * a plain model folder (`MODEL_DIR` can serve one). Only training needs Python; the app never runs it.
 *
 * The tickets come from CSV files (the Excel sample by default), or, with `--from-store`, from a running app: its
 * stored labelled tickets, agents' overrides winning over upload labels.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { loadConfig } from "../config.ts";
import type { DateOrder } from "../ingest/dates.ts";
import { readTicketFile } from "../ingest/read_file.ts";
import { FEATURE_SPEC_VERSION, FeatureSpec, learnVocabularies } from "../score/features.ts";
import type { Mapping } from "../ingest/mapping.ts";
import { openRegistry } from "../score/registry.ts";
import { type Ticket, UPLOAD_COLUMNS } from "../ticket/schema.ts";
import { appUrl, fetchApp } from "../client/app.ts";
import { compareModels, outOfFold, predictWith } from "../train/compare.ts";
import { matrixInput, writeMatrix } from "../train/matrix.ts";
import { PROJECT_PYTHON, PROJECT_ROOT, pythonMissing, runTrainPy } from "../train/python.ts";

/** What `deno task train` trains on when given no files: the Excel sample. */
export const DEFAULT_TRAINING_FILE = `${PROJECT_ROOT}/samples/tickets.csv`;

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

const HELP = `Usage: deno task train [OPTIONS] [FILE.csv ...]
       deno task train --from-store [--url URL] [OPTIONS]

Trains the ticket priority model: labelled tickets -> feature matrix (src/score/features.ts,
${FEATURE_SPEC_VERSION}) -> models/train.py (CatBoost, exported to ONNX). The new model becomes a version in the
model registry (MODEL_REGISTRY_DIR, default DATA_DIR/models), measured against the live model on the same
tickets (each predicted out of fold: by a model fitted without it); promote it with deno task models:promote
VERSION. With --out-dir it is written as a plain folder instead. The final model learns from every labelled
ticket given.

Tickets: the CSV files given (default samples/tickets.csv, 8,469 labelled tickets), or with --from-store the
labelled tickets a running app has stored (agents' overrides win over upload labels).

Options:
  --from-store        train on the app's stored labelled tickets
  --url URL           the app (default http://localhost:$PORT, PORT defaulting to 8000; AUTH_TOKEN, when the app
                      asks for a token)
  --out-dir DIR       write a plain model folder there instead of a registry version
  --cache-dir DIR     where the training matrix goes (default: a temporary folder)
  --mapping M         how the files name their columns: a preset (bundled, zendesk, freshdesk, jira) or a
                      mapping file (JSON or YAML); default: recognised from each file's header
  --date-order ORDER  DMY or MDY: read numeric dates in the files in this order instead of inferring it
  --iterations N      CatBoost iterations (default: train.py's)
  --target-precision P  precision auto-assigned tickets must reach; below the threshold that gives it, tickets
                      need review (default: train.py's, 0.8)
  --drop-prefix P     leave out the features whose names start with P (repeatable; a model blind to them)
  --python PATH       the Python interpreter (default .venv/bin/python, made by deno task setup)
  -h, --help          this help

Needs the training libraries of models/requirements.txt in .venv: deno task setup installs them.`;

/** Labelled tickets and a description of where they came from. */
interface TrainingSet {
  tickets: Ticket[];
  sources: string[];
}

/** The labelled tickets of CSV files, read through the same ingest as uploads. */
async function fromFiles(
  files: string[],
  dateOrder: DateOrder | undefined,
  mapping: Mapping | undefined,
): Promise<TrainingSet> {
  const tickets: Ticket[] = [];
  for (const file of files) {
    for await (const batch of readTicketFile(file, { dateOrder, mapping })) {
      for (const t of batch) if (t.priority_label !== null) tickets.push(t);
    }
  }
  const sources = await Promise.all(
    files.map(async (p) => `${p.replace(/^.*[\\/]/, "")} sha256:${await sha256File(p)}`),
  );
  return { tickets, sources };
}

/** The labelled tickets an app has stored, a page at a time; each ticket's label is its current one. */
async function fromStore(base: string, log: (line: string) => void): Promise<TrainingSet> {
  const tickets: Ticket[] = [];
  let agents = 0;
  for (let offset = 0;; offset += 1000) {
    const response = await fetchApp(`${base}/api/tickets?labelled=true&limit=1000&offset=${offset}`).catch((error) => {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`train: the app at ${base} does not answer (${error.message}); give --url`);
    });
    if (!response.ok) throw new Error(`${base}/api/tickets answered ${response.status}: ${await response.text()}`);
    const page: { rows: Record<string, unknown>[]; total: number } = await response.json();
    for (const row of page.rows) {
      tickets.push(Object.fromEntries(UPLOAD_COLUMNS.map((c) => [c.name, row[c.name] ?? null])) as unknown as Ticket);
      if (row.label_source === "agent") agents++;
    }
    if (offset === 0 || page.rows.length === 0 || tickets.length >= page.total) {
      log(`train: ${tickets.length} of ${page.total} labelled tickets read from ${base}`);
    }
    if (page.rows.length === 0 || tickets.length >= page.total) break;
  }
  return { tickets, sources: [`store at ${base}: ${tickets.length} labelled tickets, ${agents} labelled by agents`] };
}

async function main(): Promise<number> {
  const { values, positionals } = commandLine(HELP, {
    "from-store": { type: "boolean" },
    url: { type: "string" },
    "out-dir": { type: "string" },
    "cache-dir": { type: "string" },
    "date-order": { type: "string" },
    mapping: { type: "string" },
    iterations: { type: "string" },
    "target-precision": { type: "string" },
    "drop-prefix": { type: "string", multiple: true },
    python: { type: "string", default: PROJECT_PYTHON },
  }, { positionals: true });
  if (values["from-store"] && positionals.length > 0) throw new UsageError("give either --from-store or files");
  const extraArgs: string[] = [];
  if (values.iterations !== undefined) {
    if (!/^[1-9]\d*$/.test(values.iterations)) throw new UsageError("--iterations needs a positive whole number");
    extraArgs.push("--iterations", values.iterations);
  }
  const target = values["target-precision"];
  if (target !== undefined) {
    if (!(Number(target) > 0 && Number(target) <= 1)) {
      throw new UsageError("--target-precision needs a number in (0, 1]");
    }
    extraArgs.push("--target-precision", target);
  }
  for (const prefix of values["drop-prefix"] ?? []) extraArgs.push("--drop-prefix", prefix);
  const missing = await pythonMissing(values.python);
  if (missing) throw new UsageError(`train: ${missing}`);

  const started = performance.now();
  const log = (line: string) => console.error(line);
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`;
  let set: TrainingSet;
  if (values["from-store"]) {
    set = await fromStore(appUrl(values.url), log);
  } else {
    const input = await matrixInput(
      positionals.length > 0 ? positionals : [DEFAULT_TRAINING_FILE],
      values["date-order"],
      values.mapping,
    );
    if (typeof input === "string") throw new UsageError(`${input}\n\n${HELP}`);
    set = await fromFiles(input.files, input.dateOrder, input.mapping);
  }
  if (set.tickets.length === 0) throw new UsageError("train: no labelled tickets to train on");

  const work = values["cache-dir"] ?? await Deno.makeTempDir({ prefix: "train-" });
  await Deno.mkdir(work, { recursive: true });
  try {
    // The model learns its categorical vocabularies from the tickets it is trained on, and carries them.
    const spec = new FeatureSpec(learnVocabularies(set.tickets));
    const matrix = await writeMatrix(join(work, "matrix.csv"), spec, [set.tickets], set.sources);
    log(`train: matrix ${matrix.path}: ${matrix.rows} labelled tickets in ${elapsed()}`);
    const outDir = values["out-dir"] ?? join(work, "model");
    await Deno.mkdir(outDir, { recursive: true });
    try {
      await runTrainPy({ matrix: matrix.path, outDir, python: values.python, sources: set.sources, extraArgs });
    } catch (error) {
      console.error(`train: error: ${(error as Error).message}`);
      return 2;
    }
    if (values["out-dir"]) {
      log(`train: done in ${elapsed()}; model in ${outDir} (serve it with MODEL_DIR=${outDir})`);
      return 0;
    }

    // Into the registry, measured against the live model on every ticket it was trained on, by its out-of-fold
    // predictions (the matrix rows are the tickets, in order).
    const config = loadConfig();
    const registry = await openRegistry(config.modelRegistryDir);
    const live = await registry.live();
    const predicted = await outOfFold(outDir);
    if (predicted.length !== set.tickets.length) {
      throw new Error(
        `train.py predicted ${predicted.length} tickets out of fold, not the ${set.tickets.length} given`,
      );
    }
    const livePredictions = await predictWith(registry.versionDir(live.version), set.tickets);
    const comparison = compareModels({ version: "new", predicted }, livePredictions, set.tickets);
    const version = await registry.add(outDir, comparison);
    const verdict = comparison.clearly_worse
      ? "clearly WORSE than the live model"
      : "not clearly worse than the live model";
    console.log(JSON.stringify({ version, registry: registry.dir, compared_with_live: comparison }, null, 2));
    log(
      `train: ${version} in ${elapsed()}: out-of-fold macro-F1 ${comparison.challenger_macro_f1} against ` +
        `${comparison.live_macro_f1} for the live ${comparison.live_version} on the same ${comparison.held_out_tickets} ` +
        `tickets (difference ${comparison.difference}, 95% interval ${comparison.difference_ci95.join(" to ")}): ` +
        `${verdict}. Promote it with: deno task models:promote ${version}`,
    );
    return 0;
  } finally {
    if (!values["cache-dir"]) await Deno.remove(work, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) runCommand(main);
