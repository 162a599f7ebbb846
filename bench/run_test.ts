/**
 * The benchmark suite in smoke mode: every measurement runs on a few thousand tickets, so it cannot rot. `--scale`
 * (the same end-to-end measurement at several sizes, each on a fresh app) is left out to keep CI short.
 */
import { equal, ok } from "node:assert/strict";
import { needing } from "../scripts/means.ts";
import { textSignalTickets, ticketsCsv } from "../scripts/samples/synthetic.ts";
import { fileURLToPath } from "node:url";

/** Runs a script of this folder with `args`: its exit code and what it printed. */
async function runScript(script: string, args: string[]): Promise<{ code: number; stdout: string }> {
  const run = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", fileURLToPath(new URL(script, import.meta.url)), ...args],
    stdout: "piped",
    stderr: "inherit",
  }).output();
  return { code: run.code, stdout: new TextDecoder().decode(run.stdout) };
}

Deno.test(
  await needing(["kafka"], {
    name: "deno task bench --smoke measures everything and writes its results",
    fn: async () => {
      const out = await Deno.makeTempFile({ suffix: ".json" });
      const run = await runScript("./run.ts", ["--smoke", "--out", out]);
      const table = run.stdout;
      equal(run.code, 0, table);
      const report = JSON.parse(await Deno.readTextFile(out));
      const names = report.results.map((m: { name: string }) => m.name);
      for (
        const name of [
          "ingest",
          "score_batch_1",
          "score_batch_8192",
          "end_to_end_8469",
          "end_to_end_5000",
          "memory",
          "site_build_memory",
        ]
      ) {
        ok(names.includes(name), `${name} measured`);
      }
      ok(names.includes("kafka") && names.includes("kafka_latency_p99"));
      equal(report.targets.length, 6);
      ok(report.results.every((m: { value: number }) => Number.isFinite(m.value) && m.value > 0));
      ok(table.includes("| target |"));
      await Deno.remove(out);
    },
  }),
);

Deno.test("bench/against.ts runs two checkouts by turns and prints the ratio of their medians", async () => {
  const root = fileURLToPath(new URL("../", import.meta.url));
  const run = await runScript("./against.ts", ["--baseline", root, "--tickets", "2000", "--pairs", "1"]);
  const lines = run.stdout.trim().split("\n").filter((line) => line.startsWith("{"));
  equal(run.code, 0, lines.join("\n"));
  const runs = lines.slice(0, -1).map((line) => JSON.parse(line));
  equal(runs.map((r) => r.side).join(), "baseline,this");
  ok(runs.every((r) => r.tickets === 2000 && r.seconds > 0), lines.join("\n"));
  const last = lines[lines.length - 1];
  const summary = JSON.parse(last);
  ok(summary.throughput_ratio > 0 && Number.isFinite(summary.throughput_ratio), last);
});

Deno.test(
  await needing(["python"], {
    name: "deno task bench:text compares our pipeline with TF-IDF + LR and CatBoost text_features on one split",
    fn: async () => {
      const file = await Deno.makeTempFile({ suffix: ".csv" });
      try {
        await Deno.writeTextFile(file, ticketsCsv(textSignalTickets(1_500, 21)));
        const run = await runScript("./text.ts", ["--iterations", "40", file]);
        equal(run.code, 0, run.stdout);
        const report = JSON.parse(run.stdout.trim().split("\n").at(-1)!);
        equal(report.tickets.train + report.tickets.test, 1_500);
        ok(Math.abs(report.tickets.test - 300) <= 4, `${report.tickets.test} held out`);
        for (const side of [report.ours, report.tfidf_logistic_regression, report.catboost_text_features]) {
          ok(side.macro_f1 > 0.5 && side.macro_f1 <= 1, JSON.stringify(report));
        }
        ok(run.stdout.includes("| TF-IDF (1-2 grams) + logistic regression |"));
      } finally {
        await Deno.remove(file);
      }
    },
  }),
);
