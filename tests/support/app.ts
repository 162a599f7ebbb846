/**
 * Starting the app in the test process, as `src/main.ts` wires it (minus the site build and cron): upload API,
 * scorer (unless `RUN_SCORER=false`), store sink and marts, on a free port with its own data directory. With
 * `KAFKA_BROKERS` in `env` the bus is Kafka, otherwise the in-process bus.
 *
 * @module
 */
import type { Bus } from "../../src/bus/bus.ts";
import { KafkaBus } from "../../src/bus/kafka_bus.ts";
import { ensureTopics } from "../../src/bus/kafka_topics.ts";
import { MemoryBus } from "../../src/bus/memory_bus.ts";
import { loadConfig } from "../../src/config.ts";
import { martNames } from "../../src/marts/models.ts";
import { Refresher } from "../../src/marts/refresher.ts";
import { loadModel } from "../../src/score/model.ts";
import { startScorer } from "../../src/score/scorer.ts";
import { openDuckDbStore } from "../../src/store/duckdb_store.ts";
import { startStoreSink } from "../../src/store/sink.ts";
import { createApp } from "../../src/web/app.ts";

/** A running test app. */
export interface TestApp {
  base: string;
  bus: Bus;
  close(): Promise<void>;
}

/** Starts the app; `env` overrides configuration (e.g. `MAX_UPLOAD_BYTES`, `KAFKA_BROKERS`, `RUN_SCORER`). */
export async function startApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = await Deno.makeTempDir({ prefix: "triage-app-test-" });
  const config = loadConfig({ DATA_DIR: dataDir, ...env });
  const store = await openDuckDbStore(dataDir, config.duckdbMemoryLimit);
  const model = await loadModel();
  let bus: Bus;
  if (config.kafkaBrokers.length > 0) {
    const kafka = new KafkaBus({
      brokers: config.kafkaBrokers,
      clientId: "test-app",
      log: (l) => console.error(`test app: ${l}`),
    });
    await ensureTopics(kafka.kafka, config.kafkaPartitions, 1);
    bus = kafka;
  } else {
    bus = new MemoryBus();
  }
  if (config.runScorer) await startScorer(bus, model);
  await startStoreSink(bus, store);
  const refresher = new Refresher(store, null, () => {});
  const app = createApp({
    config,
    store,
    bus,
    refresher,
    martNames: await martNames(),
    siteDir: `${dataDir}/site`,
    log: () => {},
  });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.fetch);
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    bus,
    async close() {
      await server.shutdown();
      await bus.close();
      await refresher.stop();
      await store.close();
      await model.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** POSTs an upload body; answers the status and JSON. */
export async function upload(
  base: string,
  body: BodyInit,
  headers: Record<string, string> = { "content-type": "text/csv" },
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${base}/api/uploads`, { method: "POST", body, headers });
  return { status: response.status, json: await response.json() };
}

/** Sum of `tickets` in `mart_priority_distribution` after a refresh. */
export async function refreshedTotal(base: string): Promise<number> {
  const refresh = await fetch(`${base}/api/marts/refresh`, { method: "POST" });
  if (!refresh.ok) throw new Error(`refresh failed: ${await refresh.text()}`);
  await refresh.body?.cancel();
  const { rows } = await (await fetch(`${base}/api/marts/mart_priority_distribution`)).json();
  return rows.reduce((sum: number, r: { tickets: number }) => sum + r.tickets, 0);
}

/**
 * Polls `check` until it answers true. The deadline only keeps a broken run from hanging CI; it is not a
 * performance assertion.
 */
export async function eventually(what: string, check: () => Promise<boolean>, deadlineMs = 300_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
