/**
 * `deno task upload FILE`: sends a CSV to a running app's upload API, as the web form does, and prints the
 * answer. Optionally waits until every accepted ticket is scored and the marts are refreshed.
 *
 * @module
 */
import { basename } from "node:path";
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { appUrl, fetchApp } from "../client/app.ts";
import { UploadError } from "../ingest/errors.ts";
import { MAPPING_NAME } from "../ingest/mapping.ts";
import { mappingOfOption } from "../ingest/presets.ts";
import { postCsvFile, waitForUpload } from "../client/upload.ts";

const HELP = `Usage: deno task upload [--url URL] [--mapping M] [--date-order DMY|MDY] [--wait] FILE

Uploads a ticket CSV to the app (default http://localhost:$PORT, PORT defaulting to 8000) and prints the
summary JSON. With --wait, also waits until every accepted ticket is scored and stored (or dead-lettered: a
ticket the scorer or the store could not use, with its reason), then refreshes the marts and the site. Exit code:
0 uploaded with no rejected rows, 1 uploaded with rejected rows or dead-lettered tickets, 2 refused or failed.

Options:
  --mapping M         how the file names its columns: a preset (bundled, zendesk, freshdesk, jira), a mapping
                      saved in the app, or a mapping file (JSON or YAML; saved in the app under its name first).
                      Default: the app recognises the export from its header.
  --date-order ORDER  DMY or MDY: read numeric dates in this order instead of inferring it
  --wait              wait until every ticket is scored, then refresh the marts and the site

Environment: AUTH_TOKEN, when the app asks for a token (the first one is sent), and PORT.`;

/**
 * The name under which the app knows the mapping `option`: a file is checked here, then saved in the app
 * (`PUT /api/mappings/NAME`); anything else is taken as the name of a preset or of a mapping the app has.
 */
async function mappingInApp(base: string, option: string): Promise<string> {
  let text: string;
  try {
    text = await Deno.readTextFile(option);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound && MAPPING_NAME.test(option)) return option;
    throw new UsageError(`--mapping ${option}: not a mapping file, nor a mapping's name`);
  }
  let name: string;
  try {
    name = (await mappingOfOption(option)).name;
  } catch (error) {
    if (error instanceof UploadError) throw new UsageError(`--mapping ${option}: ${error.message}`);
    throw error;
  }
  const response = await fetchApp(`${base}/api/mappings/${encodeURIComponent(name)}`, {
    method: "PUT",
    headers: { "content-type": "text/plain; charset=utf-8" },
    body: text,
  });
  const answer = await response.json();
  if (!response.ok) {
    throw new UsageError(`--mapping ${option}: the app refused it (${response.status}): ${answer.error}`);
  }
  console.error(`mapping ${name} saved in the app`);
  return name;
}

async function main(): Promise<number> {
  const { values, positionals } = commandLine(HELP, {
    url: { type: "string" },
    "date-order": { type: "string" },
    mapping: { type: "string" },
    wait: { type: "boolean" },
  }, { positionals: true });
  if (positionals.length !== 1) throw new UsageError(`give one CSV file\n\n${HELP}`);
  const base = appUrl(values.url);
  const path = positionals[0];
  const query = new URLSearchParams();
  if (values["date-order"]) query.set("date_order", values["date-order"]);
  if (values.mapping) query.set("mapping", await mappingInApp(base, values.mapping));
  const started = performance.now();
  const response = await postCsvFile(`${base}/api/uploads${query.size > 0 ? `?${query}` : ""}`, path, {
    "x-filename": encodeURIComponent(basename(path)),
  });
  const answer = response.json;
  console.log(JSON.stringify(answer, null, 2));
  if (response.status === 401) throw new UsageError("the app asks for a token: set AUTH_TOKEN to one of its tokens");
  if (response.status !== 201) return 2;
  console.error(`uploaded ${response.bytes} bytes in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  let deadLettered = 0;
  if (values.wait) {
    const done = await waitForUpload(base, answer.upload_id, {
      onProgress: (status) => console.error(`scored ${status.scored} of ${status.tickets ?? status.accepted}`),
    });
    deadLettered = done.dead_lettered ?? 0;
    if (deadLettered > 0) {
      console.error(
        `${deadLettered} ticket(s) could not be scored or stored and were dead-lettered; the server log says why`,
      );
    }
    const refresh = await fetchApp(`${base}/api/marts/refresh`, { method: "POST" });
    const report = await refresh.json();
    console.error(
      `marts and site refreshed (${refresh.status}) after ${((performance.now() - started) / 1000).toFixed(2)} s`,
    );
    if (!refresh.ok) {
      console.error(JSON.stringify(report, null, 2));
      return 2;
    }
  }
  return answer.rejected > 0 || deadLettered > 0 ? 1 : 0;
}

if (import.meta.main) runCommand(main);
