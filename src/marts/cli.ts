/**
 * `deno task marts`: builds the marts once against the configured store and prints each mart's row count and
 * each data test's result. Exits non-zero when a data test fails (the previous marts are kept).
 *
 * @module
 */
import { loadConfig } from "../config.ts";
import { openStore } from "../store/open.ts";
import { buildMarts } from "./build.ts";

const HELP = `Usage: deno task marts

Builds stg_tickets, every mart in sql/marts and runs every data test in sql/tests against the store the
environment names (DATA_DIR for DuckDB; see deno task start --help). Prints row counts and test results.
Exit code 0 when every data test passes; 1 when one fails, in which case the previous marts are kept.
Note: with DuckDB, stop a running app first (it holds the database file); a running app rebuilds marts itself
(POST /api/marts/refresh).`;

if (import.meta.main) {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(HELP);
    Deno.exit(0);
  }
  const store = await openStore(loadConfig());
  try {
    const report = await buildMarts(store);
    for (const mart of report.marts) console.log(`mart  ${mart.name.padEnd(36)} ${String(mart.rows).padStart(8)} rows`);
    for (const test of report.tests) {
      console.log(`test  ${test.name.padEnd(36)} ${test.passed ? "PASS" : `FAIL (${test.failing_rows} rows)`}`);
      if (!test.passed) console.log(JSON.stringify(test.sample, null, 2));
    }
    console.log(report.ok ? `marts built in ${report.seconds.toFixed(2)} s` : `FAILED: ${report.error}`);
    if (!report.ok) Deno.exitCode = 1;
  } finally {
    await store.close();
  }
}
