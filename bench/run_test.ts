/**
 * The benchmark suite in smoke mode: every measurement runs on a few thousand tickets, so it cannot rot. `--scale`
 * (the same end-to-end measurement at several sizes, each on a fresh app) is left out to keep CI short.
 */
import { equal, ok } from "node:assert/strict";
import { needing } from "../tests/support/means.ts";

Deno.test(
  await needing(["kafka"], {
    name: "deno task bench --smoke measures everything and writes its results",
    fn: async () => {
      const out = await Deno.makeTempFile({ suffix: ".json" });
      const run = await new Deno.Command(Deno.execPath(), {
        args: [
          "run",
          "-A",
          new URL("./run.ts", import.meta.url).pathname,
          "--smoke",
          "--out",
          out,
        ],
        stdout: "piped",
        stderr: "inherit",
      }).output();
      const table = new TextDecoder().decode(run.stdout);
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
