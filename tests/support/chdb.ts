/**
 * The ClickHouse engine in-process (npm `chdb` 3.4, ClickHouse 26.7), for tests. It is not in deno.json's import
 * map (Deno cannot resolve its optional per-platform packages); `scripts/setup_chdb.sh` installs it with npm into
 * `.cache/chdb/` (git-ignored) and this module loads it from there with `createRequire`.
 *
 * @module
 */
import { createRequire } from "node:module";

/** Where `scripts/setup_chdb.sh` installs chdb. */
export const CHDB_DIR = new URL("../../.cache/chdb/", import.meta.url);

/** The part of chdb's Session that the tests use. */
export interface ChdbSession {
  query(sql: string, format?: string): string;
  queryBind(sql: string, args: Record<string, unknown>, format?: string): string;
  close(): void;
}

interface ChdbModule {
  Session: new (path?: string) => ChdbSession;
}

let loaded: ChdbModule | null = null;

/** Why chdb cannot be loaded, or null when it can. */
export function chdbMissing(): string | null {
  try {
    loadChdb();
    return null;
  } catch (error) {
    return `${(error as Error).message.split("\n")[0]} (run scripts/setup_chdb.sh)`;
  }
}

/** Loads the chdb module (once per process). */
export function loadChdb(): ChdbModule {
  if (!loaded) loaded = createRequire(CHDB_DIR.href)("chdb") as ChdbModule;
  return loaded;
}

let shared: ChdbSession | null = null;

/**
 * The process's chdb session, in a temporary directory. libchdb binds one data directory per process and
 * `deno test` runs every test file in one process, so all tests share it: each starts by dropping the databases
 * it uses ({@linkcode dropTicketDatabases}). It is never closed (closing aborts the engine for the process).
 */
export function chdbSession(): ChdbSession {
  if (!shared) shared = new (loadChdb().Session)(Deno.makeTempDirSync({ prefix: "chdb-" }));
  return shared;
}

/** Drops the store's databases so a test starts empty. */
export function dropTicketDatabases(session: ChdbSession): void {
  session.query("DROP DATABASE IF EXISTS db_tickets SYNC");
  for (
    const line of session.query("SELECT name FROM system.databases WHERE startsWith(name, 'db_tickets_build')", "TSV")
      .split("\n")
  ) {
    if (line) session.query(`DROP DATABASE IF EXISTS ${line} SYNC`);
  }
}
