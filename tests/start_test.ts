/**
 * `deno task start` as a user runs it: one process, a fresh data directory, the Excel sample uploaded,
 * marts and site refreshed, the dashboards served. Prints the seconds from upload to refreshed marts and site,
 * and the server's peak RSS (figures, not assertions: timing belongs to `deno task bench`).
 */
import { equal, ok } from "node:assert/strict";
import { assertRendered } from "./support/browser.ts";
import { needing } from "../scripts/means.ts";
import { EXCEL_SAMPLE } from "../scripts/samples/paths.ts";
import { peakRssMiB, startTask } from "../scripts/harness/task_start.ts";

Deno.test(
  await needing(["chromium"], {
    name: "deno task start: upload, refresh, and the dashboards show the tickets",
    fn: async () => {
      const app = await startTask();
      const { base } = app;
      try {
        // Wait for the start-up build of marts and site, so the figures below time an upload's own refresh.
        await app.ready();
        const started = performance.now();
        const upload = await fetch(`${base}/api/uploads`, {
          method: "POST",
          headers: { "content-type": "text/csv", "x-filename": "tickets_kaggle_excel_export.csv" },
          body: await Deno.readFile(EXCEL_SAMPLE),
        });
        const summary = await upload.json();
        equal(upload.status, 201);
        equal(summary.accepted, 8469);
        const refresh = await fetch(`${base}/api/marts/refresh`, { method: "POST" });
        const report = await refresh.json();
        equal(refresh.status, 200, JSON.stringify(report).slice(0, 2000));
        const seconds = (performance.now() - started) / 1000;
        const rss = await peakRssMiB(app.child.pid);

        const home = await fetch(`${base}/`);
        equal(home.status, 200);
        ok((await home.text()).includes("kpi-tickets"), "the home page is the overview");
        const upload_page = await fetch(`${base}/upload`);
        equal(upload_page.status, 200);
        await upload_page.body?.cancel();
        await assertRendered(`${base}/`, "#kpi-tickets", "8,469"); // the overview shows the tickets processed
        await assertRendered(`${base}/upload`, "progress#upload-progress"); // the upload page has a progress bar

        console.log(
          `upload → refreshed marts and site for 8,469 tickets: ${seconds.toFixed(2)} s ` +
            `(marts ${report.marts.seconds.toFixed(2)} s, site ${report.site.seconds.toFixed(2)} s); ` +
            `server peak RSS ${rss.toFixed(0)} MiB`,
        );
        equal((await app.stop()).code, 0);
        ok(app.log().includes("shutting down"), "a clean shutdown is logged");
      } finally {
        await app.dispose();
      }
    },
  }),
);
