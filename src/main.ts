/**
 * `deno task start`: the whole app in one process. Uploads are ingested, scored and stored; marts and the site
 * are rebuilt on a schedule and shortly after each upload; the built site and the API are served on one port.
 *
 * @module
 */
import { join } from "node:path";
import { type Bus, TOPICS } from "./bus/bus.ts";
import { KafkaBus } from "./bus/kafka_bus.ts";
import { ensureTopics } from "./bus/kafka_topics.ts";
import { MemoryBus } from "./bus/memory_bus.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { martNames } from "./marts/models.ts";
import { Refresher } from "./marts/refresher.ts";
import { loadModel } from "./score/model.ts";
import { startScorer } from "./score/scorer.ts";
import { buildSite } from "./site/build.ts";
import { openStore } from "./store/open.ts";
import { startStoreSink } from "./store/sink.ts";
import { createApp } from "./web/app.ts";

const HELP = `Usage: deno task start

Runs Ticket Triage on one machine: upload form and API, scorer, store, marts and dashboards.

Environment (all optional):
  PORT                    HTTP port (default 8000)
  DATA_DIR                database, marts snapshot and built site (default ./data)
  MAX_UPLOAD_BYTES        largest upload accepted (default 536870912, 512 MiB)
  MAX_CONCURRENT_UPLOADS  uploads processed at once; more get 429 (default 2)
  MARTS_CRON              when marts and site are rebuilt if the store changed, cron syntax in UTC
                          (default "* * * * *"); they are also rebuilt shortly after tickets are stored
  BATCH_SIZE              tickets per batch through bus, scorer and store (default 4096)
  DUCKDB_MEMORY_LIMIT     memory DuckDB may use before spilling to disk (default 128MB)
  KAFKA_BROKERS           Kafka bootstrap servers (unset: in-process bus)
  RUN_SCORER              with Kafka: false when separate "deno task scorer" services score (default true)
  KAFKA_PARTITIONS        partitions of topics created if missing (default 6)
  CLICKHOUSE_URL          ClickHouse HTTP URL (unset: DuckDB file in DATA_DIR); with KAFKA_BROKERS, ClickHouse
                          reads scored tickets from Kafka itself (run deno task db:migrate first)
  CLICKHOUSE_USER, CLICKHOUSE_PASSWORD   ClickHouse credentials

Then open http://localhost:PORT/ and upload a CSV, or: deno task upload FILE
`;

/** The in-process bus, or Kafka (with its topics created if missing) when `KAFKA_BROKERS` is set. */
async function openBus(config: Config): Promise<Bus> {
  if (config.kafkaBrokers.length === 0) return new MemoryBus();
  const bus = new KafkaBus({ brokers: config.kafkaBrokers, clientId: `ticket-triage-${Deno.pid}`, log });
  const topics = await ensureTopics(bus.kafka, config.kafkaPartitions, config.kafkaReplicationFactor);
  log(
    `kafka ${config.kafkaBrokers.join(",")}: ${
      topics.map((t) => `${t.topic} (${t.partitions} partitions)`).join(", ")
    }`,
  );
  return bus;
}

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

async function main(): Promise<void> {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(HELP);
    return;
  }
  const config = loadConfig();
  if (!config.runScorer && config.kafkaBrokers.length === 0) {
    throw new ConfigError("RUN_SCORER=false needs KAFKA_BROKERS: without Kafka only this process can score");
  }
  const model = await loadModel();
  const store = await openStore(config);
  const bus = await openBus(config);
  const siteDir = join(config.dataDir, "site");
  const refresher = new Refresher(store, () => buildSite(config, { outputDir: siteDir }), log);

  if (config.runScorer) await startScorer(bus, model);
  // Marts follow the store: a refresh shortly after tickets land (debounced while a stream goes on). With Kafka
  // and ClickHouse, ClickHouse's Kafka engine reads tickets_scored itself: this process does not see the writes,
  // so every scheduled refresh runs.
  const sinkInProcess = !(config.clickhouseUrl && config.kafkaBrokers.length > 0);
  if (sinkInProcess) {
    await startStoreSink(bus, store, () => refresher.changed());
  }
  await bus.subscribe(TOPICS.deadLetter, "dead-letter-log", (messages) => {
    for (const m of messages) log(`dead letter: key ${m.key}: ${m.headers?.error ?? "no reason given"}`);
    return Promise.resolve();
  });

  const app = createApp({ config, store, bus, refresher, martNames: await martNames(), siteDir, log });

  Deno.cron("refresh marts and site", config.martsCron, async () => {
    await (sinkInProcess ? refresher.refreshIfChanged() : refresher.refreshNow());
  });

  const server = Deno.serve({
    port: config.port,
    onListen: ({ port }) =>
      log(
        `Ticket Triage on http://localhost:${port}/ (model ${model.version}, store ${store.engine} in ${config.dataDir})`,
      ),
  }, app.fetch);

  // Build once at start so the dashboards exist before the first upload.
  refresher.refreshNow().catch((error) => log(`initial refresh failed: ${error.message}`));

  const shutdown = async () => {
    log("shutting down: finishing work in progress");
    await server.shutdown();
    await bus.close();
    await refresher.stop();
    await store.close();
    await model.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}

if (import.meta.main) {
  main().catch((error) => {
    console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
    Deno.exit(1);
  });
}
