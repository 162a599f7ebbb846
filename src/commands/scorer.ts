/**
 * `deno task scorer`: the scorer as a Kafka consumer-group service. Run several to share the partitions of
 * `tickets`. Logs its rate and lag every {@linkcode REPORT_EVERY_MS} and answers them on `GET /healthz` (port
 * `SCORER_PORT`). On SIGTERM or Ctrl-C it finishes the batch in hand, commits, leaves the group and exits.
 *
 * @module
 */
import { buildApp } from "../app.ts";
import { TOPICS } from "../bus/bus.ts";
import { commandLine, runCommand } from "../cli.ts";
import { loadConfig, settingsHelp } from "../config.ts";
import { checkReadiness } from "../health.ts";

const HELP = `Usage: deno task scorer

Scores tickets from Kafka: consumes topic "${TOPICS.tickets}" as consumer group "scorer", publishes to
"${TOPICS.scored}", sends unreadable messages to "${TOPICS.deadLetter}" with the reason in the "error" header.
Start more instances to share the partitions.

Health: GET /healthz answers 200 when every consumer keeps up, 503 with the problems when one has crashed, keeps
failing or is stalled; GET /livez answers 200 while the process runs.

Environment (KAFKA_BROKERS required):
${
  settingsHelp([
    "kafkaBrokers",
    "scorerPort",
    "host",
    "batchSize",
    "kafkaPartitions",
    "kafkaReplicationFactor",
    "modelDir",
    "modelRegistryDir",
    "dataDir",
    "connectRetrySeconds",
  ])
}`;

const REPORT_EVERY_MS = 10_000;

function log(line: string): void {
  console.log(`${new Date().toISOString()} scorer ${Deno.pid}: ${line}`);
}

async function main(): Promise<void> {
  commandLine(HELP, {});
  const config = loadConfig();
  const app = await buildApp(config, { role: "scorer", clientId: `scorer-${Deno.pid}`, log });
  const { model } = app;
  const stats = app.scorer;
  log(`consuming "${TOPICS.tickets}" from ${config.kafkaBrokers.join(",")} with model ${model.version}`);

  const admin = app.bus.kafka.admin();
  let lag: number | null = null;
  let rate = 0;
  let lastScored = 0;
  const report = setInterval(async () => {
    rate = (stats.scored - lastScored) / (REPORT_EVERY_MS / 1000);
    lastScored = stats.scored;
    try {
      await admin.connect();
      const [committed] = await admin.fetchOffsets({ groupId: "scorer", topics: [TOPICS.tickets] });
      const latest = await admin.fetchTopicOffsets(TOPICS.tickets);
      lag = latest.reduce((sum, p) => {
        const done = committed.partitions.find((c) => c.partition === p.partition)?.offset ?? "-1";
        return sum + Number(p.high) - Math.max(0, Number(done));
      }, 0);
    } catch (error) {
      lag = null;
      log(`lag unknown: ${(error as Error).message}`);
    }
    log(`scored ${stats.scored} (${rate.toFixed(0)}/s), dead-lettered ${stats.deadLettered}, lag ${lag ?? "?"}`);
  }, REPORT_EVERY_MS);

  // Health only, and nothing sensitive in it; it listens where the web server does (HOST, loopback by default).
  const server = Deno.serve({
    port: config.scorerPort,
    hostname: config.host,
    onListen: ({ port }) => log(`health on http://localhost:${port}/healthz`),
  }, async (request) => {
    if (new URL(request.url).pathname === "/livez") return Response.json({ live: true });
    const { ready, problems } = await checkReadiness(null, app.bus.health(), log);
    return Response.json({
      ok: ready,
      live: true,
      ready,
      problems,
      model_version: model.version,
      scored: stats.scored,
      dead_lettered: stats.deadLettered,
      batches: stats.batches,
      tickets_per_second: rate,
      lag,
    }, { status: ready ? 200 : 503 });
  });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    log("stopping: finishing the batch in hand, committing, leaving the group");
    clearInterval(report);
    await app.close();
    await admin.disconnect().catch(() => {});
    await server.shutdown();
    log(`stopped after scoring ${stats.scored}`);
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  Deno.addSignalListener("SIGINT", stop);
}

if (import.meta.main) runCommand(main, { service: true });
