/**
 * Trains the priority model end to end (`deno task train`): ticket CSV files → training matrix (the feature
 * module, via `features_cli.ts`) in a cache directory → `models/train.py` run by the project's Python (`.venv`,
 * made by `deno task setup`) → `models/priority.onnx`, `models/priority.json`, `models/parity_sample.json`. Only
 * training needs Python; the service never runs it.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { parseArgs } from "node:util";
import { PROJECT_PYTHON, PROJECT_ROOT, pythonMissing } from "../train/python.ts";
import { FEATURE_SPEC_VERSION } from "./features.ts";
import { matrixInput, syntheticSource, writeMatrixOf } from "./features_cli.ts";

/** The training script. */
export const TRAIN_PY = `${PROJECT_ROOT}/models/train.py`;
/** What `deno task train` trains on when given no files: the Excel sample. */
export const DEFAULT_TRAINING_FILE = `${PROJECT_ROOT}/samples/tickets.csv`;
/** Where training matrices are written (git-ignored). */
export const DEFAULT_CACHE_DIR = `${PROJECT_ROOT}/.cache/train`;

/** Options for {@linkcode runTrainPy}. */
export interface TrainPyOptions {
  matrix: string;
  outDir: string;
  python?: string;
  /** Recorded in the metadata as where the data came from. */
  sources?: string[];
  /** More arguments for train.py (e.g. `["--iterations", "100"]`). */
  extraArgs?: string[];
  /** Show train.py's output (default true); when false it is captured and shown only on failure. */
  inheritOutput?: boolean;
}

/** Runs `models/train.py`; throws with its output when it fails. */
export async function runTrainPy(options: TrainPyOptions): Promise<void> {
  const args = [TRAIN_PY, "--matrix", options.matrix, "--out-dir", options.outDir];
  for (const source of options.sources ?? []) args.push("--source", source);
  args.push(...(options.extraArgs ?? []));
  const inherit = options.inheritOutput ?? true;
  const out = await new Deno.Command(options.python ?? PROJECT_PYTHON, {
    args,
    stdout: inherit ? "inherit" : "piped",
    stderr: inherit ? "inherit" : "piped",
  }).output();
  if (!out.success) {
    const text = inherit ? "" : ":\n" + new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    throw new Error(`models/train.py failed (exit ${out.code})${text}`);
  }
}

/** SHA-256 of a file, streamed. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

const USAGE = `Usage: deno task train [-- OPTIONS] [FILE.csv ...]

Trains the ticket priority model: tickets -> feature matrix (src/score/features.ts, ${FEATURE_SPEC_VERSION}) ->
models/train.py (CatBoost, exported to ONNX) -> priority.onnx, priority.json, parity_sample.json.
Without files it trains on samples/tickets.csv (8,469 labelled tickets).

Options:
  --out-dir DIR       where the model goes (default: models/ of the project)
  --cache-dir DIR     where the training matrix goes (default: .cache/train/ of the project)
  --date-order ORDER  DMY or MDY: read numeric dates in this order instead of inferring it per file
  --synthetic N       train on N synthetic tickets whose priority depends on the features (see features_cli.ts)
  --seed S            seed for --synthetic (default 1)
  --iterations N      CatBoost iterations (default: train.py's)
  --python PATH       the Python interpreter (default .venv/bin/python, made by deno task setup)
  -h, --help          this help

Needs the training libraries of models/requirements.txt in .venv: deno task setup installs them.
`;

/** The CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: args[0] === "--" ? args.slice(1) : args,
      allowPositionals: true,
      options: {
        "out-dir": { type: "string", default: `${PROJECT_ROOT}/models` },
        "cache-dir": { type: "string", default: DEFAULT_CACHE_DIR },
        "date-order": { type: "string" },
        synthetic: { type: "string" },
        seed: { type: "string", default: "1" },
        iterations: { type: "string" },
        python: { type: "string", default: PROJECT_PYTHON },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`train: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (message: string, usage = true) => {
    console.error(`train: error: ${message}${usage ? `\n\n${USAGE}` : ""}`);
    return 2;
  };
  const input = await matrixInput(
    values,
    positionals.length > 0 || values.synthetic ? positionals : [DEFAULT_TRAINING_FILE],
  );
  if (typeof input === "string") return fail(input, input.startsWith("--"));
  const extraArgs: string[] = [];
  if (values.iterations !== undefined) {
    if (!/^[1-9]\d*$/.test(values.iterations)) return fail(`--iterations needs a positive whole number`);
    extraArgs.push("--iterations", values.iterations);
  }

  const missing = await pythonMissing(values.python);
  if (missing) return fail(missing, false);

  await Deno.mkdir(values["cache-dir"], { recursive: true });
  const started = performance.now();
  const log = (line: string) => console.error(line);
  const sources = input.kind === "synthetic"
    ? [syntheticSource(input)]
    : await Promise.all(input.files.map(async (p) => `${p.replace(/^.*[\\/]/, "")} sha256:${await sha256File(p)}`));
  const matrixPath = input.kind === "synthetic"
    ? `${values["cache-dir"]}/synthetic-${input.tickets}-${input.seed}.csv`
    : `${values["cache-dir"]}/matrix.csv`;
  const summary = await writeMatrixOf(input, matrixPath, sources, log);
  log(
    `train: matrix ${summary.path}: ${summary.rows} labelled rows (${summary.skippedUnlabelled} unlabelled skipped) ` +
      `in ${((performance.now() - started) / 1000).toFixed(1)}s`,
  );
  if (summary.rows === 0) return fail("no labelled tickets to train on", false);

  await Deno.mkdir(values["out-dir"], { recursive: true });
  try {
    await runTrainPy({ matrix: summary.path, outDir: values["out-dir"], python: values.python, sources, extraArgs });
  } catch (error) {
    return fail((error as Error).message, false);
  }
  log(`train: done in ${((performance.now() - started) / 1000).toFixed(1)}s; model in ${values["out-dir"]}`);
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`train: error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
