/**
 * `deno task env:example`: writes `.env.example` from the settings a deployment must set (`src/config.ts`).
 *
 * @module
 */
import { commandLine, runCommand } from "../src/cli.ts";
import { envExample } from "../src/config.ts";

const HELP = `Usage: deno task env:example

Writes .env.example (the settings docker compose needs in .env, with example values to change) from src/config.ts.`;

runCommand(async () => {
  commandLine(HELP, {});
  const path = new URL("../.env.example", import.meta.url);
  await Deno.writeTextFile(path, envExample());
  console.log(`wrote ${path.pathname}`);
});
