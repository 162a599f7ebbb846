/**
 * The ClickHouse engine in-process (npm `chdb` 3.4, ClickHouse 26.7, about 540 MB), for tests. It is not in
 * deno.json's import map: Deno fails on chdb's optional per-platform packages ("npm package
 * '@chdb/lib-darwin-arm64' does not exist"), while npm installs only the one this machine needs. So
 * `deno task setup` installs it with npm into `.cache/chdb/` (git-ignored) and this module loads it from there with
 * `createRequire`.
 *
 * @module
 */
import { createRequire } from "node:module";

/** The pinned chdb version. */
export const CHDB_VERSION = "3.4.0";

/** Where `deno task setup` installs chdb. */
export const CHDB_DIR = new URL("../../.cache/chdb/", import.meta.url);

/** The part of chdb's Session that the tests use. */
export interface ChdbSession {
  query(sql: string, format?: string): string;
  queryBind(sql: string, args: Record<string, unknown>, format?: string): string;
  close(): void;
}

interface ChdbModule {
  Session: new (path?: string, options?: { connectionArgs?: readonly string[] }) => ChdbSession;
}

let loaded: ChdbModule | null = null;

/** Why chdb is not installed, or null when it is (checked without loading it into this process). */
export function chdbMissing(): string | null {
  try {
    const { version } = JSON.parse(Deno.readTextFileSync(new URL("node_modules/chdb/package.json", CHDB_DIR)));
    if (version !== CHDB_VERSION) return `chdb ${version} in .cache/chdb, want ${CHDB_VERSION} (run deno task setup)`;
    const platform = [...Deno.readDirSync(new URL("node_modules/@chdb/", CHDB_DIR))].find((e) => e.isDirectory);
    if (!platform) return "chdb has no platform library in .cache/chdb (run deno task setup)";
    Deno.statSync(new URL(`node_modules/@chdb/${platform.name}/libchdb.so`, CHDB_DIR));
    return null;
  } catch (error) {
    return `chdb is not installed in .cache/chdb: ${(error as Error).message} (run deno task setup)`;
  }
}

/** Installs the pinned chdb into {@linkcode CHDB_DIR} with npm (output shown). */
export async function installChdb(): Promise<void> {
  const dir = CHDB_DIR.pathname;
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(
    `${dir}package.json`,
    JSON.stringify({ private: true, dependencies: { chdb: CHDB_VERSION } }, null, 2) + "\n",
  );
  const status = await new Deno.Command("npm", {
    args: ["install", "--no-audit", "--no-fund", "--no-package-lock", "--loglevel=error"],
    cwd: dir,
    stdin: "null",
  }).spawn().status;
  if (!status.success) throw new Error(`npm install chdb@${CHDB_VERSION} failed with exit code ${status.code}`);
}

/** Loads the chdb module (once per process). */
export function loadChdb(): ChdbModule {
  if (!loaded) loaded = createRequire(CHDB_DIR.href)("chdb") as ChdbModule;
  return loaded;
}

let shared: ChdbSession | null = null;
let sharedDir: string | null = null;

/** The environment variable naming a ClickHouse server config file for the process's session. */
export const CHDB_CONFIG_ENV = "CHDB_CONFIG_FILE";

/**
 * The process's chdb session, in a temporary directory (libchdb binds one data directory per process). It is
 * never closed (closing aborts the engine for the process). Tests do not load chdb into the test process: they
 * start `clickhouse_http.ts` as a child process, which calls this. With `CHDB_CONFIG_FILE` set the engine starts
 * with that server config (and the `config.d/` beside it), as a server would: macros, clusters, Keeper, profiles.
 */
export function chdbSession(): ChdbSession {
  if (!shared) {
    const config = Deno.env.get(CHDB_CONFIG_ENV);
    shared = new (loadChdb().Session)(
      sharedDir = Deno.makeTempDirSync({ prefix: "chdb-" }),
      config ? { connectionArgs: [`--config-file=${config}`] } : undefined,
    );
  }
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

/**
 * Ends a process that holds a chdb session at once, removing the session's directory. A normal exit runs the
 * engine's destructors, which can wait forever on a Kafka-engine consumer thread (seen in tests): so the process
 * kills itself instead.
 */
export function exitChdbProcess(): never {
  if (sharedDir) Deno.removeSync(sharedDir, { recursive: true });
  Deno.kill(Deno.pid, "SIGKILL");
  throw new Error("unreachable");
}
