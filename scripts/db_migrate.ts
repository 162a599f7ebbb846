/**
 * `deno task db:migrate`: applies `sql/clickhouse/` migrations not yet recorded on the ClickHouse server named by
 * `CLICKHOUSE_URL` (user and password from `CLICKHOUSE_USER` / `CLICKHOUSE_PASSWORD`). The Kafka-engine table
 * reads from `KAFKA_BROKERS`. Waits up to `--wait SECONDS` (default 60) for the server to answer.
 *
 * @module
 */
import { loadConfig } from "../src/config.ts";
import { clickhouseOptions, openClickHouseStore } from "../src/store/clickhouse_store.ts";

if (Deno.args.includes("--help")) {
  console.log(`Usage: deno task db:migrate [--wait SECONDS]

Applies the versioned, idempotent migrations in sql/clickhouse/ to the ClickHouse server at CLICKHOUSE_URL
(CLICKHOUSE_USER, CLICKHOUSE_PASSWORD). KAFKA_BROKERS is where its Kafka-engine table consumes tickets_scored.`);
  Deno.exit(0);
}

const config = loadConfig();
if (!config.clickhouseUrl) {
  console.error("CLICKHOUSE_URL is not set: there is no ClickHouse server to migrate (the embedded app uses DuckDB)");
  Deno.exit(2);
}
if (config.kafkaBrokers.length === 0) {
  console.error("KAFKA_BROKERS is not set: ClickHouse's Kafka-engine table needs the brokers to read tickets_scored");
  Deno.exit(2);
}
const waitIndex = Deno.args.indexOf("--wait");
const waitSeconds = waitIndex >= 0 ? Number(Deno.args[waitIndex + 1]) : 60;
const deadline = Date.now() + waitSeconds * 1000;
for (;;) {
  try {
    const store = await openClickHouseStore(clickhouseOptions(config));
    try {
      const applied = await store.migrate({ kafkaBrokers: config.kafkaBrokers });
      console.log(applied.length ? `applied: ${applied.join(", ")}` : "the schema is up to date");
    } finally {
      await store.close();
    }
    break;
  } catch (error) {
    if (Date.now() > deadline) {
      console.error(`migration failed: ${(error as Error).message}`);
      Deno.exit(1);
    }
    await new Promise((resolve) => setTimeout(resolve, 2000));
  }
}
