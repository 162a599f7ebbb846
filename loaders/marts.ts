/**
 * The marts loader: reads every mart (each `sql/marts/*.sql`) from the marts the configuration names (the DuckDB
 * snapshot, or ClickHouse) through one reader, and packs them as one tar archive of `<mart name>.json` files.
 * `pages/data/marts.tar.ts` runs it once per site build, and a page attaches one mart as
 * `FileAttachment("data/marts/<mart name>.json")`: Framework takes that file out of the archive. One process for
 * all the marts, not one per mart: each loader process pays about 0.4 s to start and load DuckDB.
 *
 * Run directly to print one mart as JSON: `deno run -A loaders/marts.ts mart_overview`.
 *
 * @module
 */
import { join } from "node:path";
import { pack } from "tar-stream";
import { loadConfig } from "../src/config.ts";
import { martNames } from "../src/marts/models.ts";
import { MARTS_SNAPSHOT_FILE } from "../src/store/duckdb_store.ts";
import { openMartReader } from "../src/store/open.ts";
import type { Row } from "../src/store/store.ts";
import { printBytes, printJson } from "./output.ts";

/** True when the embedded store has not built any marts yet (a fresh data directory): the site shows no data. */
async function noMartsYet(dataDir: string): Promise<boolean> {
  return await Deno.stat(join(dataDir, MARTS_SNAPSHOT_FILE)).then(() => false, () => true);
}

/**
 * Every row of the named marts (default: every mart in `sql/marts/`), by mart name; no rows when the embedded
 * store has no marts yet.
 *
 * @throws {Error} for a name that is not a mart in `sql/marts/`.
 */
export async function readMarts(names?: readonly string[]): Promise<Map<string, Row[]>> {
  const marts = await martNames();
  const wanted = names ?? [...marts].sort();
  for (const mart of wanted) {
    if (!marts.has(mart)) throw new Error(`no mart named "${mart}" in sql/marts/ (there are: ${[...marts].sort()})`);
  }
  const config = loadConfig();
  if (!config.clickhouseUrl && await noMartsYet(config.dataDir)) {
    console.error(`no marts yet in ${config.dataDir}: every mart is empty`);
    return new Map(wanted.map((mart) => [mart, []]));
  }
  const reader = await openMartReader(config);
  try {
    const rows = new Map<string, Row[]>();
    for (const mart of wanted) rows.set(mart, await reader.readMart(mart));
    return rows;
  } finally {
    await reader.close();
  }
}

/** The marts as a tar archive holding one `<mart name>.json` per mart. */
export async function martsArchive(marts: ReadonlyMap<string, Row[]>): Promise<Uint8Array> {
  const archive = pack();
  for (const [mart, rows] of marts) archive.entry({ name: `${mart}.json` }, JSON.stringify(rows));
  archive.finalize();
  const chunks: Uint8Array<ArrayBuffer>[] = [];
  for await (const chunk of archive) chunks.push(chunk as Uint8Array<ArrayBuffer>);
  return new Uint8Array(await new Blob(chunks).arrayBuffer());
}

/** Prints the marts archive on stdout (what `pages/data/marts.tar.ts` does). */
export async function printMartsArchive(): Promise<void> {
  await printBytes(await martsArchive(await readMarts()));
}

if (import.meta.main) {
  const [mart] = Deno.args;
  if (!mart || mart === "--help" || mart === "-h") {
    console.error("usage: deno run -A loaders/marts.ts MART_NAME   prints one mart's rows as JSON");
    Deno.exit(mart ? 0 : 2);
  }
  await printJson((await readMarts([mart])).get(mart));
}
