/**
 * The one mart loader: reads a mart by name from the marts the configuration names (the DuckDB snapshot, or
 * ClickHouse) and prints its rows as JSON. `pages/data/[name].json.ts` runs it for every `data/<mart>.json` a page
 * attaches.
 *
 * Run directly to print a mart: `deno run -A loaders/mart.ts mart_overview`.
 *
 * @module
 */
import { join } from "node:path";
import { loadConfig } from "../src/config.ts";
import { martNames } from "../src/marts/models.ts";
import { MARTS_SNAPSHOT_FILE } from "../src/store/duckdb_store.ts";
import { openMartReader } from "../src/store/open.ts";
import type { Row } from "../src/store/store.ts";

/** True when the embedded store has not built any marts yet (a fresh data directory): the site shows no data. */
async function noMartsYet(dataDir: string): Promise<boolean> {
  return await Deno.stat(join(dataDir, MARTS_SNAPSHOT_FILE)).then(() => false, () => true);
}

/**
 * Reads every row of a mart (a name from `sql/marts`, checked here) from the marts the configuration names; no
 * rows when the embedded store has no marts yet.
 */
export async function readMartRows(mart: string): Promise<Row[]> {
  const marts = await martNames();
  if (!marts.has(mart)) throw new Error(`no mart named "${mart}" in sql/marts/ (there are: ${[...marts].sort()})`);
  const config = loadConfig();
  if (!config.clickhouseUrl && await noMartsYet(config.dataDir)) {
    console.error(`no marts yet in ${config.dataDir}: ${mart} is empty`);
    return [];
  }
  const reader = await openMartReader(config);
  try {
    return await reader.readMart(mart);
  } finally {
    await reader.close();
  }
}

/** Prints a loader's value as JSON on stdout, which is what Observable Framework keeps as the data file. */
export async function printJson(value: unknown): Promise<void> {
  const bytes = new TextEncoder().encode(JSON.stringify(value));
  for (let written = 0; written < bytes.length;) written += await Deno.stdout.write(bytes.subarray(written));
}

if (import.meta.main) {
  const [mart] = Deno.args;
  if (!mart) {
    console.error("usage: deno run -A loaders/mart.ts MART_NAME");
    Deno.exit(2);
  }
  await printJson(await readMartRows(mart));
}
