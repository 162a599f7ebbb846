/**
 * A mart is one SQL file: in a copy of the project, adding `sql/marts/mart_x.sql` and a page that attaches
 * `data/marts/mart_x.json` is all it takes for the API to serve the mart, the site to build its data file and the page,
 * and the data tests to pass. Nothing else is edited.
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { cp } from "node:fs/promises";
import { join } from "node:path";
import { refreshMarts, upload } from "../scripts/harness/app.ts";
import { assertRendered } from "./support/browser.ts";
import { needing } from "../scripts/means.ts";
import { EXCEL_SAMPLE } from "../scripts/samples/paths.ts";
import { startTask } from "../scripts/harness/task_start.ts";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
/** What the app needs of the project to run; node_modules is linked, not copied. */
const PROJECT_FILES = ["deno.json", "deno.lock", "observablehq.config.ts", "src", "sql", "pages", "loaders", "models"];

Deno.test(
  await needing(["chromium"], {
    name: "a new mart is one SQL file: the API serves it, the site builds it, its page shows it, data tests pass",
    fn: async () => {
      const copy = await Deno.makeTempDir({ prefix: "triage-new-mart-" });
      try {
        for (const file of PROJECT_FILES) {
          await cp(join(ROOT, file), join(copy, file), {
            recursive: true,
            filter: (source) => !source.includes("/.observablehq"),
          });
        }
        await Deno.symlink(join(ROOT, "node_modules"), join(copy, "node_modules"));
        await Deno.writeTextFile(
          join(copy, "sql/marts/mart_x.sql"),
          "-- A trial mart: tickets per channel and status.\n" +
            "SELECT ticket_channel, ticket_status, count(*) AS tickets FROM stg_tickets GROUP BY ALL ORDER BY ALL",
        );
        await Deno.writeTextFile(
          join(copy, "pages/x.md"),
          '# Trial\n\n```js\nconst rows = await FileAttachment("data/marts/mart_x.json").json();\n```\n\n' +
            '<p id="x-rows">${rows.length}</p>\n',
        );

        const app = await startTask({}, { root: copy });
        try {
          await app.ready();
          equal((await upload(app.base, await Deno.readFile(EXCEL_SAMPLE))).status, 201);
          const report = await refreshMarts(app.base);
          deepStrictEqual(report.marts.tests_failed, [], "every data test passes");
          ok(report.marts.tests_passed > 0);
          equal(report.marts.rows.mart_x, 12);

          const { rows } = await (await fetch(`${app.base}/api/marts/mart_x`)).json();
          equal(rows.length, 12, "4 channels × 3 statuses");
          equal(rows.reduce((sum: number, r: { tickets: number }) => sum + r.tickets, 0), 8469);

          const page = await fetch(`${app.base}/x`);
          equal(page.status, 200);
          const html = await page.text();
          const dataFile = /\.\/_file\/data\/marts\/mart_x\.[0-9a-f]+\.json/.exec(html)?.[0];
          ok(dataFile, "the page attaches the mart's data file");
          const data = await (await fetch(`${app.base}/${dataFile.slice(2)}`)).json();
          equal(data.length, 12);
          await assertRendered(`${app.base}/x`, "#x-rows", "12"); // the page shows the mart's rows
          equal((await app.stop()).code, 0);
        } finally {
          await app.dispose();
        }
      } finally {
        await Deno.remove(copy, { recursive: true });
      }
    },
  }),
);
