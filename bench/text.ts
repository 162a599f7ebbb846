/**
 * `deno task bench:text FILE`: how well the product reads real text, against what a data team would try instead,
 * on the same split of the same labelled tickets. The file is any labelled export the app reads (a preset, or
 * `--mapping`). Its tickets are split, stratified by label and seeded, into training and test files; then:
 *
 * - **ours**: `deno task train --out-dir` on the training file (feature module, text layer, CatBoost, ONNX), and
 *   the trained model scoring the test tickets as the app does; with how many tickets it would auto-triage (not
 *   sent to review) and how many of those it gets right;
 * - **TF-IDF + logistic regression** (`bench/tfidf_reference.py`), with and without class weights;
 * - **CatBoost with its own `text_features`** (`bench/score_reference.py`).
 *
 * Prints a table and, on its last line, the figures as JSON.
 *
 * @module
 */
import { join } from "node:path";
import { commandLine, runCommand, UsageError } from "../src/cli.ts";
import { mappingOfOption } from "../src/ingest/presets.ts";
import { readTicketFile } from "../src/ingest/read_file.ts";
import { loadModel } from "../src/score/model.ts";
import { type Ticket, UPLOAD_COLUMNS } from "../src/ticket/schema.ts";
import { macroF1 } from "../src/train/compare.ts";
import { PROJECT_PYTHON, pythonMissing } from "../src/train/python.ts";
import { seededRandom } from "../src/train/random.ts";
import { fileURLToPath } from "node:url";

const HELP = `Usage: deno task bench:text [--mapping M] [--test-share S] [--seed N] [--iterations N] FILE

Splits the labelled tickets of FILE (any export the app reads) into training and test tickets, stratified by label,
then measures macro-F1 on the test tickets of: this product (deno task train, then the model as the app scores),
TF-IDF + logistic regression (scikit-learn), and CatBoost with its own text_features. Prints a table, then the
figures as JSON on the last line.

Options:
  --mapping M       how FILE names its columns (a preset or a mapping file); default: recognised from the header
  --test-share S    share of each label's tickets held out for the test (default 0.2)
  --seed N          the split's seed (default 42)
  --iterations N    CatBoost iterations, ours and the reference's (default 300)
  --keep DIR        keep the split files and the trained model in DIR`;

/** The bundled export's header: what train, score_reference.py and tfidf_reference.py all read. */
function csvOf(tickets: readonly Ticket[]): string {
  const cell = (value: unknown) => {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  const fields = UPLOAD_COLUMNS.map((c) => c.name as keyof Ticket);
  return [UPLOAD_COLUMNS.map((c) => c.header).join(","), ...tickets.map((t) => fields.map((f) => cell(t[f])).join(","))]
    .join("\n") + "\n";
}

/** Each label's tickets shuffled (seeded), the first `share` of them held out. */
function split(tickets: Ticket[], share: number, seed: number): { train: Ticket[]; test: Ticket[] } {
  const random = seededRandom(seed);
  const train: Ticket[] = [], test: Ticket[] = [];
  const byLabel = Map.groupBy(tickets, (t) => t.priority_label);
  for (const group of byLabel.values()) {
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [group[i], group[j]] = [group[j], group[i]];
    }
    const held = Math.round(group.length * share);
    test.push(...group.slice(0, held));
    train.push(...group.slice(held));
  }
  return { train, test };
}

/** Runs a command to its end; answers what it printed, or throws with its error output. */
async function run(command: string, args: string[]): Promise<string> {
  const out = await new Deno.Command(command, { args, stdout: "piped", stderr: "piped" }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  if (!out.success) throw new Error(`${command} ${args.join(" ")} failed:\n${stderr.slice(-2000)}`);
  return new TextDecoder().decode(out.stdout);
}

const round = (n: number) => Math.round(n * 10_000) / 10_000;

async function main(): Promise<number> {
  const { values, positionals } = commandLine(HELP, {
    mapping: { type: "string" },
    "test-share": { type: "string", default: "0.2" },
    seed: { type: "string", default: "42" },
    iterations: { type: "string", default: "300" },
    keep: { type: "string" },
  }, { positionals: true });
  if (positionals.length !== 1) throw new UsageError(`give one labelled ticket CSV\n\n${HELP}`);
  const share = Number(values["test-share"]), seed = Number(values.seed), iterations = values.iterations!;
  if (!(share > 0 && share < 1)) throw new UsageError("--test-share must be between 0 and 1");
  if (!/^[1-9]\d*$/.test(iterations) || !Number.isInteger(seed)) throw new UsageError("--seed, --iterations: integers");
  const missing = await pythonMissing();
  if (missing) throw new UsageError(`bench:text: ${missing}`);

  const mapping = values.mapping ? await mappingOfOption(values.mapping) : undefined;
  const tickets: Ticket[] = [];
  for await (const batch of readTicketFile(positionals[0], { mapping })) {
    for (const t of batch) if (t.priority_label !== null) tickets.push(t);
  }
  const { train, test } = split(tickets, share, seed);
  if (test.length === 0 || train.length === 0) throw new UsageError("too few labelled tickets to split");
  const dir = values.keep ?? await Deno.makeTempDir({ prefix: "bench-text-" });
  await Deno.mkdir(dir, { recursive: true });
  try {
    const trainCsv = join(dir, "train.csv"), testCsv = join(dir, "test.csv"), modelDir = join(dir, "model");
    await Deno.writeTextFile(trainCsv, csvOf(train));
    await Deno.writeTextFile(testCsv, csvOf(test));
    console.error(
      `bench:text: ${tickets.length} labelled tickets: ${train.length} to train on, ${test.length} held out`,
    );

    let started = performance.now();
    const trainCli = fileURLToPath(new URL("../src/commands/train.ts", import.meta.url));
    await run(Deno.execPath(), ["run", "-A", trainCli, "--out-dir", modelDir, "--iterations", iterations, trainCsv]);
    const trainSeconds = (performance.now() - started) / 1000;
    const model = await loadModel(modelDir);
    const predictions = await model.predict(test);
    await model.close();
    const labels = test.map((t) => t.priority_label!);
    const predicted = predictions.map((p) => p.priority_pred);
    const auto = predictions.flatMap((p, i) => (p.needs_review ? [] : [p.priority_pred === labels[i]]));
    const ours = {
      macro_f1: round(macroF1(labels, predicted)),
      accuracy: round(predicted.filter((p, i) => p === labels[i]).length / labels.length),
      auto_triaged_share: round(auto.length / labels.length),
      auto_triaged_right: auto.length === 0 ? null : round(auto.filter(Boolean).length / auto.length),
      train_seconds: Math.round(trainSeconds * 10) / 10,
    };

    started = performance.now();
    // Both baselines read the same two files; each prints its figures as JSON.
    const reference = async (script: string, ...args: string[]) =>
      JSON.parse(
        await run(PROJECT_PYTHON, [
          fileURLToPath(new URL(script, import.meta.url)),
          "--train",
          trainCsv,
          "--test",
          testCsv,
          ...args,
        ]),
      );
    const tfidf = await reference("tfidf_reference.py");
    const catboostText = await reference("score_reference.py", "--repeat", "1", "--iterations", iterations);
    const report = {
      file: positionals[0].replace(/^.*[\\/]/, ""),
      tickets: { train: train.length, test: test.length },
      ours,
      tfidf_logistic_regression: tfidf.plain,
      tfidf_logistic_regression_balanced: tfidf.balanced,
      catboost_text_features: { macro_f1: round(catboostText.macro_f1) },
      ours_vs_tfidf: round(ours.macro_f1 / tfidf.plain.macro_f1),
    };
    console.log(`| model, same split (${test.length} held-out tickets) | macro-F1 |`);
    console.log("| --- | --- |");
    console.log(`| this product (deno task train, scored as the app does) | ${ours.macro_f1} |`);
    console.log(`| TF-IDF (1-2 grams) + logistic regression | ${tfidf.plain.macro_f1} |`);
    console.log(`| the same, classes weighted | ${tfidf.balanced.macro_f1} |`);
    console.log(`| CatBoost with text_features (Python) | ${report.catboost_text_features.macro_f1} |`);
    console.log(
      `ours: ${Math.round(ours.auto_triaged_share * 1000) / 10}% auto-triaged, ${ours.auto_triaged_right ?? "-"} of ` +
        `them right; trained in ${ours.train_seconds} s; baselines in ${
          ((performance.now() - started) / 1000).toFixed(1)
        } s`,
    );
    console.log(JSON.stringify(report));
    return 0;
  } finally {
    if (!values.keep) await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

if (import.meta.main) runCommand(main);
