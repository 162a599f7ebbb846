/**
 * The Python that trains the model: the project's own virtual environment `.venv/`, with the libraries pinned in
 * `models/requirements.txt` (`deno task setup` creates it), and how `models/train.py` is run with it. Only
 * training needs Python; the app never runs it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The project root (where deno.json is), without a trailing slash. */
export const PROJECT_ROOT: string = fileURLToPath(new URL("../../", import.meta.url)).replace(/\/$/, "");
/** The interpreter of the project's virtual environment. */
export const PROJECT_PYTHON = `${PROJECT_ROOT}/.venv/bin/python`;
/** The pinned training libraries. */
export const REQUIREMENTS = `${PROJECT_ROOT}/models/requirements.txt`;
/** The training script: a matrix in, the ONNX model and its metadata out. */
export const TRAIN_PY = `${PROJECT_ROOT}/models/train.py`;

/** `name==version` pins of a requirements file (comments and blank lines skipped). */
export async function pinnedRequirements(path = REQUIREMENTS): Promise<[string, string][]> {
  return (await Deno.readTextFile(path)).split("\n")
    .map((line) => line.replace(/#.*/, "").trim())
    .filter(Boolean)
    .map((line) => {
      const [name, version] = line.split("==");
      if (!version) throw new Error(`${path}: "${line}" is not pinned as name==version`);
      return [name.trim(), version.trim()];
    });
}

/**
 * Checks that `python` runs and has exactly the pinned training libraries. Reads package metadata rather than
 * importing them, so the check takes a fraction of a second.
 *
 * @returns null when it does, otherwise why not (naming the command that fixes it).
 */
export async function pythonMissing(python = PROJECT_PYTHON): Promise<string | null> {
  const pins = await pinnedRequirements();
  const script = "import importlib.metadata as m, json, sys\n" +
    "def version(name):\n" +
    "    try: return m.version(name)\n" +
    "    except m.PackageNotFoundError: return None\n" +
    "print(json.dumps({name: version(name) for name in sys.argv[1:]}))";
  let out: Deno.CommandOutput;
  try {
    out = await new Deno.Command(python, {
      args: ["-c", script, ...pins.map(([name]) => name)],
      stdout: "piped",
      stderr: "piped",
    }).output();
  } catch (error) {
    return `${python} is not runnable (${(error as Error).message}); run deno task setup`;
  }
  if (!out.success) return `${python} failed: ${new TextDecoder().decode(out.stderr).trim().split("\n").at(-1)}`;
  const found: Record<string, string | null> = JSON.parse(new TextDecoder().decode(out.stdout));
  const wrong = pins.filter(([name, version]) => found[name] !== version)
    .map(([name, version]) => `${name} ${found[name] ?? "missing"} (want ${version})`);
  return wrong.length === 0 ? null : `${python}: ${wrong.join(", ")}; run deno task setup`;
}

/** Options for {@linkcode runTrainPy}. */
export interface TrainPyOptions {
  matrix: string;
  outDir: string;
  python?: string;
  /** Recorded in the metadata as where the data came from. */
  sources?: string[];
  /** More arguments for train.py (e.g. `["--iterations", "100"]`). */
  extraArgs?: string[];
  /** Show train.py's output on stderr (default true); when false it is captured and shown only on failure. */
  inheritOutput?: boolean;
}

/** Runs `models/train.py`; throws with its output when it fails. */
export async function runTrainPy(options: TrainPyOptions): Promise<void> {
  const args = [TRAIN_PY, "--matrix", options.matrix, "--out-dir", options.outDir];
  for (const source of options.sources ?? []) args.push("--source", source);
  args.push(...(options.extraArgs ?? []));
  const command = new Deno.Command(options.python ?? PROJECT_PYTHON, { args, stdout: "piped", stderr: "piped" });
  if (options.inheritOutput ?? true) {
    // train.py's progress goes to this process's stderr, keeping stdout for what the caller prints.
    const child = command.spawn();
    const toStderr = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) await Deno.stderr.write(chunk);
    };
    await Promise.all([toStderr(child.stdout), toStderr(child.stderr)]);
    const status = await child.status;
    if (!status.success) throw new Error(`models/train.py failed (exit ${status.code})`);
    return;
  }
  const out = await command.output();
  if (!out.success) {
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    throw new Error(`models/train.py failed (exit ${out.code}):\n${text}`);
  }
}
