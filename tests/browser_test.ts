/**
 * The two screens people use, in headless Chromium (Debian's, driven by playwright-core), against the app as
 * `deno task start` runs it:
 *
 * - the Excel export uploaded through the upload page's file input: the progress bar appears and moves, the counts
 *   show, the page waits for scoring and the refresh, and its link leads to an overview counting 8,469 tickets;
 * - hostile text (script and img-onerror payloads in product, subject, ticket type, description, customer name, a
 *   rejected value and the file name) is shown as text where the field is shown, never run, and the fields that
 *   are personal (description, customer name) are shown nowhere;
 * - every page at 1280 and 390 px: no console error, no uncaught exception, no failed request, no request to any
 *   host but the app's, no sideways scrolling on a phone; full-page screenshots in `tests/.artifacts/screenshots/`;
 * - every page accessible: zero axe-core violations of WCAG 2 A and AA in both themes at 1280 and 390 px, and the
 *   triage queue worked by keyboard alone (`support/accessibility.ts`), on the same app (one start, one site build
 *   less than a test of its own);
 * - a Jira export uploaded through the form with its mapping chosen from the page's list.
 *
 * Prints, per page, the JavaScript and data (JSON) bytes it loads, and the site build time of each refresh.
 *
 * @module
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { Browser, Page } from "playwright-core";
import {
  assertClean,
  kib,
  launchChromium,
  type LoadedBytes,
  openPage,
  settle,
  waitForText,
  watchPage,
} from "./support/browser.ts";
import { HOSTILE, hostileCsv, NEVER_SHOWN } from "./support/hostile.ts";
import { auditEveryPage, keyboardQueue } from "./support/accessibility.ts";
import { needing } from "../scripts/means.ts";
import { EXCEL_SAMPLE, ISO_SAMPLE, JIRA_SAMPLE } from "../scripts/samples/paths.ts";
import { type StartedApp, startTask } from "../scripts/harness/task_start.ts";
import config from "../observablehq.config.ts";
import { fileURLToPath } from "node:url";

// Functions passed to page.evaluate / waitForFunction / addInitScript run in the browser. This file is type-checked
// with Deno's libraries only (a DOM lib reference would leak into every module checked with it), so the browser
// globals they use are declared here, for this module only.
// deno-lint-ignore no-explicit-any
type InPage = any;
declare const document: InPage;
declare const window: InPage;
declare const innerWidth: number;
declare const requestAnimationFrame: (callback: () => void) => number;
declare const MutationObserver: InPage;
declare const DataTransfer: InPage;
declare const File: InPage;

const SCREENSHOTS = new URL(".artifacts/screenshots/", import.meta.url);

const DESKTOP = { width: 1280, height: 800 };
const MOBILE = { width: 390, height: 844 };

/** Every page of the site, as the site's navigation lists them. */
const PAGES = config.pages.map(({ path }) => ({ path, name: path === "/" ? "overview" : path.slice(1) }));

/** The Model page's card has a row of out-of-fold figures for each priority, in class order. */
async function assertPerPriorityFigures(page: Page, where: string): Promise<void> {
  const rows = page.locator("#model-per-class tbody tr");
  await rows.first().waitFor({ timeout: 30_000 });
  const priorities = (await rows.locator("td:first-child").allTextContents()).map((c) => c.trim());
  deepEqual(priorities, ["Low", "Medium", "High", "Critical"], `${where}: per-priority figures`);
  const f1 = (await rows.locator("td:last-child").allTextContents()).map((c) => c.trim());
  ok(f1.every((v) => /^\d+(\.\d+)?%$/.test(v)), `${where}: each priority's F1 is a percentage: ${f1.join(", ")}`);
}

/** The Model page previews what promoting a version would change, from the open tickets, on a click. */
async function assertPreview(page: Page): Promise<void> {
  await page.locator("#model-preview-run").click();
  await page.waitForFunction(
    () => /open tickets would change priority/.test(document.getElementById("model-preview-result")?.textContent ?? ""),
    undefined,
    { timeout: 60_000 },
  );
  const text = await page.locator("#model-preview-result").textContent() ?? "";
  ok(/^\d[\d,]* of [\d,]+ open tickets would change priority/.test(text), text);
}

/** Records the upload progress bar's states (hidden, value; null value = indeterminate) as they change. */
function recordProgress(): void {
  const states: { hidden: boolean; value: number | null }[] = [];
  Object.assign(window, { __progressStates: states });
  new MutationObserver(() => {
    const bar = document.getElementById("upload-progress");
    if (!bar) return;
    const state = { hidden: bar.hidden === true, value: bar.hasAttribute("value") ? bar.value : null };
    const last = states.at(-1);
    if (!last || last.hidden !== state.hidden || last.value !== state.value) states.push(state);
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ["value", "hidden"] });
}

/** Fails if any payload ran or became an element, or if a personal field shows up anywhere in the page. */
async function assertHarmless(page: Page, where: string): Promise<void> {
  const found = await page.evaluate(() => ({
    pwned: window.__pwned,
    scripts: [...document.scripts].filter((s) => s.textContent?.includes("__pwned")).length,
    images: [...document.querySelectorAll("img, image")].filter((i) => /^x$/.test(i.getAttribute("src") ?? ""))
      .length,
    handlers:
      [...document.querySelectorAll("*")].filter((e) =>
        [...e.attributes].some((a) => a.name.startsWith("on") && a.value.includes("__pwned"))
      ).length,
  }));
  deepEqual(found, { pwned: undefined, scripts: 0, images: 0, handlers: 0 }, `${where}: a payload ran or became HTML`);
  const html = await page.content();
  for (const marker of NEVER_SHOWN) ok(!html.includes(marker), `${where}: "${marker}" must not be in the page`);
}

/** Fails unless some element matching `selector` is visible and has exactly `text` as its text. */
async function assertShownAsText(page: Page, selector: string, text: string, where: string): Promise<void> {
  const locator = page.locator(selector).filter({ hasText: text });
  const texts = await locator.allTextContents();
  ok(texts.some((t) => t.trim() === text), `${where}: ${selector} should show ${JSON.stringify(text)} as text`);
  ok(await locator.first().isVisible(), `${where}: ${JSON.stringify(text)} should be visible`);
}

/** Fails if the page scrolls sideways (wide tables scroll inside their own box instead). */
async function assertFitsWidth(page: Page, where: string): Promise<void> {
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - innerWidth);
  ok(overflow <= 0, `${where}: the page scrolls sideways by ${overflow} px`);
}

/** Page-specific checks that the hostile values are on screen as text. */
async function assertHostileShown(page: Page, name: string): Promise<void> {
  const where = `${name} page`;
  if (name === "products") {
    // Sort the table by product: "<" sorts before letters, so the hostile products come first.
    const every = page.getByRole("region", { name: "Every product" });
    const header = every.locator("table th", { hasText: /^Product$/ });
    await header.click();
    const first = () => every.locator("table tbody tr td:nth-child(3)").first().textContent();
    if (!(await first())?.startsWith("<")) await header.click();
    ok((await first())?.startsWith("<"), `${where}: sorting by product puts the hostile products first`);
    await assertShownAsText(page, "table td", HOSTILE.productScript, where);
    await assertShownAsText(page, "table td", HOSTILE.productImg, where);
  } else if (name === "open-tickets") {
    await page.locator("input[type=search]").fill("hostile");
    await page.waitForFunction(() => document.querySelectorAll("table tbody tr").length === 2);
    for (const text of [HOSTILE.productScript, HOSTILE.productImg, HOSTILE.subjectScript, HOSTILE.subjectImg]) {
      await assertShownAsText(page, "table td", text, where);
    }
    await assertShownAsText(page, "table td", HOSTILE.ticketType, where);
  } else if (name === "distributions") {
    // Long category names on a chart axis are cut short ("…"; the whole name is in the tip): the shown start of
    // the payload must be text, at least the first 14 characters of it.
    const texts = (await page.locator("svg text").allTextContents()).map((t) => t.trim());
    const shown = texts.find((t) =>
      t === HOSTILE.ticketType || (t.endsWith("…") && t.length > 14 && HOSTILE.ticketType.startsWith(t.slice(0, -1)))
    );
    ok(shown, `${where}: the ticket type chart names the hostile type as text; it has ${JSON.stringify(texts)}`);
    ok(await page.locator("svg text").filter({ hasText: shown }).first().isVisible(), `${where}: visible`);
  } else if (name === "customers") {
    const options = await page.locator("select option").allTextContents();
    ok(options.includes(HOSTILE.ticketType), `${where}: the ticket type filter lists the hostile type as text`);
  }
}

async function screenshot(page: Page, file: string): Promise<void> {
  await page.screenshot({ path: fileURLToPath(new URL(file, SCREENSHOTS)), fullPage: true });
}

/** The site build seconds from the page's own POST /api/marts/refresh. */
async function refreshReport(page: Page, app: StartedApp) {
  const response = await page.waitForResponse(
    (r) => r.url() === `${app.base}/api/marts/refresh` && r.request().method() === "POST",
    { timeout: 180_000 },
  );
  equal(response.status(), 200, `the refresh: ${(await response.text()).slice(0, 1000)}`);
  return await response.json() as { marts: { seconds: number }; site: { seconds: number } };
}

Deno.test(
  await needing(["chromium"], {
    name:
      "browser: upload through the form, every page clean, offline and accessible, hostile text stays text, queue by keyboard",
    // Playwright keeps a pipe to the browser and timers of its own; the browser is closed in `finally`.
    sanitizeOps: false,
    sanitizeResources: false,
    async fn(t) {
      const started = performance.now();
      await Deno.mkdir(SCREENSHOTS, { recursive: true });
      const app = await startTask();
      let browser: Browser | null = null;
      const siteSeconds: string[] = [];
      const bytesPerPage: [string, LoadedBytes, number][] = [];
      try {
        browser = await launchChromium();
        await app.ready();
        const chromium = browser;

        const uploaded = await t.step(
          "upload the Excel export through the form, then the overview counts it",
          async () => {
            const context = await chromium.newContext({ viewport: DESKTOP });
            try {
              await context.addInitScript(recordProgress);
              const page = await context.newPage();
              const watch = watchPage(page, app.base);
              await page.goto(`${app.base}/upload`, { waitUntil: "networkidle" });
              await settle(page);
              // Slow the upload down to 1 MB/s so the bar is seen moving while the file is sent.
              const cdp = await context.newCDPSession(page);
              await cdp.send("Network.enable");
              await cdp.send("Network.emulateNetworkConditions", {
                offline: false,
                latency: 0,
                downloadThroughput: -1,
                uploadThroughput: 1_000_000,
              });
              const refreshed = refreshReport(page, app);
              refreshed.catch(() => {}); // awaited below; an earlier failure must not leave it unhandled
              await page.setInputFiles("#upload-file", EXCEL_SAMPLE);
              await page.waitForSelector("#upload-progress:not([hidden])", { timeout: 10_000 });
              await page.waitForFunction(() => {
                const bar = document.getElementById("upload-progress");
                return bar.value > 0.2;
              });
              await screenshot(page, "upload-progress-desktop.png");
              await waitForText(page, "#upload-accepted", "8,469", 60_000);
              await waitForText(page, "#upload-received", "8,469");
              await waitForText(page, "#upload-rejected-count", "0");
              const report = await refreshed;
              siteSeconds.push(
                `8,469 tickets: site ${report.site.seconds.toFixed(2)} s (marts ${report.marts.seconds.toFixed(2)} s)`,
              );
              await page.waitForSelector("#upload-overview-link", { timeout: 30_000 });
              await screenshot(page, "upload-done-desktop.png");

              const states = await page.evaluate(() => window.__progressStates) as {
                hidden: boolean;
                value: number | null;
              }[];
              console.log(
                `progress bar states: ${
                  states.map((s) => (s.hidden ? "hidden" : s.value === null ? "busy" : s.value.toFixed(2))).join(" → ")
                }`,
              );
              const shown = states.filter((s) => !s.hidden);
              ok(shown.length > 0, "the progress bar appears");
              ok(
                shown.some((s) => s.value !== null && s.value > 0 && s.value < 1),
                "the progress bar moves between 0 and 1",
              );
              ok(shown.some((s) => s.value === null), "the progress bar shows the rebuild as work in progress");
              equal(shown.at(-1)?.value, 1, "the progress bar ends full");

              ok(
                watch.requests.some((u) => /^\/api\/uploads\/[^/]+$/.test(new URL(u).pathname)),
                "the page follows the upload's scoring (GET /api/uploads/:id)",
              );
              await page.click("#upload-overview-link");
              await page.waitForURL(`${app.base}/`);
              await settle(page);
              await waitForText(page, "#kpi-tickets", "8,469");
              assertClean(watch, "upload and overview");
            } finally {
              await context.close();
            }
          },
        );

        const hostile = await t.step(
          "hostile text on a phone: a refused drop and an upload show it as text and run none of it",
          async () => {
            const context = await chromium.newContext({ viewport: MOBILE });
            try {
              const page = await context.newPage();
              const watch = watchPage(page, app.base);
              await page.goto(`${app.base}/upload`, { waitUntil: "networkidle" });
              await settle(page);
              // Drag and drop: a file whose header is not the ticket schema (a hostile column name) is refused with
              // a 422 that names the missing columns, shown as text.
              const dropped = await page.evaluateHandle((text: string) => {
                const transfer = new DataTransfer();
                transfer.items.add(new File([text], "not-tickets.csv", { type: "text/csv" }));
                return transfer;
              }, `${HOSTILE.age},Ticket Subject\r\n1,2\r\n`);
              await page.dispatchEvent("#upload-drop", "drop", { dataTransfer: dropped });
              await page.waitForSelector("#upload-error:not([hidden])", { timeout: 10_000 });
              const refusal = (await page.textContent("#upload-error")) ?? "";
              ok(/^Upload refused \(422: The header is not one of a known export.*Ticket ID/.test(refusal), refusal);
              await assertHarmless(page, "refused drop");

              const refreshed = refreshReport(page, app);
              refreshed.catch(() => {}); // awaited below; an earlier failure must not leave it unhandled
              await page.setInputFiles("#upload-file", {
                name: HOSTILE.fileName,
                mimeType: "text/csv",
                buffer: Buffer.from(await hostileCsv()),
              });
              await waitForText(page, "#upload-received", "3", 30_000);
              await waitForText(page, "#upload-accepted", "2");
              await waitForText(page, "#upload-rejected-count", "1");
              await assertShownAsText(page, "#upload-rejected td", HOSTILE.age, "upload result");
              await assertShownAsText(page, ".upload-summary h2", HOSTILE.fileName, "upload result");
              const report = await refreshed;
              siteSeconds.push(
                `2 more tickets: site ${report.site.seconds.toFixed(2)} s (marts ${report.marts.seconds.toFixed(2)} s)`,
              );
              await page.waitForSelector("#upload-overview-link", { timeout: 30_000 });
              await assertHarmless(page, "upload result");
              await screenshot(page, "upload-hostile-result-mobile.png");
              await assertFitsWidth(page, "upload result (mobile)");
              const refused = new RegExp(`${app.base}/api/uploads\\b.*422|status of 422`);
              assertClean(watch, "hostile upload", [refused]);
            } finally {
              await context.close();
            }
          },
        );

        const overridden = await t.step(
          "an agent sets a ticket's priority in the queue; it is saved at once",
          async () => {
            const { page, watch, close } = await openPage(chromium, app, "/open-tickets", DESKTOP);
            try {
              const select = page.locator("table tbody tr select").first();
              const id = (await select.getAttribute("aria-label"))?.replace("Set the priority of ticket ", "") ?? "";
              ok(id, "each row has a labelled priority select");
              await select.selectOption("Critical");
              await page.waitForFunction(
                () => [...document.querySelectorAll(".label-status")].some((e) => e.textContent === "saved: Critical"),
              );
              const ticket = await (await fetch(`${app.base}/api/tickets/${encodeURIComponent(id)}`)).json();
              deepEqual([ticket.priority_label, ticket.label_source], ["Critical", "agent"]);
              await screenshot(page, "queue-override-desktop.png");
              assertClean(watch, "queue override");
            } finally {
              await close();
            }
          },
        );

        await t.step({
          name: "every page at 1280 and 390 px: clean, offline, hostile text shown as text only",
          ignore: !uploaded || !hostile || !overridden,
          fn: async () => {
            for (const { path, name } of PAGES) {
              for (const [viewport, label] of [[DESKTOP, "desktop"], [MOBILE, "mobile"]] as const) {
                const where = `${path} (${label})`;
                const { page, watch, close } = await openPage(chromium, app, path, viewport);
                try {
                  await screenshot(page, `${name}-${label}.png`);
                  if (name === "model") await assertPerPriorityFigures(page, where);
                  if (name === "model" && label === "desktop") await assertPreview(page);
                  await assertHostileShown(page, name);
                  await assertHarmless(page, where);
                  if (label === "mobile") await assertFitsWidth(page, where);
                  assertClean(watch, where);
                  const bytes = await watch.bytes();
                  if (label === "desktop") bytesPerPage.push([path, bytes, watch.requests.length]);
                  for (const body of watch.dataBodies) {
                    for (const marker of NEVER_SHOWN) {
                      ok(!body.includes(marker), `${where}: a data file holds "${marker}"`);
                    }
                  }
                } finally {
                  await close();
                }
              }
            }
          },
        });
        await t.step({
          name:
            "accessibility: zero axe-core violations of WCAG 2 A and AA on every page, both themes, 1280 and 390 px",
          ignore: !uploaded || !hostile,
          fn: () => auditEveryPage(chromium, app),
        });
        await t.step({
          name: "the triage queue worked by keyboard alone: moves, details, saves announced, keys list, jumps",
          ignore: !uploaded,
          fn: () => keyboardQueue(chromium, app),
        });
        await t.step({
          name: "a Jira export through the form, its mapping chosen from the list: columns read, people dropped",
          ignore: !uploaded,
          fn: async () => {
            const { page, watch, close } = await openPage(chromium, app, "/upload", DESKTOP);
            try {
              await page.waitForSelector('#upload-mapping option[value="jira"]', { state: "attached" });
              await page.selectOption("#upload-mapping", "jira");
              await page.setInputFiles("#upload-file", JIRA_SAMPLE);
              await waitForText(page, "#upload-accepted", "300", 30_000);
              await waitForText(page, "#upload-rejected-count", "0");
              const used = (await page.textContent("#upload-mapping-used")) ?? "";
              ok(used.includes("jira") && used.includes("as chosen"), used);
              const dropped = (await page.textContent("#upload-personal")) ?? "";
              ok(dropped.includes("Reporter") && dropped.includes("Assignee"), dropped);
              await page.waitForSelector("#upload-overview-link", { timeout: 60_000 });
              await screenshot(page, "upload-jira-desktop.png");
              const ticket = await (await fetch(`${app.base}/api/tickets/SUP-101`)).json();
              ok(ticket.ticket_subject?.length > 0 && ticket.model_version, JSON.stringify(ticket).slice(0, 300));
              assertClean(watch, "Jira upload");
            } finally {
              await close();
            }
          },
        });
      } finally {
        await browser?.close();
        const status = await app.stop();
        await app.dispose();
        equal(status.code, 0, "the app shuts down cleanly");
      }

      console.log(`site build after each upload's refresh: ${siteSeconds.join("; ")}`);
      console.log("bytes each page loads (fresh browser cache, 1280 px):");
      for (const [path, b, requests] of bytesPerPage) {
        console.log(
          `  ${path.padEnd(15)} JS ${kib(b.js).padStart(10)} (${b.jsFiles} files)   data ${kib(b.data).padStart(9)} ` +
            `(${b.dataFiles} files)   CSS ${kib(b.css)}   HTML ${kib(b.html)}   ${requests} requests, all to the app`,
        );
      }
      console.log(`browser test: ${((performance.now() - started) / 1000).toFixed(1)} s`);
    },
  }),
);

Deno.test(
  await needing(["chromium"], {
    name: "browser: with AUTH_TOKEN, a page sends you to sign in, and the upload form works with the session",
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const token = "browser-test-token-0123456789";
      const app = await startTask({ AUTH_TOKEN: `ana:${token}` });
      let browser: Browser | null = null;
      try {
        browser = await launchChromium();
        await app.ready();
        const context = await browser.newContext({ viewport: DESKTOP });
        const page = await context.newPage();
        const watch = watchPage(page, app.base);
        await page.goto(`${app.base}/upload`);
        equal(new URL(page.url()).pathname, "/login", "sent to sign in first");
        await page.fill("#token", "not the token, not at all");
        await page.click("button[type=submit]");
        await waitForText(page, "[role=alert]", "That token is not right.");
        await page.fill("#token", token);
        await page.click("button[type=submit]");
        await page.waitForURL(`${app.base}/upload`);
        await settle(page);
        const cookies = await context.cookies();
        const session = cookies.find((c) => c.name === "triage_session");
        ok(session?.httpOnly && session.sameSite === "Strict", "an HttpOnly, SameSite=Strict session cookie");
        const file = await Deno.makeTempFile({ suffix: ".csv" });
        await Deno.writeTextFile(file, (await Deno.readTextFile(ISO_SAMPLE)).split("\n").slice(0, 200).join("\n"));
        await page.setInputFiles("#upload-file", file);
        await waitForText(page, "#upload-accepted", "199", 60_000);
        await page.waitForSelector("#upload-overview-link", { timeout: 120_000 });
        const [upload] = (await (await fetch(`${app.base}/api/uploads`, {
          headers: { authorization: `Bearer ${token}` },
        })).json()).rows;
        deepEqual([upload.status, upload.uploaded_by], ["done", "ana"]);
        // The failed sign-in answered 401: the one request a clean page may see fail here.
        assertClean(watch, "sign-in and upload", [/\/login/]);
        await context.close();
      } finally {
        await browser?.close();
        await app.dispose();
      }
    },
  }),
);
