/**
 * `deno task db:migrate`: brings the ClickHouse schema on the server named by `CLICKHOUSE_URL` up to date (user and
 * password from `CLICKHOUSE_USER` / `CLICKHOUSE_PASSWORD`): versioned migrations, ticket columns, views (see
 * `clickhouse_migrations.ts`). The Kafka-engine table reads from `KAFKA_BROKERS`. Waits up to `--wait SECONDS`
 * (default 60) for the server to answer.
 *
 * @module
 */
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { clickhouseOptions, openClickHouseStore } from "../store/clickhouse_store.ts";

const HELP = `Usage: deno task db:migrate [--wait SECONDS]

Brings the ClickHouse schema at CLICKHOUSE_URL (CLICKHOUSE_USER, CLICKHOUSE_PASSWORD) up to date: the versioned,
idempotent migrations in sql/clickhouse/, the ticket columns of src/ticket/schema.ts, and the views in
sql/clickhouse/views/. KAFKA_BROKERS is where its Kafka-engine table consumes tickets_scored.

Options:
  --wait SECONDS  how long to wait for the server to answer (default 60)
  -h, --help      this help`;

async function main(): Promise<number> {
  const { values } = commandLine(HELP, { wait: { type: "string", default: "60" } });
  const waitSeconds = Number(values.wait);
  if (!Number.isFinite(waitSeconds) || waitSeconds < 0) {
    throw new UsageError(`--wait needs seconds, not ${values.wait}`);
  }
  const config = loadConfig();
  if (!config.clickhouseUrl) {
    throw new ConfigError(
      "CLICKHOUSE_URL is not set: there is no ClickHouse server to migrate (the embedded app uses DuckDB)",
    );
  }
  if (config.kafkaBrokers.length === 0) {
    throw new ConfigError(
      "KAFKA_BROKERS is not set: ClickHouse's Kafka-engine table needs the brokers to read tickets_scored",
    );
  }
  const deadline = Date.now() + waitSeconds * 1000;
  for (;;) {
    try {
      const store = await openClickHouseStore(clickhouseOptions(config));
      try {
        const changed = await store.migrate({ kafkaBrokers: config.kafkaBrokers });
        console.log(changed.length ? `applied: ${changed.join(", ")}` : "the schema is up to date");
        return 0;
      } finally {
        await store.close();
      }
    } catch (error) {
      if (Date.now() > deadline) {
        console.error(`migration failed: ${(error as Error).message}`);
        return 1;
      }
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  }
}

if (import.meta.main) runCommand(main);
