/**
 * `deno task validate FILE`: runs an upload's ingest on a file without storing or publishing anything, and
 * prints the summary JSON the upload API would answer with. Exit code 0 when every row was accepted, 1 when
 * some were rejected, 2 when the file cannot be read at all.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { loadConfig } from "../config.ts";
import { UploadError } from "./errors.ts";
import { ingestCsv } from "./ingest.ts";

const HELP = `Usage: deno task validate [--date-order DMY|MDY] FILE

Checks a ticket CSV exactly as an upload would (header, every row, dates) and prints the summary as JSON:
received, accepted, rejected, errors (line, column, value, reason), warnings and the date order used.
Nothing is stored. Exit code: 0 all rows accepted, 1 some rejected, 2 the file cannot be used.`;

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { "date-order": { type: "string" }, help: { type: "boolean", short: "h" } },
    allowPositionals: true,
  });
  if (values.help || positionals.length !== 1) {
    console.log(HELP);
    Deno.exit(values.help ? 0 : 2);
  }
  const order = values["date-order"]?.toUpperCase();
  if (order !== undefined && order !== "DMY" && order !== "MDY") {
    console.error(`--date-order must be DMY or MDY, got "${order}"`);
    Deno.exit(2);
  }
  try {
    const file = await Deno.open(positionals[0]);
    const summary = await ingestCsv(file.readable, {
      batchSize: loadConfig().batchSize,
      dateOrder: order as "DMY" | "MDY" | undefined,
      onBatch: () => {},
    });
    console.log(JSON.stringify(summary, null, 2));
    Deno.exit(summary.rejected > 0 ? 1 : 0);
  } catch (error) {
    if (error instanceof UploadError || error instanceof Deno.errors.NotFound) {
      console.error(JSON.stringify({ error: error.message, ...(error as UploadError).details }, null, 2));
      Deno.exit(2);
    }
    throw error;
  }
}
