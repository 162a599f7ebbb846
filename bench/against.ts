/**
 * `deno task bench:against --baseline DIR`: the embedded journey end to end (upload → stored → marts
 * refreshed, timed as `deno task bench` times it) for this checkout and for another one, such as a git worktree
 * of an earlier commit, run by turns in one script so that the machine's drift falls on both alike. Prints each
 * run and the ratio of the medians: the way to say whether a change kept a throughput figure that was measured on
 * another day.
 *
 * @module
 */
import { commandLine, runCommand } from "../src/cli.ts";
import { startTask } from "../scripts/harness/task_start.ts";
import { resampledCsv } from "./input.ts";
import { median } from "./median.ts";
import { journey } from "./run.ts";
import { fileURLToPath } from "node:url";

const HELP = `Usage: deno task bench:against --baseline DIR [--tickets N] [--pairs N] [--csv FILE]

Runs deno task start in DIR (the baseline: another checkout of this project, e.g.
git worktree add /tmp/base <commit>, with node_modules linked or installed) and in this checkout by turns, each on
a fresh data directory, uploads the same N resampled tickets (default 1,000,000), or FILE, and refreshes the marts.
Prints one JSON line per run, then the medians and their ratio. --pairs: how many turns each (default 3).`;

if (import.meta.main) {
  runCommand(async () => {
    const { values } = commandLine(HELP, {
      baseline: { type: "string" },
      tickets: { type: "string" },
      pairs: { type: "string" },
      csv: { type: "string" },
    });
    if (!values.baseline) throw new Error("--baseline DIR is required (see --help)");
    const pairs = Number(values.pairs ?? 3);
    const path = values.csv ?? await resampledCsv(Number(values.tickets ?? 1_000_000));
    const sides = [
      { name: "baseline", root: values.baseline, seconds: [] as number[] },
      { name: "this", root: fileURLToPath(new URL("../", import.meta.url)), seconds: [] as number[] },
    ];
    try {
      for (let pair = 1; pair <= pairs; pair++) {
        for (const side of sides) {
          const app = await startTask({}, { root: side.root });
          try {
            await app.ready();
            const run = await journey(app, path);
            side.seconds.push(run.seconds);
            console.log(JSON.stringify({
              pair,
              side: side.name,
              tickets: run.tickets,
              seconds: Number(run.seconds.toFixed(2)),
              marts_seconds: Number(run.martsSeconds.toFixed(2)),
              tickets_per_second: Math.round(run.tickets / run.seconds),
              memory_mib: Math.round(run.memory.app.sumOfPeaksMiB),
            }));
          } finally {
            await app.dispose();
          }
        }
      }
    } finally {
      if (!values.csv) await Deno.remove(path);
    }
    const [base, ours] = sides.map((side) => median(side.seconds));
    console.log(JSON.stringify({
      median_seconds: { baseline: Number(base.toFixed(2)), this: Number(ours.toFixed(2)) },
      throughput_ratio: Number((base / ours).toFixed(3)),
    }));
  });
}
