/**
 * The app, wired once. From a configuration it opens the bus (in-process or Kafka), the model and the store, and
 * starts the stages this process runs: the scorer, the store sink, the dead-letter log, the refresher (marts, then
 * the site) and the HTTP app. `deno task start` (`commands/start.ts`), `deno task scorer` (`commands/scorer.ts`),
 * the tests and the benchmark all build the app here, so they run the same thing.
 *
 * ```ts
 * const app = await buildApp(loadConfig(), { log: console.log });
 * Deno.serve(app.http.fetch);
 * // ...
 * await app.close();
 * ```
 *
 * @module
 */
import type { Hono } from "hono";
import { join } from "node:path";
import { type Bus, TOPICS } from "./bus/bus.ts";
import { deadLetterRecord } from "./bus/dead_letter.ts";
import type { KafkaBus } from "./bus/kafka_bus.ts";
import { openBus } from "./bus/open.ts";
import { type Config, ConfigError } from "./config.ts";
import { martNames } from "./marts/models.ts";
import { Refresher, type RefreshReport } from "./marts/refresher.ts";
import { LiveModel } from "./score/live_model.ts";
import { loadModel } from "./score/model.ts";
import { liveModelDir, type ModelRegistry, openRegistry } from "./score/registry.ts";
import { type ScorerStats, startScorer } from "./score/scorer.ts";
import { buildSite } from "./site/build.ts";
import { openStore } from "./store/open.ts";
import { startStoreSink } from "./store/sink.ts";
import type { Store } from "./store/store.ts";
import type { ScoredTicket } from "./ticket/schema.ts";
import { MappingLibrary } from "./ingest/mapping_library.ts";
import { STALE_UPLOAD_MS } from "./ingest/upload.ts";

/** How to build the app. */
export interface AppOptions {
  /**
   * `web` (the default): the upload server with its store, sink, marts and site, scoring in-process unless
   * `RUN_SCORER=false`. `scorer`: only the scorer, as `deno task scorer` runs it (needs Kafka).
   */
  role?: "web" | "scorer";
  /** Rebuild the site after each marts refresh (default true); tests that never look at the site skip it. */
  site?: boolean;
  /** How Kafka names this process (default `ticket-triage-<pid>`). */
  clientId?: string;
  /** Where the app says what happened. */
  log: (line: string) => void;
  /** Called with each batch the store sink stored (the benchmark times tickets with it). */
  onStored?: (tickets: readonly ScoredTicket[]) => void;
}

/** A built app. Close it to finish work in progress and release everything it opened. */
export interface App {
  readonly config: Config;
  readonly bus: Bus;
  readonly model: LiveModel;
  /** The model registry, unless `MODEL_DIR` pins the model. */
  readonly registry: ModelRegistry | null;
  /** Running totals of the in-process scorer, when this process scores. */
  readonly scorer: ScorerStats | null;
  close(): Promise<void>;
}

/** The app of a `deno task scorer` process: a Kafka consumer that scores. */
export interface ScorerApp extends App {
  readonly bus: KafkaBus;
  readonly scorer: ScorerStats;
}

/** The app of a `web` process: also the store, the marts refresher and the HTTP app. */
export interface WebApp extends App {
  readonly store: Store;
  readonly refresher: Refresher;
  readonly http: Hono;
  /** The built site's directory. */
  readonly siteDir: string;
  /**
   * The scheduled refresh (`MARTS_CRON`): skipped when nothing was stored since the last good one, except when
   * ClickHouse reads Kafka itself (this process then cannot see the writes, so every scheduled refresh runs).
   */
  scheduledRefresh(): Promise<RefreshReport | null>;
}

/**
 * Builds the app the configuration describes.
 *
 * @throws {ConfigError} for a combination of settings that cannot work.
 */
export function buildApp(config: Config, options: AppOptions & { role?: "web" }): Promise<WebApp>;
export function buildApp(config: Config, options: AppOptions & { role: "scorer" }): Promise<ScorerApp>;
export async function buildApp(config: Config, options: AppOptions): Promise<WebApp | ScorerApp> {
  const role = options.role ?? "web";
  const { log } = options;
  if (role === "scorer" && config.kafkaBrokers.length === 0) {
    throw new ConfigError("deno task scorer needs KAFKA_BROKERS; without Kafka, deno task start scores in-process");
  }
  if (role === "web" && !config.runScorer && config.kafkaBrokers.length === 0) {
    throw new ConfigError("RUN_SCORER=false needs KAFKA_BROKERS: without Kafka only this process can score");
  }
  // The model: the one MODEL_DIR pins, or the registry's live version, followed as it changes.
  const registry = config.modelDir ? null : await openRegistry(config.modelRegistryDir, { log });
  const model = new LiveModel(await loadModel(config.modelDir ?? await liveModelDir(config)));
  if (registry) model.watch(registry, log);
  let store: Store | null = null;
  let bus: Bus | null = null;
  let refresher: Refresher | null = null;
  // The bus first (consumers finish the batch in hand and commit), then the refresh under way, then the rest.
  const close = async () => {
    await bus?.close();
    await refresher?.stop();
    await store?.close();
    await model.close();
  };
  try {
    store = role === "web" ? await openStore(config, log) : null;
    bus = await openBus(config, options.clientId ?? `ticket-triage-${Deno.pid}`, log);
    const scorer = role === "scorer" || config.runScorer ? await startScorer(bus, model) : null;
    if (store === null) return { config, bus: bus as KafkaBus, model, registry, scorer: scorer!, close };

    const siteDir = join(config.dataDir, "site");
    const marts: Refresher = refresher = new Refresher(
      store,
      options.site ?? true ? () => buildSite(config, { outputDir: siteDir, keepPrevious: true }) : null,
      log,
    );
    // A new live model changes the Model page and the notes beside every prediction.
    model.onSwitch = () => marts.changed();
    // With Kafka and ClickHouse, ClickHouse's Kafka engine reads tickets_scored itself: this process stores nothing.
    const sinkInProcess = !(config.clickhouseUrl && config.kafkaBrokers.length > 0);
    if (sinkInProcess) {
      // Marts follow the store: a refresh shortly after tickets land (debounced while a stream goes on).
      // On the in-process bus the publishers (uploads, rescores) wait for their tickets and flush the store, so the
      // sink stages batches for larger, cheaper loads; a Kafka sink acknowledges what it stores, batch by batch.
      await startStoreSink(
        bus,
        store,
        (tickets) => {
          marts.changed();
          options.onStored?.(tickets);
        },
        store.sinkGroup,
        config.kafkaBrokers.length === 0,
      );
    }
    // Dead letters are recorded against their upload, so that its status accounts for every ticket: stored or
    // dead-lettered, with why.
    await bus.subscribe(TOPICS.deadLetter, "dead-letter-log", async (messages) => {
      for (const m of messages) log(`dead letter: key ${m.key}: ${m.headers?.error ?? "no reason given"}`);
      await store!.recordDeadLetters(messages.map((m) => deadLetterRecord(m)));
    });
    // Loaded only here: a scorer process (`deno task scorer`) never loads the web app.
    const { createApp } = await import("./web/app.ts");
    const http = createApp({
      config,
      store,
      bus,
      refresher: marts,
      martNames: await martNames(),
      siteDir,
      mappings: new MappingLibrary(join(config.dataDir, "mappings")),
      model,
      registry,
      log,
    });
    // Uploads left receiving by a server that died (with ClickHouse, another process of the deployment) never
    // finish: they are marked failed at start and before each scheduled refresh.
    const failStale = async () => {
      const failed = await store!.failStaleUploads(STALE_UPLOAD_MS);
      if (failed > 0) log(`${failed} upload(s) left receiving by a stopped server marked failed`);
    };
    await failStale();
    const scheduledRefresh = async () => {
      await failStale();
      return await (sinkInProcess ? marts.refreshIfChanged() : marts.refreshNow());
    };
    return { config, bus, model, registry, scorer, store, refresher: marts, http, siteDir, scheduledRefresh, close };
  } catch (error) {
    await close();
    throw error;
  }
}
