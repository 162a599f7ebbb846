/**
 * Accessibility checks in a real browser, for the browser test: every page the site's navigation lists, audited
 * with axe-core (the engine behind browsers' own accessibility audits) against the WCAG 2 A and AA rules (2.0 and
 * 2.1) in the light and the dark theme, at 1280 and 390 px, plus the upload page showing an upload of hostile text;
 * and the triage queue worked from the keyboard alone. Screenshots land in `tests/.artifacts/screenshots/accessibility/`.
 *
 * @module
 */
import { deepEqual, equal, ok } from "node:assert/strict";
import axe from "axe-core";
import type { Browser, Page } from "playwright-core";
import config from "../../observablehq.config.ts";
import { assertClean, openPage } from "./browser.ts";
import { hostileCsv } from "./hostile.ts";
import type { StartedApp } from "../../scripts/harness/task_start.ts";
import { fileURLToPath } from "node:url";

// Functions given to page.evaluate run in the browser (axe-core injected); their globals are declared for this
// module only (a DOM lib reference would leak into every module type-checked with it).
// deno-lint-ignore no-explicit-any
type InPage = any;
declare const window: { axe: typeof axe };
declare const document: InPage;
declare const getComputedStyle: (element: InPage) => { outlineStyle: string };

/** The WCAG 2 A and AA rule sets, as axe-core tags them. */
const WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

const SCREENSHOTS = new URL("../.artifacts/screenshots/accessibility/", import.meta.url);

const WIDTHS = [{ width: 1280, height: 800 }, { width: 390, height: 844 }];
const THEMES = ["light", "dark"] as const;

/** Runs axe-core's WCAG 2 A and AA rules on the page; answers each violating element, named with `where`. */
async function audit(page: Page, where: string): Promise<string[]> {
  await page.addScriptTag({ content: axe.source });
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
    WCAG_AA,
  );
  return results.violations.flatMap((rule) =>
    rule.nodes.map((node) =>
      `${where}: ${rule.id} (${rule.impact}) at ${node.target.join(" ")}: ` +
      `${node.failureSummary?.replaceAll("\n", " ")}`
    )
  );
}

/** Where the keyboard focus is: the focused row's ticket id, or the focused element's tag and id. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const element = document.activeElement;
    const row = element?.closest("tbody tr");
    if (row && element === row) return `row ${row.querySelector("th")?.textContent}`;
    return `${element?.tagName.toLowerCase()}${element?.id ? `#${element.id}` : ""}`;
  });
}

/**
 * The queue worked from the keyboard alone: move, open, set a priority, mark reviewed, the keys list, the jumps to
 * the filters; every change is saved, announced in the live region, and the focused row shows a focus ring.
 */
export async function keyboardQueue(browser: Browser, app: StartedApp): Promise<void> {
  const { page, close } = await openPage(browser, app, "/open-tickets", WIDTHS[0]);
  try {
    const ids = await page.locator("table tbody tr th").allTextContents();
    ok(ids.length >= 3, `the queue lists tickets: ${ids.length}`);
    const announced = (text: string) =>
      page.waitForFunction((t) => document.querySelector("#queue-announce")?.textContent?.includes(t), text);
    const labelOf = async (id: string) => (await (await fetch(`${app.base}/api/tickets/${id}`)).json());

    // Tab from the page's last filter reaches the queue's first row.
    await page.locator("#queue-filters input[type=search]").focus();
    await page.keyboard.press("Tab");
    equal(await focused(page), `row ${ids[0]}`, "Tab from the filters lands on the first ticket");
    const ring = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    ok(ring !== "none", `the focused row shows a focus ring (outline ${ring})`);

    await page.keyboard.press("j");
    equal(await focused(page), `row ${ids[1]}`, "j moves down");
    await page.keyboard.press("ArrowDown");
    equal(await focused(page), `row ${ids[2]}`, "↓ moves down");
    await page.keyboard.press("k");
    equal(await focused(page), `row ${ids[1]}`, "k moves up");

    await page.keyboard.press("Enter");
    await page.waitForSelector("tr.queue-details dl");
    await announced(`Ticket ${ids[1]}: details open`);
    const opened = await page.locator("tr.queue-details").textContent() ?? "";
    ok(opened.includes("Probabilities") && opened.includes("Description"), "the details show, the description too");
    // The words behind the prediction are marked in the ticket's own text, and weighed under "Why".
    const marked = await page.locator("tr.queue-details mark").allTextContents();
    ok(marked.length > 0 && marked.every((m) => opened.includes(m)), `marked terms: ${marked.join(", ")}`);
    ok(/Why (Low|Medium|High|Critical)/.test(opened), "the details say why");
    // The tickets most like it, never itself.
    const similar = await page.locator("tr.queue-details .similar .similar-id").allTextContents();
    ok(similar.length > 0 && !similar.includes(ids[1]), `similar tickets: ${similar.join(", ")}`);
    await page.keyboard.press("Escape");
    equal(await page.locator("tr.queue-details").count(), 0, "Escape closes the details");

    await page.keyboard.press("3");
    await announced(`Ticket ${ids[1]}: priority High, saved.`);
    const set = await labelOf(ids[1]);
    deepEqual([set.priority_label, set.label_source], ["High", "agent"], "3 sets High, saved at once");

    await page.keyboard.press("ArrowDown");
    const predicted = (await labelOf(ids[2])).priority_pred;
    await page.keyboard.press("r");
    await announced(`Ticket ${ids[2]}: priority ${predicted}, saved.`);
    const reviewed = await labelOf(ids[2]);
    deepEqual(
      [reviewed.priority_label, reviewed.label_source],
      [reviewed.priority_pred, "agent"],
      "r marks reviewed: the agent confirms the predicted priority",
    );

    await page.keyboard.press("?");
    ok(await page.locator("#queue-keys").isVisible(), "? shows the keys");
    ok((await page.locator("#queue-keys").textContent())?.includes("mark reviewed"), "the keys list says what r does");
    await page.keyboard.press("?");
    ok(!(await page.locator("#queue-keys").isVisible()), "? again hides them");

    await page.keyboard.press("f");
    ok((await focused(page)).startsWith("select"), `f goes to the filters (${await focused(page)})`);
    await page.keyboard.press("Escape");
    await page.keyboard.press("/");
    equal(await page.evaluate(() => document.activeElement?.getAttribute("type")), "search", "/ goes to the search");
  } finally {
    await close();
  }
}

/**
 * Audits every page in both themes at both widths, and the upload page with an upload's result, taking a
 * screenshot of each; fails naming every violating element (page, theme, width, rule, element).
 */
export async function auditEveryPage(browser: Browser, app: StartedApp): Promise<void> {
  await Deno.mkdir(SCREENSHOTS, { recursive: true });
  const violations: string[] = [];
  let audits = 0;
  for (const { path } of config.pages) {
    for (const colorScheme of THEMES) {
      for (const viewport of WIDTHS) {
        const { page, watch, close } = await openPage(browser, app, path, viewport, { colorScheme });
        try {
          const name = path === "/" ? "overview" : path.slice(1);
          await page.screenshot({
            path: fileURLToPath(new URL(`${name}-${colorScheme}-${viewport.width}.png`, SCREENSHOTS)),
            fullPage: true,
          });
          violations.push(...await audit(page, `${path} (${colorScheme}, ${viewport.width} px)`));
          audits++;
          assertClean(watch, `${path} (${colorScheme}, ${viewport.width} px)`);
        } finally {
          await close();
        }
      }
    }
  }
  // The upload page once more, showing what an upload of hostile text answered (counts, rejected lines).
  const file = await Deno.makeTempFile({ suffix: ".csv" });
  await Deno.writeTextFile(file, await hostileCsv());
  for (const colorScheme of THEMES) {
    const { page, watch, close } = await openPage(browser, app, "/upload", WIDTHS[0], { colorScheme });
    try {
      await page.setInputFiles("#upload-file", file);
      await page.waitForSelector("#upload-rejected", { timeout: 60_000 });
      await page.screenshot({
        path: fileURLToPath(new URL(`upload-result-${colorScheme}-1280.png`, SCREENSHOTS)),
        fullPage: true,
      });
      violations.push(...await audit(page, `/upload with its result (${colorScheme}, 1280 px)`));
      audits++;
      assertClean(watch, `/upload with its result (${colorScheme})`);
    } finally {
      await close();
    }
  }
  await Deno.remove(file);
  console.log(`axe-core ${axe.version}: ${audits} audits, ${violations.length} violating elements`);
  deepEqual(violations, [], `axe-core found ${violations.length} violations:\n${violations.join("\n")}`);
}
