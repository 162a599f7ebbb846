/**
 * The SQL models, read from `sql/`: staging views, marts and data tests, each written once for every engine.
 * Names come from file names, so adding a mart is adding a file.
 *
 * @module
 */

const SQL_DIR = new URL("../../sql/", import.meta.url);

/** A named piece of SQL from `sql/`. */
export interface SqlModel {
  name: string;
  sql: string;
}

/** Staging views in build order: `priorities` first, since `stg_tickets` joins it. */
const STAGING_ORDER = ["priorities", "stg_tickets"];

async function readDir(dir: string): Promise<SqlModel[]> {
  const models: SqlModel[] = [];
  for await (const entry of Deno.readDir(new URL(`${dir}/`, SQL_DIR))) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const sql = await Deno.readTextFile(new URL(`${dir}/${entry.name}`, SQL_DIR));
    models.push({ name: entry.name.slice(0, -4), sql: sql.trim().replace(/;$/, "") });
  }
  return models.sort((a, b) => a.name.localeCompare(b.name));
}

/** Every model of the marts build. */
export interface MartModels {
  staging: SqlModel[];
  marts: SqlModel[];
  tests: SqlModel[];
}

/**
 * Reads the models. `{{source_tickets}}` in staging SQL becomes the engine's tickets table.
 *
 * @param sourceTickets how the engine names its deduplicated tickets table.
 */
export async function loadMartModels(sourceTickets: string): Promise<MartModels> {
  const staging = (await readDir("staging"))
    .map((m) => ({ ...m, sql: m.sql.replaceAll("{{source_tickets}}", sourceTickets) }))
    .sort((a, b) => STAGING_ORDER.indexOf(a.name) - STAGING_ORDER.indexOf(b.name));
  return { staging, marts: await readDir("marts"), tests: await readDir("tests") };
}

/** The names of the marts, for checking a name that came from outside (an API path). */
export async function martNames(): Promise<Set<string>> {
  return new Set((await readDir("marts")).map((m) => m.name));
}
