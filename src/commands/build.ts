/**
 * `deno task build`: builds the static site from the current marts, offline.
 *
 * @module
 */
import { commandLine, runCommand } from "../cli.ts";
import { loadConfig } from "../config.ts";
import { buildSite } from "../site/build.ts";

const HELP = `Usage: deno task build [--output DIR] [--verbose]

Builds the Observable Framework site from the marts in DATA_DIR (default ./data), with the network denied.

Options:
  --output DIR   where the site goes (default: DATA_DIR/site)
  --verbose      print Framework's log even when the build succeeds
  -h, --help     this help`;

async function main(): Promise<number> {
  const { values } = commandLine(HELP, {
    output: { type: "string" },
    verbose: { type: "boolean", default: false },
  });
  const result = await buildSite(loadConfig(), { outputDir: values.output });
  if (!result.ok || values.verbose) console.error(result.log);
  if (!result.ok) {
    console.error(
      `site build FAILED after ${result.seconds.toFixed(1)} s; the previous site in ${result.outputDir} is kept`,
    );
    return 1;
  }
  console.log(`site built in ${result.seconds.toFixed(1)} s: ${result.outputDir}`);
  return 0;
}

if (import.meta.main) runCommand(main);
