/**
 * The site's Observable Framework config. Built offline under Deno by `src/site/build.ts`: no Google Fonts, no
 * search, no link-out footer, and TypeScript data loaders run by Deno itself with the least permissions they need.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { loadConfig } from "./src/config.ts";

/** Where the built site goes: `SITE_OUTPUT_DIR`, default `dist` (`src/site/build.ts` sets it). */
const output = Deno.env.get("SITE_OUTPUT_DIR")?.trim() || "dist";

/** The pages: `SITE_SOURCE_DIR`, default `pages` (`src/site/build.ts` builds from a copy in the data directory). */
const root = Deno.env.get("SITE_SOURCE_DIR")?.trim() || "pages";

/**
 * How a `.ts` data loader runs: Deno with this project's import map, reading the marts (DuckDB through FFI, or
 * ClickHouse over HTTP when `CLICKHOUSE_URL` is set: network to that host only, otherwise none).
 */
function loaderCommand(): string[] {
  const { clickhouseUrl } = loadConfig();
  const net = clickhouseUrl ? `--allow-net=${new URL(clickhouseUrl).host}` : "--deny-net";
  const denoConfig = fileURLToPath(new URL("./deno.json", import.meta.url));
  return [Deno.execPath(), "run", "--quiet", "--no-prompt", "--allow-read", "--allow-env", "--allow-ffi", net]
    .concat(["--config", denoConfig]);
}

export default {
  root,
  output,
  title: "Ticket Triage",
  pages: [
    { name: "Overview", path: "/" },
    { name: "Distributions", path: "/distributions" },
    { name: "Products", path: "/products" },
    { name: "Customers", path: "/customers" },
    { name: "Triage queue", path: "/open-tickets" },
    { name: "Model", path: "/model" },
    { name: "Upload", path: "/upload" },
  ],
  home: "Ticket Triage",
  pager: false,
  search: false,
  // The default global stylesheet is Google Fonts and the default footer links out: neither, here. The Inputs
  // stylesheet is added explicitly since Inputs is imported from node_modules, not implicitly.
  globalStylesheets: ["observablehq:stdlib/inputs.css"],
  // Framework's light and dark themes by system preference, with WCAG 2 AA contrast (pages/style.css).
  style: "style.css",
  // No favicon request either (the site has none).
  head: '<meta name="color-scheme" content="light dark"><link rel="icon" href="data:,">',
  footer: "Ticket Triage: priorities predicted by the model, summarised from the marts.",
  interpreters: { ".ts": loaderCommand() },
};
