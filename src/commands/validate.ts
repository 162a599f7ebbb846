/**
 * `deno task validate FILE`: runs an upload's ingest on a file without storing or publishing anything, and
 * prints the summary JSON the upload API would answer with. Exit code 0 when every row was accepted, 1 when
 * some were rejected, 2 when the file cannot be read at all.
 *
 * @module
 */
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { loadConfig } from "../config.ts";
import { UploadError } from "../ingest/errors.ts";
import { ingestCsv } from "../ingest/ingest.ts";
import { mappingOfOption } from "../ingest/presets.ts";

const HELP = `Usage: deno task validate [--mapping M] [--date-order DMY|MDY] FILE

Checks a ticket CSV exactly as an upload would (header, every row, dates) and prints the summary as JSON:
received, accepted, rejected, errors (line, column, value, reason), warnings, the mapping and date order used,
and the columns missing, ignored and dropped as personal data. Nothing is stored. Exit code: 0 all rows
accepted, 1 some rejected, 2 the file (or the mapping) cannot be used.

Options:
  --mapping M         how the file names its columns: a preset (bundled, zendesk, freshdesk, jira) or a mapping
                      file (JSON or YAML). Default: recognised from the header.
  --date-order ORDER  DMY or MDY: read numeric dates in this order instead of inferring it`;

async function main(): Promise<number> {
  const { values, positionals } = commandLine(HELP, {
    "date-order": { type: "string" },
    mapping: { type: "string" },
  }, { positionals: true });
  if (positionals.length !== 1) throw new UsageError(`give one CSV file\n\n${HELP}`);
  const order = values["date-order"]?.toUpperCase();
  if (order !== undefined && order !== "DMY" && order !== "MDY") {
    throw new UsageError(`--date-order must be DMY or MDY, got "${order}"`);
  }
  try {
    const mapping = values.mapping === undefined ? undefined : await mappingOfOption(values.mapping);
    const file = await Deno.open(positionals[0]);
    const summary = await ingestCsv(file.readable, {
      batchSize: loadConfig().batchSize,
      dateOrder: order as "DMY" | "MDY" | undefined,
      mapping,
      onBatch: () => {},
    });
    console.log(JSON.stringify(summary, null, 2));
    return summary.rejected > 0 ? 1 : 0;
  } catch (error) {
    if (error instanceof UploadError || error instanceof Deno.errors.NotFound) {
      console.error(JSON.stringify({ error: error.message, ...(error as UploadError).details }, null, 2));
      return 2;
    }
    throw error;
  }
}

if (import.meta.main) runCommand(main);
