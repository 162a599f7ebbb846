/**
 * Choosing the store from the configuration: DuckDB in the data directory unless `CLICKHOUSE_URL` is set, then
 * ClickHouse (user and password from `CLICKHOUSE_USER` / `CLICKHOUSE_PASSWORD`).
 *
 * @module
 */
import type { Config } from "../config.ts";
import { connectWithRetry } from "../connect.ts";
import { clickhouseOptions, openClickHouseStore } from "./clickhouse_store.ts";
import { openDuckDbStore, openMartsSnapshot } from "./duckdb_store.ts";
import type { Store } from "./store.ts";

/**
 * Opens the store the configuration names (the one process that writes it). ClickHouse is retried with backoff
 * while it does not answer, for up to `CONNECT_RETRY_SECONDS`.
 */
export function openStore(config: Config, log: (line: string) => void = console.error): Promise<Store> {
  return config.clickhouseUrl
    ? connectWithRetry(
      `ClickHouse at ${config.clickhouseUrl}`,
      () => openClickHouseStore(clickhouseOptions(config)),
      { retrySeconds: config.connectRetrySeconds, log },
    )
    : openDuckDbStore(config.dataDir, config.duckdbMemoryLimit);
}

/**
 * Opens the marts for reading from another process (the site's data loaders): with DuckDB that is the snapshot
 * written after each marts build, since the app holds the database file itself; with ClickHouse the published
 * marts of the newest build (`db_tickets_marts_*`), which the server serves to any number of readers.
 */
export async function openMartReader(config: Config): Promise<Pick<Store, "readMart" | "close">> {
  if (!config.clickhouseUrl) return await openMartsSnapshot(config.dataDir);
  // Every mart this reader reads comes from one build, whatever is published meanwhile.
  const store = await openClickHouseStore(clickhouseOptions(config));
  await store.pinMarts();
  return store;
}
