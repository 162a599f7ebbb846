/**
 * Headless Chromium for tests that must see a page as a person does (after its scripts ran). Uses Debian's
 * `chromium`; Playwright's own browser download does not work here.
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

/** The page's DOM after its scripts ran (up to `budgetMs` of virtual time). */
export async function renderedDom(url: string, budgetMs = 10_000): Promise<string> {
  const profile = await Deno.makeTempDir({ prefix: "chromium-profile-" });
  try {
    const out = await new Deno.Command(CHROMIUM, {
      args: [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, `--virtual-time-budget=${budgetMs}`, "--dump-dom", url],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!out.success) throw new Error(`chromium exited with ${out.code} on ${url}`);
    return new TextDecoder().decode(out.stdout);
  } finally {
    await Deno.remove(profile, { recursive: true });
  }
}
