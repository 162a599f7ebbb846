/**
 * Writes the training matrix `models/train.py` learns from (`deno task features -- --help`): ticket CSV files are
 * read through ingest ({@linkcode readTicketFile}), encoded by the one feature module (`features.ts`), and
 * written as CSV: header = {@linkcode FEATURE_NAMES} then `label` (the class index of `priority_label` in
 * {@linkcode PRIORITIES} order); unlabelled tickets are skipped; NaN is an empty cell. A sidecar
 * `<out>.meta.json` records the feature spec version and names so training can check them.
 *
 * It also generates the synthetic "learnable" dataset (`--synthetic N --seed S`): tickets whose priority is a
 * deterministic function of their features, used to prove the training pipeline can learn.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { readTicketFile } from "../ingest/read_file.ts";
import type { DateOrder } from "../ingest/dates.ts";
import { PRIORITIES, type Priority, type Ticket } from "../ticket/schema.ts";
import {
  CHANNELS,
  FEATURE_NAMES,
  FEATURE_SPEC_VERSION,
  featurize,
  GENDERS,
  PRODUCTS,
  STATUSES,
  SUBJECTS,
  TICKET_TYPES,
} from "./features.ts";

/** What {@linkcode writeMatrix} wrote. */
export interface MatrixSummary {
  /** Where the matrix is. */
  path: string;
  /** Labelled tickets written as rows. */
  rows: number;
  /** Tickets without a `priority_label`, not written. */
  skippedUnlabelled: number;
  /** Rows per label. */
  labelCounts: Record<Priority, number>;
}

/** The sidecar written next to a matrix as `<matrix>.meta.json`. */
export interface MatrixMeta {
  feature_spec_version: string;
  feature_names: readonly string[];
  classes: readonly Priority[];
  rows: number;
  label_counts: Record<Priority, number>;
  /** Where the tickets came from (file names, or the synthetic generator and its seed). */
  sources: string[];
  created_at: string;
}

const CLASS_INDEX: ReadonlyMap<Priority, number> = new Map(PRIORITIES.map((p, i) => [p, i]));

/**
 * Encodes batches of tickets and writes the labelled ones as a CSV matrix to `path` (plus `path.meta.json`).
 *
 * @param batches tickets, in batches (an ingest reader, or arrays).
 * @param sources recorded in the sidecar.
 * @param onBatch called after each batch is written, for progress reports.
 */
export async function writeMatrix(
  path: string,
  batches: AsyncIterable<readonly Ticket[]> | Iterable<readonly Ticket[]>,
  sources: string[],
  onBatch?: (summary: MatrixSummary) => void,
): Promise<MatrixSummary> {
  const width = FEATURE_NAMES.length;
  const summary: MatrixSummary = {
    path,
    rows: 0,
    skippedUnlabelled: 0,
    labelCounts: Object.fromEntries(PRIORITIES.map((p) => [p, 0])) as Record<Priority, number>,
  };
  const encoder = new TextEncoder();
  const file = await Deno.open(path, { write: true, create: true, truncate: true });
  const writer = file.writable.getWriter();
  try {
    await writer.write(encoder.encode([...FEATURE_NAMES, "label"].join(",") + "\n"));
    for await (const batch of batches) {
      const labelled = batch.filter((t) => t.priority_label !== null);
      summary.skippedUnlabelled += batch.length - labelled.length;
      const matrix = featurize(labelled);
      const lines: string[] = new Array(labelled.length);
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
      }
      if (lines.length > 0) await writer.write(encoder.encode(lines.join("\n") + "\n"));
      summary.rows += labelled.length;
      onBatch?.(summary);
    }
  } finally {
    await writer.close();
  }
  const meta: MatrixMeta = {
    feature_spec_version: FEATURE_SPEC_VERSION,
    feature_names: FEATURE_NAMES,
    classes: PRIORITIES,
    rows: summary.rows,
    label_counts: summary.labelCounts,
    sources,
    created_at: new Date().toISOString(),
  };
  await Deno.writeTextFile(`${path}.meta.json`, JSON.stringify(meta, null, 2) + "\n");
  return summary;
}

/** A small seeded PRNG (mulberry32): the same seed always gives the same synthetic tickets. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Age band used by the synthetic rule: under 30, 30–44, 45–59, 60 and over. */
function ageBand(age: number): number {
  return age < 30 ? 0 : age < 45 ? 1 : age < 60 ? 2 : 3;
}

/**
 * The synthetic dataset's rule: priority = (type index + channel index + age band) mod 4, indices into
 * `TICKET_TYPES`, `CHANNELS` and the age bands (<30, 30–44, 45–59, ≥60). An interaction of three features, so
 * a model only scores well if it learns them jointly; every other field is noise.
 */
export function syntheticPriority(ticket: Pick<Ticket, "ticket_type" | "ticket_channel" | "customer_age">): Priority {
  const type = TICKET_TYPES.indexOf(ticket.ticket_type as typeof TICKET_TYPES[number]);
  const channel = CHANNELS.indexOf(ticket.ticket_channel as typeof CHANNELS[number]);
  if (type < 0 || channel < 0 || ticket.customer_age === null) throw new Error("not a synthetic ticket");
  return PRIORITIES[(type + channel + ageBand(ticket.customer_age)) % PRIORITIES.length];
}

/**
 * Generates `n` labelled tickets whose `priority_label` is {@linkcode syntheticPriority} of their features.
 * Deterministic for a given `seed`. Noise fields (gender, product, subject, status, description, purchase
 * date) are random, with an occasional null or unknown product so those paths are exercised too.
 */
export function syntheticTickets(n: number, seed: number): Ticket[] {
  const random = mulberry32(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)];
  const tickets: Ticket[] = [];
  for (let i = 0; i < n; i++) {
    const month = 1 + Math.floor(random() * 12);
    const ticket: Ticket = {
      ticket_id: `syn-${seed}-${i + 1}`,
      customer_age: 18 + Math.floor(random() * 53),
      customer_gender: random() < 0.02 ? null : pick(GENDERS),
      product_purchased: random() < 0.02 ? "Acme Gadget" : pick(PRODUCTS),
      date_of_purchase: `${2020 + Math.floor(random() * 2)}-${String(month).padStart(2, "0")}-15`,
      ticket_type: pick(TICKET_TYPES),
      ticket_subject: pick(SUBJECTS),
      ticket_description: "Synthetic ticket. " + "Details follow. ".repeat(Math.floor(random() * 20)),
      ticket_status: pick(STATUSES),
      resolution: null,
      priority_label: null,
      ticket_channel: pick(CHANNELS),
      first_response_at: null,
      resolved_at: null,
      satisfaction_rating: null,
    };
    ticket.priority_label = syntheticPriority(ticket);
    tickets.push(ticket);
  }
  return tickets;
}

/** Yields `items` in batches of `size`. */
export function* inBatches<T>(items: readonly T[], size = 2048): Iterable<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Yields the tickets of several CSV files in turn, reporting each file's ingest summary. */
export async function* ticketsFromFiles(
  paths: readonly string[],
  options: { dateOrder?: DateOrder; log?: (line: string) => void } = {},
): AsyncGenerator<Ticket[]> {
  for (const path of paths) {
    yield* readTicketFile(path, {
      dateOrder: options.dateOrder,
      onSummary: (s) =>
        options.log?.(
          `features: ${path}: ${s.received} rows read, ${s.accepted} accepted, ${s.rejected} rejected` +
            ` (dates ${s.date_order.order}, ${s.date_order.source})`,
        ),
    });
  }
}

const USAGE = `Usage: deno task features -- --out MATRIX.csv FILE.csv [FILE.csv ...]
       deno task features -- --out MATRIX.csv --synthetic N [--seed S]

Writes the training matrix for models/train.py: one row per labelled ticket, the columns of the feature spec
(src/score/features.ts, ${FEATURE_SPEC_VERSION}, ${FEATURE_NAMES.length} features) then 'label' (class index:
${PRIORITIES.map((p, i) => `${i}=${p}`).join(", ")}). Unlabelled tickets are skipped. Also writes MATRIX.csv.meta.json.

Options:
  --out PATH          where to write the matrix (required)
  --date-order ORDER  DMY or MDY: read numeric dates in this order instead of inferring it per file
  --synthetic N       instead of files, generate N synthetic tickets whose priority depends on
                      type x channel x age band (the learnability dataset)
  --seed S            seed for --synthetic (default 1)
  -h, --help          this help
`;

/** What a training matrix is made of: generated tickets, or CSV files read through ingest. */
export type MatrixInput =
  | { kind: "synthetic"; tickets: number; seed: number }
  | { kind: "files"; files: string[]; dateOrder?: DateOrder };

/**
 * Reads the options `deno task features` and `deno task train` share (`--synthetic N --seed S`, or files with an
 * optional `--date-order`), answering the input or what is wrong with them.
 */
export async function matrixInput(
  values: { synthetic?: string; seed?: string; "date-order"?: string },
  files: string[],
): Promise<MatrixInput | string> {
  const dateOrder = values["date-order"]?.toUpperCase();
  if (dateOrder !== undefined && dateOrder !== "DMY" && dateOrder !== "MDY") {
    return `--date-order must be DMY or MDY, not ${values["date-order"]}`;
  }
  if (values.synthetic !== undefined) {
    const tickets = Number(values.synthetic), seed = Number(values.seed ?? 1);
    if (!Number.isInteger(tickets) || tickets < 1) {
      return `--synthetic needs a positive whole number, not ${values.synthetic}`;
    }
    if (!Number.isInteger(seed)) return `--seed needs a whole number, not ${values.seed}`;
    if (files.length > 0) return "give either --synthetic or files, not both";
    return { kind: "synthetic", tickets, seed };
  }
  if (files.length === 0) return "give at least one CSV file (or --synthetic N)";
  for (const path of files) {
    try {
      if (!(await Deno.stat(path)).isFile) return `not a file: ${path}`;
    } catch {
      return `file not found: ${path}`;
    }
  }
  return { kind: "files", files, dateOrder: dateOrder as DateOrder | undefined };
}

/** Writes the matrix of an input to `path`, logging progress; `sources` describe the input in the metadata. */
export async function writeMatrixOf(
  input: MatrixInput,
  path: string,
  sources: string[],
  log: (line: string) => void,
): Promise<MatrixSummary> {
  if (input.kind === "synthetic") {
    return await writeMatrix(path, inBatches(syntheticTickets(input.tickets, input.seed)), sources);
  }
  let lastReport = 0;
  return await writeMatrix(
    path,
    ticketsFromFiles(input.files, { dateOrder: input.dateOrder, log }),
    sources,
    (s) => {
      if (s.rows - lastReport >= 50_000) {
        lastReport = s.rows;
        log(`features: ${s.rows} rows written...`);
      }
    },
  );
}

/** How a synthetic input is described in the matrix metadata. */
export function syntheticSource(input: { tickets: number; seed: number }): string {
  return `synthetic: ${input.tickets} tickets, seed ${input.seed}, priority = (type + channel + age band) mod 4`;
}

/** The CLI; returns the exit code. */
export async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      // `deno task features -- --help` may pass the `--` through.
      args: args[0] === "--" ? args.slice(1) : args,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        "date-order": { type: "string" },
        synthetic: { type: "string" },
        seed: { type: "string", default: "1" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (error) {
    console.error(`features: ${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const fail = (message: string) => {
    console.error(`features: ${message}\n\n${USAGE}`);
    return 2;
  };
  if (!values.out) return fail("--out is required");
  const input = await matrixInput(values, positionals);
  if (typeof input === "string") return fail(input);
  const started = performance.now();
  const log = (line: string) => console.error(line);
  const sources = input.kind === "synthetic"
    ? [syntheticSource(input)]
    : input.files.map((p) => p.replace(/^.*[\\/]/, ""));
  const summary = await writeMatrixOf(input, values.out, sources, log);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const counts = PRIORITIES.map((p) => `${p} ${summary.labelCounts[p]}`).join(", ");
  log(
    `features: wrote ${summary.rows} rows x ${FEATURE_NAMES.length} features to ${summary.path} in ${seconds}s ` +
      `(${counts}; ${summary.skippedUnlabelled} unlabelled skipped)`,
  );
  if (summary.rows === 0) {
    log("features: error: no labelled tickets, nothing to train on");
    return 1;
  }
  return 0;
}

if (import.meta.main) {
  try {
    Deno.exit(await main(Deno.args));
  } catch (error) {
    console.error(`features: error: ${(error as Error).message}`);
    Deno.exit(1);
  }
}
