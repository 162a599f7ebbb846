/**
 * `deno task bench`: the performance suite. Every figure stands next to a baseline measured in the same run
 * (this machine's speed varies), and each target of the performance issue is reported MET, MISSED or NOT
 * MEASURED. Writes `bench/results.json` (git-ignored) and prints a table. `--smoke` runs everything on a few
 * thousand tickets, so `deno task test` keeps the suite from rotting.
 *
 * @module
 */
import { DuckDBInstance } from "@duckdb/node-api";
import { commandLine, runCommand } from "../src/cli.ts";
import { ingestCsv } from "../src/ingest/ingest.ts";
import { readTicketFile } from "../src/ingest/read_file.ts";
import { postCsvFile } from "../src/ingest/upload_client.ts";
import { featurize } from "../src/score/features.ts";
import { writeMatrix } from "../src/train/matrix.ts";
import { PROJECT_PYTHON } from "../src/train/python.ts";
import { loadModel } from "../src/score/model.ts";
import type { Ticket } from "../src/ticket/schema.ts";
import { EXCEL_SAMPLE } from "../tests/support/samples.ts";
import { peakRssMiB, startTask } from "../tests/support/task_start.ts";
import { resampledCsv } from "./input.ts";
import { measureKafka, measureKafkaLatency } from "./kafka.ts";

const HELP = `Usage: deno task bench [--smoke] [--tickets N] [--no-kafka] [--out FILE]

Measures ingest (vs DuckDB read_csv), scoring at batch sizes 1, 64, 1024, 8192, the embedded journey end to end
(upload → stored → marts refreshed) for 8,469 and N tickets with the server's peak RSS, Kafka throughput, and
Kafka produce → stored latency at 5,000 tickets/s offered.
N defaults to 1,000,000 (--smoke: 5,000). Results go to bench/results.json (or --out) and a table.`;

/** One measured figure. */
interface Measurement {
  name: string;
  value: number;
  unit: string;
  baseline?: { name: string; value: number; unit: string };
  note?: string;
}

/** One target of the performance issue. */
interface Target {
  name: string;
  value: number | null;
  target: string;
  met: boolean | null;
}

const seconds = (start: number) => (performance.now() - start) / 1000;

async function measureIngest(path: string): Promise<Measurement[]> {
  const bytes = (await Deno.stat(path)).size;
  let started = performance.now();
  const file = await Deno.open(path);
  const summary = await ingestCsv(file.readable, { batchSize: 2048, onBatch: () => {} });
  const ours = seconds(started);

  started = performance.now();
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  await connection.run("CREATE TABLE t AS SELECT * FROM read_csv($path)", { path });
  const duck = seconds(started);
  connection.closeSync();
  instance.closeSync();
  return [{
    name: "ingest",
    value: ours,
    unit: "s",
    baseline: { name: "DuckDB read_csv into a table", value: duck, unit: "s" },
    note: `${summary.accepted} tickets, ${Math.round(summary.accepted / ours)} rows/s, ${
      (bytes / 1e6 / ours).toFixed(1)
    } MB/s`,
  }];
}

async function measureScoring(path: string, maxTickets: number): Promise<Measurement[]> {
  const tickets: Ticket[] = [];
  for await (const batch of readTicketFile(path)) {
    tickets.push(...batch);
    if (tickets.length >= maxTickets) break;
  }
  tickets.length = Math.min(tickets.length, maxTickets);
  const model = await loadModel();
  const out: Measurement[] = [];
  try {
    for (const size of [1, 64, 1024, 8192]) {
      const rows = size === 1 ? Math.min(tickets.length, 2_000) : tickets.length;
      const started = performance.now();
      for (let at = 0; at < rows; at += size) await model.predict(tickets.slice(at, Math.min(rows, at + size)));
      out.push({ name: `score_batch_${size}`, value: rows / seconds(started), unit: "rows/s", note: `${rows} rows` });
    }
  } finally {
    await model.close();
  }
  const reference = await pythonReference(tickets);
  if (reference) {
    // Both sides use the project's feature module; its time is added to both. Each side is timed
    // SCORE_REPEATS times and its median run counts: one run is well under a second, too short to trust alone.
    const featureSeconds = await medianSeconds(() => void featurize(tickets));
    const ours = await loadModel();
    await ours.predict(tickets.slice(0, 10)); // warm up, as the reference does
    const oursSeconds = await medianSeconds(async () => {
      for (let at = 0; at < tickets.length; at += 8192) await ours.predict(tickets.slice(at, at + 8192));
    });
    await ours.close();
    out.push({
      name: "score_vs_python",
      value: tickets.length / oursSeconds,
      unit: "rows/s",
      baseline: {
        name: "features + CatBoost native predict_proba (Python, one call)",
        value: reference.rows / (reference.seconds + featureSeconds),
        unit: "rows/s",
      },
      note: `${tickets.length} rows; ours: features + ONNX in batches of 8192; median of ${SCORE_REPEATS} runs ` +
        `each side; model loading not timed on either side`,
    });
  }
  return out;
}

/** Timed runs of each side of the scoring comparison; the median counts. */
const SCORE_REPEATS = 5;

/** The median duration, in seconds, of {@linkcode SCORE_REPEATS} runs of `work`. */
async function medianSeconds(work: () => Promise<void> | void): Promise<number> {
  const runs: number[] = [];
  for (let run = 0; run < SCORE_REPEATS; run++) {
    const started = performance.now();
    await work();
    runs.push(seconds(started));
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)];
}

/** CatBoost's own predict on the same features (bench/score_reference.py), or null without Python + CatBoost. */
async function pythonReference(tickets: Ticket[]): Promise<{ rows: number; seconds: number } | null> {
  const matrix = await Deno.makeTempFile({ suffix: ".csv" });
  try {
    await writeMatrix(matrix, [tickets], ["bench"]);
    const run = await new Deno.Command(PROJECT_PYTHON, {
      args: [
        new URL("score_reference.py", import.meta.url).pathname,
        "--model",
        new URL("../models/priority.cbm", import.meta.url).pathname,
        "--matrix",
        matrix,
        "--repeat",
        String(SCORE_REPEATS),
      ],
      stdout: "piped",
      stderr: "piped",
    }).output().catch(() => null);
    if (!run?.success) {
      console.error(`bench: no Python reference: ${run ? new TextDecoder().decode(run.stderr).trim() : "no python3"}`);
      return null;
    }
    return JSON.parse(new TextDecoder().decode(run.stdout));
  } finally {
    await Deno.remove(matrix).catch(() => {});
    await Deno.remove(`${matrix}.meta.json`).catch(() => {});
  }
}

/** Runs `deno task start` on a fresh data directory, uploads each file, and times upload → marts refreshed. */
async function measureEndToEnd(files: { label: string; path: string }[]): Promise<Measurement[]> {
  const app = await startTask();
  const out: Measurement[] = [];
  try {
    await app.ready();
    for (const { label, path } of files) {
      const started = performance.now();
      const { status, json: summary } = await postCsvFile(`${app.base}/api/uploads`, path);
      if (status !== 201) throw new Error(`upload refused: ${JSON.stringify(summary)}`);
      const report = await (await fetch(`${app.base}/api/marts/refresh`, { method: "POST" })).json();
      // Upload → stored → marts refreshed; the site build that follows is reported on its own.
      const wall = seconds(started) - (report.site?.seconds ?? 0);
      out.push({
        name: `end_to_end_${label}`,
        value: summary.accepted / wall,
        unit: "tickets/s",
        note: `${summary.accepted} tickets in ${wall.toFixed(2)} s (marts ${report.marts.seconds.toFixed(2)} s; ` +
          `site build after it ${report.site?.seconds?.toFixed(2)} s)`,
      });
    }
    out.push({ name: "memory", value: await peakRssMiB(app.child.pid), unit: "MiB", note: "server peak RSS" });
  } finally {
    await app.dispose();
  }
  return out;
}

function targets(results: Measurement[], full: boolean): Target[] {
  const get = (name: string) => results.find((m) => m.name === name);
  const ingest = get("ingest");
  const ingestRatio = ingest?.baseline ? ingest.value / ingest.baseline.value : null;
  const e2e = results.find((m) => m.name.startsWith("end_to_end_") && m.name !== "end_to_end_8469");
  const memory = get("memory");
  const kafka = get("kafka");
  const latency = get("kafka_latency_p99");
  const score = get("score_vs_python");
  const check = (value: number | null, ok: (v: number) => boolean) => (value === null || !full ? null : ok(value));
  return [
    { name: "ingest", value: ingestRatio, target: "≤ 4× DuckDB read_csv", met: check(ingestRatio, (v) => v <= 4) },
    {
      name: "score",
      value: score?.baseline ? score.value / score.baseline.value : null,
      target: "≥ 1.0× the Python reference",
      met: check(score?.baseline ? score.value / score.baseline.value : null, (v) => v >= 1),
    },
    {
      name: "end_to_end",
      value: e2e?.value ?? null,
      target: "≥ 50,000 tickets/s (1,000,000 tickets)",
      met: check(e2e?.value ?? null, (v) => v >= 50_000),
    },
    {
      name: "memory",
      value: memory?.value ?? null,
      target: "≤ 512 MB peak server RSS",
      met: check(memory?.value ?? null, (v) => v <= 512),
    },
    {
      name: "kafka",
      value: kafka?.value ?? null,
      target: "≥ 20,000 tickets/s",
      met: check(kafka?.value ?? null, (v) => v >= 20_000),
    },
    {
      name: "kafka_p99",
      value: latency?.value ?? null,
      target: "p99 ≤ 1 s at 5,000 tickets/s offered",
      met: check(latency?.value ?? null, (v) => v <= 1),
    },
  ];
}

if (import.meta.main) {
  runCommand(async () => {
    const { values } = commandLine(HELP, {
      smoke: { type: "boolean" },
      tickets: { type: "string" },
      "no-kafka": { type: "boolean" },
      out: { type: "string" },
    });
    const full = !values.smoke;
    const tickets = Number(values.tickets ?? (full ? 1_000_000 : 5_000));
    console.error(`bench: generating ${tickets} tickets...`);
    const path = await resampledCsv(tickets);
    const results: Measurement[] = [];
    try {
      console.error("bench: ingest");
      results.push(...await measureIngest(path));
      console.error("bench: scoring");
      results.push(...await measureScoring(path, Math.min(tickets, 100_000)));
      console.error("bench: end to end (deno task start)");
      results.push(
        ...await measureEndToEnd([
          { label: "8469", path: EXCEL_SAMPLE },
          { label: String(tickets), path },
        ]),
      );
      if (!values["no-kafka"]) {
        console.error("bench: kafka");
        const kafka = await measureKafka(Math.min(tickets, 101_628));
        results.push({
          name: "kafka",
          value: kafka.kafkaRate,
          unit: "tickets/s",
          baseline: { name: "in-process bus, same input", value: kafka.memoryRate, unit: "tickets/s" },
          note: `${kafka.tickets} tickets through produce → score → store, scorer in its own process as deployed ` +
            `(everything in one process: ${Math.round(kafka.singleProcessRate)} tickets/s); after an untimed warm-up`,
        });
        const seconds = full ? 20 : 2;
        console.error(`bench: kafka latency (5,000 tickets/s offered for ${seconds} s)`);
        const latency = await measureKafkaLatency(5_000, seconds);
        results.push({
          name: "kafka_latency_p99",
          value: latency.p99,
          unit: "s",
          note: `produce → stored, ${latency.tickets} tickets offered at 5,000/s (achieved ${
            Math.round(latency.achievedPerSecond)
          }/s): p50 ${latency.p50.toFixed(3)} s, p99 ${latency.p99.toFixed(3)} s, max ${latency.max.toFixed(3)} s`,
        });
      }
    } finally {
      await Deno.remove(path);
    }
    const report = {
      when: new Date().toISOString(),
      mode: full ? "full" : "smoke",
      tickets,
      results,
      targets: targets(results, full),
    };
    const out = values.out ?? new URL("results.json", import.meta.url).pathname;
    await Deno.writeTextFile(out, JSON.stringify(report, null, 2) + "\n");

    const fmt = (n: number | null) => n === null ? "-" : n >= 100 ? Math.round(n).toLocaleString("en") : n.toFixed(2);
    console.log("\n| measurement | value | baseline (same run) | note |\n| --- | --- | --- | --- |");
    for (const m of results) {
      const base = m.baseline ? `${fmt(m.baseline.value)} ${m.baseline.unit} (${m.baseline.name})` : "";
      console.log(`| ${m.name} | ${fmt(m.value)} ${m.unit} | ${base} | ${m.note ?? ""} |`);
    }
    console.log("\n| target | value | goal | result |\n| --- | --- | --- | --- |");
    for (const t of report.targets) {
      const verdict = t.met === null ? (full ? "NOT MEASURED" : "smoke") : t.met ? "MET" : "MISSED";
      console.log(`| ${t.name} | ${fmt(t.value)} | ${t.target} | ${verdict} |`);
    }
    console.log(`\nwritten to ${out}`);
  });
}
