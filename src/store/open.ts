/**
 * Choosing the store from the configuration: DuckDB in the data directory unless `CLICKHOUSE_URL` is set.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { openDuckDbStore, openMartsSnapshot } from "./duckdb_store.ts";
import type { Store } from "./store.ts";

function clickhouseNotYet(): never {
  throw new Error("CLICKHOUSE_URL is set, but this build has no ClickHouse store yet; unset it to use DuckDB");
}

/** Opens the store the configuration names (the one process that writes it). */
export function openStore(config: Config): Promise<Store> {
  return config.clickhouseUrl ? clickhouseNotYet() : openDuckDbStore(config.dataDir);
}

/**
 * Opens the marts for reading from another process (the site's data loaders): with DuckDB that is the snapshot
 * written after each marts build, since the app holds the database file itself.
 */
export function openMartReader(config: Config): Promise<Pick<Store, "readMart" | "close">> {
  return config.clickhouseUrl ? clickhouseNotYet() : openMartsSnapshot(config.dataDir);
}
