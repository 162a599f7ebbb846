/**
 * `deno task build`: builds the static site from the current marts, offline.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { buildSite } from "./build.ts";

const USAGE = `usage: deno task build [--output DIR] [--verbose]

Builds the Observable Framework site from the marts in DATA_DIR (default ./data), with the network denied.

  --output DIR   where the site goes (default: DATA_DIR/site)
  --verbose      print Framework's log even when the build succeeds
  --help         this text`;

function parse() {
  try {
    return parseArgs({
      args: Deno.args,
      options: {
        output: { type: "string" },
        verbose: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    Deno.exit(2);
  }
}

const values = parse();

if (values.help) {
  console.log(USAGE);
  Deno.exit(0);
}

let config;
try {
  config = loadConfig();
} catch (error) {
  console.error((error as Error).message);
  Deno.exit(2);
}
const result = await buildSite(config, { outputDir: values.output });
if (!result.ok || values.verbose) console.error(result.log);
if (!result.ok) {
  console.error(
    `site build FAILED after ${result.seconds.toFixed(1)} s; the previous site in ${result.outputDir} is kept`,
  );
  Deno.exit(1);
}
console.log(`site built in ${result.seconds.toFixed(1)} s: ${result.outputDir}`);
