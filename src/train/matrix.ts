/**
 * The training matrix `models/train.py` learns from: tickets encoded by the one feature module
 * (`score/features.ts`, with vocabularies learned from the same tickets) and written as CSV, header = the spec's
 * feature names then `label` (the class index of `priority_label` in {@linkcode PRIORITIES} order); unlabelled
 * tickets are skipped; NaN is an empty cell. Beside it, `<matrix>.terms` holds each row's text terms for the text
 * layer (`score/text_layer.ts`), one line per row in the svmlight format (`label bucket:count ...`, buckets
 * ascending), and `<matrix>.meta.json` records the feature spec version, its names and vocabularies, so training
 * checks them and the model carries them.
 *
 * @module
 */
import type { DateOrder } from "../ingest/dates.ts";
import { UploadError } from "../ingest/errors.ts";
import type { Mapping } from "../ingest/mapping.ts";
import { mappingOfOption } from "../ingest/presets.ts";
import { readTicketFile } from "../ingest/read_file.ts";
import { basename } from "node:path";
import {
  FEATURE_SPEC_VERSION,
  FeatureSpec,
  ticketText,
  type Vocabularies,
  VocabularyCounter,
} from "../score/features.ts";
import { bucketCounts, collectTerms, TERM_BUCKETS, TERMS_PER_TICKET, termSink } from "../score/text_layer.ts";
import { PRIORITIES, type Priority, type Ticket } from "../ticket/schema.ts";

/** What {@linkcode writeMatrix} wrote. */
export interface MatrixSummary {
  /** Where the matrix is. */
  path: string;
  /** Labelled tickets written as rows. */
  rows: number;
  /** Feature columns per row (the spec's, whose vocabularies came from these tickets). */
  features: number;
  /** Tickets without a `priority_label`, not written. */
  skippedUnlabelled: number;
  /** Rows per label. */
  labelCounts: Record<Priority, number>;
}

/** The sidecar written next to a matrix as `<matrix>.meta.json`. */
export interface MatrixMeta {
  feature_spec_version: string;
  feature_names: readonly string[];
  vocabularies: Vocabularies;
  /** The terms file beside the matrix, and how many buckets its terms fall in. */
  text_terms: { file: string; buckets: number };
  classes: readonly Priority[];
  rows: number;
  label_counts: Record<Priority, number>;
  /** Where the tickets came from (file names and hashes, say). */
  sources: string[];
  created_at: string;
}

const CLASS_INDEX: ReadonlyMap<Priority, number> = new Map(PRIORITIES.map((p, i) => [p, i]));

/**
 * Encodes batches of tickets with `spec` and writes the labelled ones as a CSV matrix to `path` (plus
 * `path.meta.json`).
 *
 * @param batches tickets, in batches (an ingest reader, or arrays).
 * @param sources recorded in the sidecar.
 * @param onBatch called after each batch is written, for progress reports.
 */
export async function writeMatrix(
  path: string,
  spec: FeatureSpec,
  batches: AsyncIterable<readonly Ticket[]> | Iterable<readonly Ticket[]>,
  sources: string[],
  onBatch?: (summary: MatrixSummary) => void,
): Promise<MatrixSummary> {
  const width = spec.width;
  const summary: MatrixSummary = {
    path,
    rows: 0,
    features: spec.width,
    skippedUnlabelled: 0,
    labelCounts: Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>,
  };
  const encoder = new TextEncoder();
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  const termsFile = await Deno.open(`${path}.terms`, { write: true, create: true, truncate: true });
  const termsWriter = termsFile.writable.getWriter();
  const sink = termSink(), buckets = new Int32Array(TERMS_PER_TICKET), counts = new Int32Array(TERMS_PER_TICKET);
  try {
    await writer.write(encoder.encode([...spec.names, "label"].join(",") + "\n"));
    for await (const batch of batches) {
      const labelled = batch.filter((t) => t.priority_label !== null);
      summary.skippedUnlabelled += batch.length - labelled.length;
      const matrix = spec.featurize(labelled);
      const lines: string[] = new Array(labelled.length);
      const termLines: string[] = new Array(labelled.length);
      const cells: string[] = new Array(width + 1);
      for (let r = 0; r < labelled.length; r++) {
        for (let c = 0; c < width; c++) {
          const v = matrix[r * width + c];
          cells[c] = Number.isNaN(v) ? "" : String(v);
        }
        const label = labelled[r].priority_label!;
        cells[width] = String(CLASS_INDEX.get(label));
        summary.labelCounts[label]++;
        lines[r] = cells.join(",");
        const text = ticketText(labelled[r]);
        if (text !== null) collectTerms(text, sink);
        const n = bucketCounts(sink, buckets, counts);
        sink.count = 0;
        let line = cells[width];
        for (let i = 0; i < n; i++) line += ` ${buckets[i]}:${counts[i]}`;
        termLines[r] = line;
      }
      if (lines.length > 0) {
        await writer.write(encoder.encode(lines.join("\n") + "\n"));
        await termsWriter.write(encoder.encode(termLines.join("\n") + "\n"));
      }
      summary.rows += labelled.length;
      onBatch?.(summary);
    }
  } finally {
    await writer.close();
    await termsWriter.close();
  }
  const meta: MatrixMeta = {
    feature_spec_version: FEATURE_SPEC_VERSION,
    feature_names: spec.names,
    vocabularies: spec.vocabularies,
    text_terms: { file: `${basename(path)}.terms`, buckets: TERM_BUCKETS },
    classes: PRIORITIES,
    rows: summary.rows,
    label_counts: summary.labelCounts,
    sources,
    created_at: new Date().toISOString(),
  };
  await Deno.writeTextFile(`${path}.meta.json`, JSON.stringify(meta, null, 2) + "\n");
  return summary;
}

/** The ticket CSV files a matrix is made of, and how to read them. */
export interface MatrixInput {
  files: string[];
  dateOrder?: DateOrder;
  /** How their headers name the columns; by default each file's best-fitting preset. */
  mapping?: Mapping;
}

/**
 * Checks the options `deno task features` and `deno task train` share: files that exist, an optional
 * `--date-order` and an optional `--mapping` (a preset's name or a mapping file). Answers the input, or what is
 * wrong with it.
 */
export async function matrixInput(
  files: string[],
  dateOrderOption?: string,
  mappingOption?: string,
): Promise<MatrixInput | string> {
  const dateOrder = dateOrderOption?.toUpperCase();
  if (dateOrder !== undefined && dateOrder !== "DMY" && dateOrder !== "MDY") {
    return `--date-order must be DMY or MDY, not ${dateOrderOption}`;
  }
  if (files.length === 0) return "give at least one CSV file";
  for (const path of files) {
    try {
      if (!(await Deno.stat(path)).isFile) return `not a file: ${path}`;
    } catch {
      return `file not found: ${path}`;
    }
  }
  let mapping: Mapping | undefined;
  try {
    mapping = mappingOption === undefined ? undefined : await mappingOfOption(mappingOption);
  } catch (error) {
    if (error instanceof UploadError || error instanceof Deno.errors.NotFound) return error.message;
    throw error;
  }
  return { files, dateOrder: dateOrder as DateOrder | undefined, mapping };
}

/**
 * Writes the matrix of some ticket files to `path`, read through the same ingest as uploads, logging each file's
 * ingest summary and progress; `sources` describe the input in the sidecar. The files are read twice: once to
 * learn the vocabularies of their labelled tickets, once to encode them, so memory holds one batch either way.
 */
export async function writeMatrixOfFiles(
  input: MatrixInput,
  path: string,
  sources: string[],
  log: (line: string) => void,
): Promise<MatrixSummary> {
  async function* tickets(report: boolean): AsyncGenerator<Ticket[]> {
    for (const file of input.files) {
      yield* readTicketFile(file, {
        dateOrder: input.dateOrder,
        mapping: input.mapping,
        onSummary: (s) =>
          report && log(
            `features: ${file}: ${s.received} rows read, ${s.accepted} accepted, ${s.rejected} rejected` +
              ` (${s.mapping.name} columns, dates ${s.date_order.order}, ${s.date_order.source})`,
          ),
      });
    }
  }
  const counter = new VocabularyCounter();
  for await (const batch of tickets(false)) counter.add(batch.filter((t) => t.priority_label !== null));
  let lastReport = 0;
  return await writeMatrix(path, new FeatureSpec(counter.vocabularies()), tickets(true), sources, (s) => {
    if (s.rows - lastReport >= 50_000) {
      lastReport = s.rows;
      log(`features: ${s.rows} rows written...`);
    }
  });
}
