/**
 * `deno run -A bench/inprocess.ts [--tickets N] [--csv FILE]`: one upload through the app built in this process
 * (in-process bus, DuckDB), timed from the first byte read to the marts refreshed. No HTTP and no child process,
 * so a CPU profile (`--cpu-profile FILE`) shows the upload's own work; the figure is for A/B comparisons in one
 * session, not for the README (`deno task bench` is).
 *
 * @module
 */
import { Session } from "node:inspector/promises";
import { buildApp } from "../src/app.ts";
import { commandLine, runCommand } from "../src/cli.ts";
import { loadConfig } from "../src/config.ts";
import { runUpload } from "../src/ingest/upload.ts";
import { resampledCsv } from "./input.ts";

/**
 * CPU seconds used so far (user and system) by this process's every thread, and by its main thread (the
 * JavaScript one), or NaN where /proc is missing. On a shared machine they move less than the wall time.
 */
function cpuSeconds(): { all: number; main: number } {
  const read = (path: string) => {
    try {
      const fields = Deno.readTextFileSync(path).split(") ")[1].split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      return NaN;
    }
  };
  return { all: read("/proc/self/stat"), main: read(`/proc/self/task/${Deno.pid}/stat`) };
}

/** This process's peak resident set size (VmHWM) in MiB, or NaN where /proc is missing. */
function peakRssMiB(): number {
  try {
    return Math.round(Number(/VmHWM:\s+(\d+) kB/.exec(Deno.readTextFileSync("/proc/self/status"))![1]) / 1024);
  } catch {
    return NaN;
  }
}

const HELP = `Usage: deno run -A bench/inprocess.ts [--tickets N] [--csv FILE] [--cpu-profile OUT]

Uploads N resampled tickets (default 200,000), or FILE, to the app built in this process, then refreshes the marts;
prints one JSON line with the seconds and tickets/s. --cpu-profile writes a V8 CPU profile of the timed part
(open it in Chrome DevTools).`;

if (import.meta.main) {
  runCommand(async () => {
    const { values } = commandLine(HELP, {
      tickets: { type: "string" },
      csv: { type: "string" },
      "cpu-profile": { type: "string" },
    });
    const path = values.csv ?? await resampledCsv(Number(values.tickets ?? 200_000));
    const dataDir = await Deno.makeTempDir({ prefix: "bench-inprocess-" });
    const app = await buildApp(loadConfig({ DATA_DIR: dataDir, MARTS_CRON: "0 0 1 1 *" }), {
      site: false,
      log: () => {},
    });
    try {
      await app.refresher.refreshNow(); // the start-up build, as deno task start does it, outside the timing
      const profiler = values["cpu-profile"] ? new Session() : null;
      if (profiler) {
        profiler.connect();
        await profiler.post("Profiler.enable");
        await profiler.post("Profiler.start");
      }
      const file = await Deno.open(path);
      const started = performance.now(), cpuStarted = cpuSeconds();
      const result = await runUpload(
        { bus: app.bus, store: app.store, batchSize: app.config.batchSize },
        { body: file.readable },
      );
      const uploaded = performance.now();
      const report = await app.refresher.refreshNow();
      const seconds = (performance.now() - started) / 1000;
      const cpu = cpuSeconds();
      if (profiler) {
        const { profile } = await profiler.post("Profiler.stop");
        await Deno.writeTextFile(values["cpu-profile"]!, JSON.stringify(profile));
        profiler.disconnect();
      }
      const total = report.marts.marts.find((m) => m.name === "mart_priority_distribution");
      console.log(JSON.stringify({
        tickets: result.tickets,
        seconds: Number(seconds.toFixed(3)),
        upload_seconds: Number(((uploaded - started) / 1000).toFixed(3)),
        marts_seconds: Number(report.marts.seconds.toFixed(3)),
        tickets_per_second: Math.round(result.tickets / seconds),
        cpu_seconds: Number((cpu.all - cpuStarted.all).toFixed(2)),
        main_thread_cpu_seconds: Number((cpu.main - cpuStarted.main).toFixed(2)),
        peak_rss_mib: peakRssMiB(),
        priority_rows: total?.rows,
      }));
    } finally {
      await app.close();
      await Deno.remove(dataDir, { recursive: true });
      if (!values.csv) await Deno.remove(path);
    }
  });
}
