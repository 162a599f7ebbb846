/**
 * `deno task start`: the whole app in one process (wired by `app.ts`). Uploads are ingested, scored and stored;
 * marts and the site are rebuilt on a schedule and shortly after each upload; the built site and the API are
 * served on one port.
 *
 * @module
 */
import { buildApp } from "../app.ts";
import { commandLine, runCommand } from "../cli.ts";
import { isLoopback, loadConfig, settingsHelp } from "../config.ts";

const HELP = `Usage: deno task start

Runs Ticket Triage on one machine: upload form and API, scorer, store, marts and dashboards.

Environment (all optional):
${settingsHelp()}

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
