/**
 * Which Chromium the browser tests launch, and with which flags. Debian's `chromium`; Playwright's own browser
 * download does not work here.
 *
 * @module
 */

/** The Chromium binary, from `CHROMIUM_BIN` or the PATH. */
export const CHROMIUM = Deno.env.get("CHROMIUM_BIN") ?? "chromium";

/** Flags for a quiet, sandbox-free, offline-friendly headless run (as root in CI). */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-quic",
];
