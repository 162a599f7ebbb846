/**
 * `deno task marts`: builds the marts once against the configured store and prints each mart's row count and
 * each data test's result. Exits non-zero when a data test fails (the previous marts are kept).
 *
 * @module
 */
import { commandLine, runCommand } from "../cli.ts";
import { loadConfig } from "../config.ts";
import { openStore } from "../store/open.ts";
import { buildMarts } from "../marts/build.ts";

const HELP = `Usage: deno task marts

Builds the staging models, every mart in sql/marts and runs every data test (the .yml files beside the models,
and sql/tests) against the store the
environment names (DATA_DIR for DuckDB; see deno task start --help). Prints row counts and test results.
Exit code 0 when every data test passes; 1 when one fails, in which case the previous marts are kept.
Note: with DuckDB, stop a running app first (it holds the database file); a running app rebuilds marts itself
(POST /api/marts/refresh).`;

async function main(): Promise<number> {
  commandLine(HELP, {});
  const store = await openStore(loadConfig());
  try {
    const report = await buildMarts(store);
    for (const mart of report.marts) console.log(`mart  ${mart.name.padEnd(44)} ${String(mart.rows).padStart(8)} rows`);
    for (const test of report.tests) {
      console.log(`test  ${test.name.padEnd(44)} ${test.passed ? "PASS" : `FAIL (${test.failing_rows} rows)`}`);
      if (!test.passed) console.log(JSON.stringify(test.sample, null, 2));
    }
    console.log(report.ok ? `marts built in ${report.seconds.toFixed(2)} s` : `FAILED: ${report.error}`);
    return report.ok ? 0 : 1;
  } finally {
    await store.close();
  }
}

if (import.meta.main) runCommand(main);
