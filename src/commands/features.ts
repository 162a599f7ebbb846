/**
 * `deno task features`: writes the training matrix of some ticket CSV files (see `matrix.ts`), for running
 * `models/train.py` by hand. `deno task train` does this step itself.
 *
 * @module
 */
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { FEATURE_SPEC_VERSION } from "../score/features.ts";
import { PRIORITIES } from "../ticket/schema.ts";
import { matrixInput, writeMatrixOfFiles } from "../train/matrix.ts";

const HELP = `Usage: deno task features --out MATRIX.csv FILE.csv [FILE.csv ...]

Writes the training matrix for models/train.py: one row per labelled ticket, the columns of the feature spec
(src/score/features.ts, ${FEATURE_SPEC_VERSION}, with the vocabularies of these tickets) then 'label' (class index:
${PRIORITIES.map((p, i) => `${i}=${p}`).join(", ")}). Unlabelled tickets are skipped. Also writes MATRIX.csv.meta.json
(the feature names and vocabularies the model will carry).

Options:
  --out PATH          where to write the matrix (required)
  --mapping M         how the files name their columns: a preset (bundled, zendesk, freshdesk, jira) or a
                      mapping file (JSON or YAML); default: recognised from each file's header
  --date-order ORDER  DMY or MDY: read numeric dates in this order instead of inferring it per file
  -h, --help          this help`;

async function main(): Promise<number> {
  const { values, positionals } = commandLine(HELP, {
    out: { type: "string" },
    "date-order": { type: "string" },
    mapping: { type: "string" },
  }, { positionals: true });
  if (!values.out) throw new UsageError(`--out is required\n\n${HELP}`);
  const input = await matrixInput(positionals, values["date-order"], values.mapping);
  if (typeof input === "string") throw new UsageError(`${input}\n\n${HELP}`);
  const started = performance.now();
  const log = (line: string) => console.error(line);
  const sources = input.files.map((p) => p.replace(/^.*[\\/]/, ""));
  const summary = await writeMatrixOfFiles(input, values.out, sources, log);
  const counts = PRIORITIES.map((p) => `${p} ${summary.labelCounts[p]}`).join(", ");
  log(
    `features: wrote ${summary.rows} rows x ${summary.features} features to ${summary.path} in ` +
      `${
        ((performance.now() - started) / 1000).toFixed(1)
      }s (${counts}; ${summary.skippedUnlabelled} unlabelled skipped)`,
  );
  if (summary.rows === 0) {
    log("features: error: no labelled tickets, nothing to train on");
    return 1;
  }
  return 0;
}

if (import.meta.main) runCommand(main);
