/**
 * The running app writes only under its data directory (and the system's temporary folder): `deno task start` runs
 * on a read-only view of the project folder, takes an upload, refreshes marts and site, and serves the dashboards.
 */
import { equal, ok } from "node:assert/strict";
import { refreshMarts, upload } from "../scripts/harness/app.ts";
import { needing } from "../scripts/means.ts";
import { EXCEL_SAMPLE } from "../scripts/samples/paths.ts";
import { startTask } from "../scripts/harness/task_start.ts";

Deno.test(
  await needing(["readOnlyMount"], {
    name: "the app runs, takes an upload and rebuilds marts and site with the project folder read-only",
    fn: async () => {
      const app = await startTask({}, { readOnlyRoot: true });
      try {
        await app.ready();
        const sent = await upload(app.base, await Deno.readFile(EXCEL_SAMPLE));
        equal(sent.status, 201, JSON.stringify(sent.json));
        equal(sent.json.accepted, 8469);
        const report = await refreshMarts(app.base);
        ok(report.site.ok, "the site was rebuilt");
        const home = await fetch(`${app.base}/`);
        equal(home.status, 200);
        ok((await home.text()).includes("kpi-tickets"));
        ok(!/Read-only file system|EROFS/i.test(app.log()), "nothing tried to write into the project folder");
        equal((await app.stop()).code, 0);
      } finally {
        await app.dispose();
      }
    },
  }),
);
