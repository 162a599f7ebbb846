/**
 * `deno task start`: the whole app in one process (wired by `app.ts`). Uploads are ingested, scored and stored;
 * marts and the site are rebuilt on a schedule and shortly after each upload; the built site and the API are
 * served on one port.
 *
 * @module
 */
import { buildApp } from "./app.ts";
import { commandLine, runCommand } from "./cli.ts";
import { isLoopback, loadConfig } from "./config.ts";

const HELP = `Usage: deno task start

Runs Ticket Triage on one machine: upload form and API, scorer, store, marts and dashboards.

Environment (all optional):
  PORT                    HTTP port (default 8000)
  HOST                    address to listen on (default 127.0.0.1: this machine only); any other address needs
                          AUTH_TOKEN
  AUTH_TOKEN              access tokens, comma-separated, each TOKEN or NAME:TOKEN (16+ characters; the name is
                          recorded with uploads and overrides). When set, every page and API route needs one:
                          browsers sign in at /login, API clients send "Authorization: Bearer TOKEN". /healthz
                          and /livez stay open.
  DATA_DIR                database, marts snapshot and built site (default ./data)
  MODEL_DIR               a model folder to score with, whatever the registry says (priority.onnx,
                          priority.json, text_layer.bin; deno task train --out-dir writes one). Unset (default):
                          the registry's live version, at first the shipped models/
  MODEL_REGISTRY_DIR      the model registry: every trained version, and which is live (default DATA_DIR/models)
  MAX_UPLOAD_BYTES        largest upload accepted (default 536870912, 512 MiB)
  MAX_CONCURRENT_UPLOADS  uploads processed at once; more get 429 (default 2)
  UPLOAD_IDLE_SECONDS     an upload whose client sends nothing for this long is ended with 408 (default 60)
  MARTS_CRON              when marts and site are rebuilt if the store changed, cron syntax in UTC
                          (default "* * * * *"); they are also rebuilt shortly after tickets are stored
  BATCH_SIZE              tickets per batch through bus, scorer and store (default 4096)
  DUCKDB_MEMORY_LIMIT     memory DuckDB may use before spilling to disk (default 128MB)
  KAFKA_BROKERS           Kafka bootstrap servers (unset: in-process bus)
  RUN_SCORER              with Kafka: false when separate "deno task scorer" services score (default true)
  KAFKA_PARTITIONS        partitions of topics created if missing (default 6)
  KAFKA_REPLICATION_FACTOR  replicas of topics created if missing (default: 3 with 3 brokers or more, else one
                          per broker)
  SCORER_PORT             health and metrics port of deno task scorer (default 8001; 0 picks a free port)
  CLICKHOUSE_URL          ClickHouse HTTP URL (unset: DuckDB file in DATA_DIR); with KAFKA_BROKERS, ClickHouse
                          reads scored tickets from Kafka itself (run deno task db:migrate first)
  CLICKHOUSE_USER, CLICKHOUSE_PASSWORD   ClickHouse credentials
  CONNECT_RETRY_SECONDS   how long start-up keeps trying to reach Kafka and ClickHouse (default 60)

Then open http://localhost:PORT/ and upload a CSV, or: deno task upload FILE
`;

function log(line: string): void {
  console.log(`${new Date().toISOString()} ${line}`);
}

async function main(): Promise<void> {
  commandLine(HELP, {});
  const config = loadConfig();
  const app = await buildApp(config, { log });
  Deno.cron("refresh marts and site", config.martsCron, async () => {
    await app.scheduledRefresh();
  });
  const server = Deno.serve({
    port: config.port,
    hostname: config.host,
    onListen: ({ hostname, port }) =>
      log(
        `Ticket Triage on http://${
          isLoopback(config.host) ? "localhost" : hostname.includes(":") ? `[${hostname}]` : hostname
        }:${port}/ ` +
          `(model ${app.model.version}, store ${app.store.engine} in ${config.dataDir}; ` +
          (config.authTokens.length > 0
            ? `sign-in required, ${config.authTokens.length} token(s))`
            : "no sign-in: this machine only)"),
      ),
  }, app.http.fetch);

  // Build once at start so the dashboards exist before the first upload.
  app.refresher.refreshNow().catch((error) => log(`initial refresh failed: ${error.message}`));

  const shutdown = async () => {
    log("shutting down: finishing work in progress");
    await server.shutdown();
    await app.close();
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", shutdown);
  Deno.addSignalListener("SIGTERM", shutdown);
}

if (import.meta.main) runCommand(main, { service: true });
