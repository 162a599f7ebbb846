/**
 * Trains the priority model end to end (`deno task train`): ticket CSV files → training matrix (the feature
 * module, via `matrix.ts`) in a cache directory → `models/train.py` run by the project's Python (`.venv`,
 * made by `deno task setup`) → `models/priority.onnx`, `models/priority.json`, `models/parity_sample.json`. Only
 * training needs Python; the service never runs it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { FEATURE_SPEC_VERSION } from "../score/features.ts";
import { matrixInput, writeMatrixOfFiles } from "./matrix.ts";
import { PROJECT_PYTHON, PROJECT_ROOT, pythonMissing, runTrainPy } from "./python.ts";

/** What `deno task train` trains on when given no files: the Excel sample. */
export const DEFAULT_TRAINING_FILE = `${PROJECT_ROOT}/samples/tickets.csv`;
/** Where training matrices are written (git-ignored). */
export const DEFAULT_CACHE_DIR = `${PROJECT_ROOT}/.cache/train`;

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

const HELP = `Usage: deno task train [OPTIONS] [FILE.csv ...]

Trains the ticket priority model: tickets -> feature matrix (src/score/features.ts, ${FEATURE_SPEC_VERSION}) ->
models/train.py (CatBoost, exported to ONNX) -> priority.onnx, priority.json, parity_sample.json.
Without files it trains on samples/tickets.csv (8,469 labelled tickets).

Options:
  --out-dir DIR       where the model goes (default: models/ of the project)
  --cache-dir DIR     where the training matrix goes (default: .cache/train/ of the project)
  --date-order ORDER  DMY or MDY: read numeric dates in this order instead of inferring it per file
  --iterations N      CatBoost iterations (default: train.py's)
  --target-precision P  precision auto-assigned tickets must reach; below the threshold that gives it, tickets
                      need review (default: train.py's, 0.8)
  --drop-prefix P     leave out the features whose names start with P (repeatable; a model blind to them)
  --python PATH       the Python interpreter (default .venv/bin/python, made by deno task setup)
  -h, --help          this help

Needs the training libraries of models/requirements.txt in .venv: deno task setup installs them.`;

async function main(): Promise<number> {
  const { values, positionals } = commandLine(HELP, {
    "out-dir": { type: "string", default: `${PROJECT_ROOT}/models` },
    "cache-dir": { type: "string", default: DEFAULT_CACHE_DIR },
    "date-order": { type: "string" },
    iterations: { type: "string" },
    "target-precision": { type: "string" },
    "drop-prefix": { type: "string", multiple: true },
    python: { type: "string", default: PROJECT_PYTHON },
  }, { positionals: true });
  const input = await matrixInput(positionals.length > 0 ? positionals : [DEFAULT_TRAINING_FILE], values["date-order"]);
  if (typeof input === "string") throw new UsageError(`${input}\n\n${HELP}`);
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

  await Deno.mkdir(values["cache-dir"], { recursive: true });
  const started = performance.now();
  const log = (line: string) => console.error(line);
  const sources = await Promise.all(
    input.files.map(async (p) => `${p.replace(/^.*[\\/]/, "")} sha256:${await sha256File(p)}`),
  );
  const summary = await writeMatrixOfFiles(input, `${values["cache-dir"]}/matrix.csv`, sources, log);
  log(
    `train: matrix ${summary.path}: ${summary.rows} labelled rows (${summary.skippedUnlabelled} unlabelled skipped) ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
  if (summary.rows === 0) throw new UsageError("train: no labelled tickets to train on");

  await Deno.mkdir(values["out-dir"], { recursive: true });
  try {
    await runTrainPy({ matrix: summary.path, outDir: values["out-dir"], python: values.python, sources, extraArgs });
  } catch (error) {
    console.error(`train: error: ${(error as Error).message}`);
    return 2;
  }
  log(`train: done in ${((performance.now() - started) / 1000).toFixed(1)}s; model in ${values["out-dir"]}`);
  return 0;
}

if (import.meta.main) runCommand(main);
