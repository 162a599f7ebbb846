/**
 * `deno task upload FILE`: sends a CSV to a running app's upload API, as the web form does, and prints the
 * answer. Optionally waits until every accepted ticket is scored and the marts are refreshed.
 *
 * @module
 */
import { basename } from "node:path";
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { appUrl, fetchApp } from "../web/client.ts";
import { postCsvFile, waitForUpload } from "./upload_client.ts";

const HELP = `Usage: deno task upload [--url URL] [--date-order DMY|MDY] [--wait] FILE

Uploads a ticket CSV to the app (default http://localhost:$PORT, PORT defaulting to 8000) and prints the
summary JSON. With --wait, also waits until every accepted ticket is scored, then refreshes the marts and the
site. Exit code: 0 uploaded with no rejected rows, 1 uploaded with rejected rows, 2 refused or failed.

Environment: AUTH_TOKEN, when the app asks for a token (the first one is sent), and PORT.`;

async function main(): Promise<number> {
  const { values, positionals } = commandLine(HELP, {
    url: { type: "string" },
    "date-order": { type: "string" },
    wait: { type: "boolean" },
  }, { positionals: true });
  if (positionals.length !== 1) throw new UsageError(`give one CSV file\n\n${HELP}`);
  const base = appUrl(values.url);
  const path = positionals[0];
  const query = values["date-order"] ? `?date_order=${encodeURIComponent(values["date-order"])}` : "";
  const started = performance.now();
  const response = await postCsvFile(`${base}/api/uploads${query}`, path, {
    "x-filename": encodeURIComponent(basename(path)),
  });
  const answer = response.json;
  console.log(JSON.stringify(answer, null, 2));
  if (response.status === 401) throw new UsageError("the app asks for a token: set AUTH_TOKEN to one of its tokens");
  if (response.status !== 201) return 2;
  console.error(`uploaded ${response.bytes} bytes in ${((performance.now() - started) / 1000).toFixed(2)} s`);
  if (values.wait) {
    await waitForUpload(base, answer.upload_id, {
      onProgress: (status) => console.error(`scored ${status.scored} of ${status.tickets ?? status.accepted}`),
    });
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
  return answer.rejected > 0 ? 1 : 0;
}

if (import.meta.main) runCommand(main);
