/**
 * Driving Debian's Chromium with `playwright-core` (Playwright's own browser download does not work here), and
 * watching what a page does: every request it makes, console errors, uncaught exceptions, failed or refused
 * responses, and the bytes of JavaScript and data it loads.
 *
 * @module
 */
import { deepEqual } from "node:assert/strict";
import { type Browser, chromium, type Page, type Response } from "playwright-core";
import { CHROMIUM, CHROMIUM_FLAGS } from "../../scripts/chromium.ts";
import type { StartedApp } from "../../scripts/harness/task_start.ts";

// The function given to waitForFunction runs in the browser; its global is declared for this module only (a DOM
// lib reference would leak into every module type-checked with this one).
declare const document: {
  querySelector(selector: string): { textContent: string | null } | null;
  fonts: { ready: Promise<unknown> };
};
declare const requestAnimationFrame: (callback: () => void) => number;

/** The Chromium binary as an absolute path (Playwright needs one): `CHROMIUM_BIN`, or `chromium` found on PATH. */
export function chromiumPath(): string {
  if (CHROMIUM.includes("/")) return CHROMIUM;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":").filter(Boolean)) {
    const candidate = `${dir}/${CHROMIUM}`;
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* not here */ }
  }
  throw new Error(`${CHROMIUM} is not on PATH`);
}

/** Launches headless Chromium with the project's flags. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_FLAGS });
}

/** Bytes a page loaded, by kind (decoded body sizes). */
export interface LoadedBytes {
  /** JavaScript modules and scripts. */
  js: number;
  jsFiles: number;
  /** Data files (JSON: the loaders' output, and API answers). */
  data: number;
  dataFiles: number;
  css: number;
  html: number;
  other: number;
}

/** What a watched page did. */
export interface PageWatch {
  /** Every request URL, in order. */
  readonly requests: string[];
  /** Requests to anything but the app's origin (`data:` URLs are not requests to a host). */
  readonly foreign: string[];
  /** Console messages of type error, and uncaught exceptions. */
  readonly errors: string[];
  /** Requests that failed, or answered 4xx/5xx. */
  readonly failed: string[];
  /** The text of every data (JSON) response, once `bytes()` has been awaited. */
  readonly dataBodies: string[];
  /** Waits for the bodies of the responses so far, then answers the bytes by kind. */
  bytes(): Promise<LoadedBytes>;
}

function kindOf(response: Response): keyof LoadedBytes {
  const path = new URL(response.url()).pathname;
  const type = response.headers()["content-type"] ?? "";
  if (/\.m?js$/.test(path) || type.includes("javascript")) return "js";
  if (path.endsWith(".json") || type.includes("json")) return "data";
  if (path.endsWith(".css") || type.includes("css")) return "css";
  if (type.includes("html")) return "html";
  return "other";
}

/** Starts recording what `page` does; `origin` is the app's (`http://localhost:PORT`). */
export function watchPage(page: Page, origin: string): PageWatch {
  const requests: string[] = [];
  const foreign: string[] = [];
  const errors: string[] = [];
  const failed: string[] = [];
  const sizes: Promise<void>[] = [];
  const dataBodies: string[] = [];
  const bytes: LoadedBytes = { js: 0, jsFiles: 0, data: 0, dataFiles: 0, css: 0, html: 0, other: 0 };

  page.on("request", (request) => {
    const url = request.url();
    requests.push(url);
    if (!url.startsWith("data:") && new URL(url).origin !== origin) foreign.push(url);
  });
  page.on("websocket", (socket) => {
    requests.push(socket.url());
    foreign.push(socket.url()); // the built site has no socket to open, even to the app
  });
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()} (${message.location().url})`);
  });
  page.on("pageerror", (error) => errors.push(`uncaught: ${error.message}`));
  page.on("requestfailed", (request) => {
    failed.push(`${request.method()} ${request.url()}: ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) failed.push(`${response.request().method()} ${response.url()}: ${response.status()}`);
    if (response.url().startsWith("data:")) return;
    const kind = kindOf(response);
    sizes.push(
      response.body().then((body) => {
        bytes[kind] += body.byteLength;
        if (kind === "js") bytes.jsFiles++;
        if (kind === "data") {
          bytes.dataFiles++;
          dataBodies.push(new TextDecoder().decode(body));
        }
      }, () => {/* no body (redirect, aborted): nothing loaded */}),
    );
  });

  return {
    requests,
    foreign,
    errors,
    failed,
    dataBodies,
    async bytes() {
      await Promise.all(sizes);
      return { ...bytes };
    },
  };
}

/** Waits until `selector`'s text is exactly `expected` (after trimming); fails with what it was. */
export async function waitForText(page: Page, selector: string, expected: string, timeout = 30_000): Promise<void> {
  try {
    await page.waitForFunction(
      ([s, e]) => document.querySelector(s)?.textContent?.trim() === e,
      [selector, expected] as const,
      { timeout },
    );
  } catch (error) {
    const actual = await page.locator(selector).first().textContent({ timeout: 1000 }).catch(() => null);
    throw new Error(`${selector} should read "${expected}" but reads ${JSON.stringify(actual)}: ${error}`);
  }
}

/**
 * Opens `url` in a fresh headless Chromium and waits until `selector` is in the page and, when `expected` is given,
 * reads exactly that; fails with what it found. For tests that check one thing a page renders.
 */
export async function assertRendered(url: string, selector: string, expected?: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(url);
    if (expected === undefined) await page.waitForSelector(selector, { state: "attached", timeout: 30_000 });
    else await waitForText(page, selector, expected);
  } finally {
    await browser.close();
  }
}

/** "12.3 KiB". */
export function kib(bytes: number): string {
  return `${(bytes / 1024).toFixed(1)} KiB`;
}

/**
 * Fails unless the page is free of console errors, failed requests and requests to other hosts; `expected` are
 * failures the test provoked on purpose (matched against the failed request and its console message).
 */
export function assertClean(watch: PageWatch, where: string, expected: RegExp[] = []): void {
  const unexpected = (lines: readonly string[]) => lines.filter((line) => !expected.some((e) => e.test(line)));
  deepEqual(watch.foreign, [], `${where}: requests to hosts other than the app's: ${watch.foreign.join("; ")}`);
  deepEqual(
    unexpected(watch.errors),
    [],
    `${where}: console errors or uncaught exceptions: ${unexpected(watch.errors).join("; ")}`,
  );
  deepEqual(unexpected(watch.failed), [], `${where}: failed requests: ${unexpected(watch.failed).join("; ")}`);
}

/**
 * Opens a page in a fresh context (so nothing comes from a cache), watched from the first request, in the light
 * theme unless told otherwise.
 */
export async function openPage(
  browser: Browser,
  app: StartedApp,
  path: string,
  viewport: { width: number; height: number },
  options: { colorScheme?: "light" | "dark" } = {},
): Promise<{ page: Page; watch: PageWatch; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport, colorScheme: options.colorScheme ?? "light" });
  const page = await context.newPage();
  const watch = watchPage(page, app.base);
  await page.goto(`${app.base}${path}`, { waitUntil: "networkidle" });
  await settle(page);
  return { page, watch, close: () => context.close() };
}

/** Waits until Framework has rendered every cell (no loading placeholders left) and fonts and layout are done. */
export async function settle(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.querySelector("observablehq-loading"), undefined, { timeout: 20_000 });
  await page.evaluate(() =>
    document.fonts.ready.then(() => new Promise<void>((r) => requestAnimationFrame(() => r())))
  );
}
