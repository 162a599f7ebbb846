/**
 * The HTTP face of the app: the upload API, upload status, marts as JSON, a refresh trigger, health, and the
 * built site, behind the guards of `security.ts` (no cross-site writes; a token or a session when `AUTH_TOKEN` is
 * set). Routing is Hono's; every error answers JSON `{error}` with a status that says what went wrong, and never
 * the exception itself (paths, stack traces and driver messages go to the server log only).
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { secureHeaders } from "hono/secure-headers";
import type { MiddlewareHandler } from "hono";
// Hono marks hono/deno as moving to @hono/deno, which is published on JSR only: out of this project's reach.
import { serveStatic } from "hono/deno";
import type { Bus } from "../bus/bus.ts";
import type { Config } from "../config.ts";
import { checkReadiness } from "../health.ts";
import { previousSiteDir } from "../site/build.ts";
import type { DateOrder } from "../ingest/dates.ts";
import { UploadError } from "../ingest/errors.ts";
import type { MappingLibrary } from "../ingest/mapping_library.ts";
import { runUpload } from "../ingest/upload.ts";
import type { Refresher } from "../marts/refresher.ts";
import type { Store } from "../store/store.ts";
import type { LiveModel } from "../score/live_model.ts";
import type { ModelRegistry } from "../score/registry.ts";
import type { MartsReport } from "../marts/build.ts";
import type { RefreshReport } from "../marts/refresher.ts";
import { mappingRoutes } from "./mappings.ts";
import { modelRoutes, rescoreRoute } from "./models.ts";
import { agentOf, Authentication, refuseCrossSite } from "./security.ts";
import { ticketRoutes } from "./tickets.ts";
import { openUploadBody } from "./upload_body.ts";

/** What the app serves from. */
export interface AppDeps {
  config: Config;
  store: Store;
  bus: Bus;
  refresher: Refresher;
  /** Names accepted by `GET /api/marts/:name`. */
  martNames: Set<string>;
  /** The built site's directory. */
  siteDir: string;
  /** The column mappings uploads may name (`?mapping=`): presets and the teams' own. */
  mappings: MappingLibrary;
  /** The live model, and the registry it follows (null when `MODEL_DIR` pins the model). */
  model: LiveModel;
  registry: ModelRegistry | null;
  log: (line: string) => void;
}

const DATE_ORDERS = new Set<DateOrder>(["DMY", "MDY"]);

function errorResponse(c: Context, error: unknown, log: (line: string) => void): Response {
  if (error instanceof UploadError) {
    return c.json({ error: error.message, ...error.details }, error.status as 400);
  }
  // Hono's middleware (bearer-auth) answers by throwing its response.
  if (error instanceof HTTPException) return error.getResponse();
  log(`internal error: ${(error as Error)?.stack ?? error}`);
  return c.json({ error: "internal error; the server log has the details" }, 500);
}

/**
 * What `POST /api/marts/refresh` answers: whether marts and site were rebuilt, row counts, which data tests failed
 * and how long it took. The build log and the raw error stay in the server log.
 */
export function refreshSummary(report: RefreshReport): Record<string, unknown> {
  const marts: MartsReport = report.marts;
  const failedTests = marts.tests.filter((t) => !t.passed).map((t) => t.name);
  return {
    ok: marts.ok && (report.site?.ok ?? true),
    finished_at: report.finished_at,
    marts: {
      ok: marts.ok,
      seconds: marts.seconds,
      rows: Object.fromEntries(marts.marts.map((m) => [m.name, m.rows])),
      tests_passed: marts.tests.length - failedTests.length,
      tests_failed: failedTests,
      ...(marts.ok ? {} : {
        error: failedTests.length > 0
          ? "data tests failed; the previous marts were kept"
          : "the marts build failed; the previous marts were kept and the server log says why",
      }),
    },
    site: report.site === null ? null : {
      ok: report.site.ok,
      seconds: report.site.seconds,
      ...(report.site.ok ? {} : { error: "the site build failed; the server log has its output" }),
    },
  };
}

/**
 * Serves the built site in `siteDir` with Hono's static files, honouring Framework's clean URLs (`/model` →
 * `model.html`). Framework's own folders (`/_file/`, `/_observablehq/`, `/_npm/`...) hold content-hashed names,
 * cached for a year; pages are checked again each time. A path the site does not have goes on to the next handler.
 */
export function siteFiles(siteDir: string): MiddlewareHandler[] {
  // Decided on the path asked for, never on where the site lives (a DATA_DIR under /srv/_data is no asset).
  const onFound = (_path: string, c: Context) =>
    void c.header("cache-control", /^\/_/.test(c.req.path) ? "public, max-age=31536000, immutable" : "no-cache");
  return [
    serveStatic({ root: siteDir, onFound }),
    serveStatic({ root: siteDir, onFound, rewriteRequestPath: (path) => path.endsWith("/") ? path : `${path}.html` }),
  ];
}

/** Builds the app. */
export function createApp(deps: AppDeps): Hono {
  const { config, store, bus, refresher, log } = deps;
  const app = new Hono();
  let uploadsInFlight = 0;

  app.use("*", async (c, next) => {
    const started = performance.now();
    await next();
    if (c.req.path.startsWith("/api/")) {
      log(`${c.req.method} ${c.req.path} ${c.res.status} ${(performance.now() - started).toFixed(0)} ms`);
    }
  });
  // Hono's secure headers (nosniff, no framing by other sites...); no content security policy, as Framework's pages
  // run inline scripts. The referrer goes to this app only: with none at all, a browser posts its forms with
  // `Origin: null`, which the cross-site check refuses.
  app.use("*", secureHeaders({ referrerPolicy: "same-origin" }));
  app.use("*", refuseCrossSite());
  if (config.authTokens.length > 0) {
    const authentication = new Authentication(config.authTokens);
    app.use("*", authentication.guard());
    authentication.routes(app);
  }

  // Open to all (no token): they say whether the app works, never what it holds.
  app.get("/livez", (c) => c.json({ live: true }));
  app.get("/healthz", async (c) => {
    const { ready, problems } = await checkReadiness(() => store.ping(), bus.health(), log);
    return c.json({
      ok: ready,
      live: true,
      ready,
      problems,
      store: store.engine,
      bus: config.kafkaBrokers.length > 0 ? "kafka" : "memory",
      uploads_in_flight: uploadsInFlight,
      last_refresh: refresher.last?.finished_at ?? null,
    }, ready ? 200 : 503);
  });

  app.post("/api/uploads", async (c) => {
    const order = c.req.query("date_order")?.toUpperCase();
    if (order !== undefined && !DATE_ORDERS.has(order as DateOrder)) {
      return c.json({ error: `date_order must be DMY or MDY, got "${order}"` }, 400);
    }
    const mappingName = c.req.query("mapping") || undefined;
    const mapping = mappingName === undefined ? undefined : await deps.mappings.find(mappingName);
    if (mapping === null) {
      const known = (await deps.mappings.list()).map((m) => m.name);
      return c.json({ error: `no mapping named "${mappingName}"`, mappings: known }, 400);
    }
    if (uploadsInFlight >= config.maxConcurrentUploads) {
      c.header("retry-after", "5");
      return c.json({ error: `${uploadsInFlight} uploads are being processed; try again in a few seconds` }, 429);
    }
    uploadsInFlight++;
    try {
      const body = await openUploadBody(c.req.raw, config.maxUploadBytes, config.uploadIdleSeconds * 1000);
      const result = await runUpload({ bus, store, batchSize: config.batchSize, log }, {
        body: body.stream,
        filename: body.filename,
        bytes: body.bytes,
        dateOrder: order as DateOrder | undefined,
        mapping,
        uploadedBy: agentOf(c),
      });
      // Its tickets count from now on: the marts follow shortly (those asked for while they were stored may have
      // run before the upload was done).
      refresher.changed();
      log(
        `upload ${result.upload_id} (${body.filename ?? "unnamed"}): received ${result.received}, accepted ` +
          `${result.accepted}, rejected ${result.rejected}, columns ${result.mapping.name} (${result.mapping.chosen}), ` +
          `dates ${result.date_order.order} (${result.date_order.source})`,
      );
      return c.json(result, 201);
    } catch (error) {
      return errorResponse(c, error, log);
    } finally {
      uploadsInFlight--;
    }
  });

  app.get("/api/uploads", async (c) => {
    const limit = Number(c.req.query("limit") ?? 20);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
      return c.json({ error: "limit must be a whole number from 1 to 1000" }, 400);
    }
    return c.json({ rows: await store.listUploads(limit) });
  });

  app.get("/api/uploads/:id", async (c) => {
    const upload = await store.getUpload(c.req.param("id"));
    if (!upload) return c.json({ error: "no upload with that id" }, 404);
    const { summary, ...rest } = upload;
    return c.json({ ...rest, ...summary });
  });

  app.get("/api/marts/:name", async (c) => {
    const name = c.req.param("name");
    if (!deps.martNames.has(name)) {
      return c.json({ error: `no mart named "${name}"`, marts: [...deps.martNames].sort() }, 404);
    }
    return c.json({ rows: await store.readMart(name) });
  });

  ticketRoutes(app, store, deps.model);
  mappingRoutes(app, deps.mappings, log);
  modelRoutes(app, deps.registry, deps.model, store, log);
  rescoreRoute(app, store, bus, deps.model, log);

  app.post("/api/marts/refresh", async (c) => {
    const summary = refreshSummary(await refresher.refreshNow());
    return c.json(summary, summary.ok ? 200 : 500);
  });

  app.all("/api/*", (c) => c.json({ error: "no such endpoint" }, 404));

  // The site, and the one it replaced, for pages opened before the rebuild that still ask for its files.
  for (const files of [...siteFiles(deps.siteDir), ...siteFiles(previousSiteDir(deps.siteDir))]) app.get("*", files);
  app.get("*", (c) => {
    try {
      decodeURIComponent(new URL(c.req.url).pathname);
    } catch {
      return c.text("Bad request: the address is not valid percent-encoding", 400);
    }
    if (c.req.path === "/") {
      return c.html(
        "<!doctype html><title>Ticket Triage</title><p>The dashboards are being built; reload in a few seconds.</p>",
        503,
      );
    }
    return c.text("Not found", 404);
  });

  app.onError((error, c) => errorResponse(c, error, log));
  return app;
}
