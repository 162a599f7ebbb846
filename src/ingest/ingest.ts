/**
 * Ingest: a CSV byte stream in, batches of typed tickets out, and a summary that accounts for every row
 * (`received = accepted + rejected`). The first rows are held back only until the file's date order is known;
 * after that, memory holds one batch, plus a fingerprint of each ticket id seen (8 to 16 bytes per ticket), so that
 * an id repeated in the file is noticed: the later row wins, and the summary counts and lists the repeats.
 *
 * @module
 */
import type { Ticket } from "../ticket/schema.ts";
import { type CsvBreak, type CsvRecord, csvRecords } from "./csv_records.ts";
import { type DateOrder, DateOrderDetector, type DateOrderReport } from "./dates.ts";
import { UploadError } from "./errors.ts";
import { type HeaderMap, mapHeader, type MappingUsed } from "./header.ts";
import type { Mapping } from "./mapping.ts";
import { type ColumnWarnings, type Rejection, RowReader } from "./row.ts";
import { SeenIds } from "./seen_ids.ts";

/** How many rejections a summary lists; the count covers them all. */
export const MAX_REPORTED_ERRORS = 1000;

/** Rows examined for date-order evidence before typing starts. */
export const DATE_ORDER_WINDOW = 1000;

/** How many repeated ticket ids a summary lists; the count covers them all. */
export const MAX_REPORTED_DUPLICATES = 100;

/** Rows whose ticket id an earlier row of the same file had: the later row replaced the earlier one. */
export interface Duplicates {
  count: number;
  /** The first {@linkcode MAX_REPORTED_DUPLICATES} repeats: the line of the later row, and the id. */
  first_lines: { line: number; ticket_id: string }[];
}

/** Every row of one upload, accounted for. */
export interface IngestSummary {
  received: number;
  accepted: number;
  rejected: number;
  /** Distinct tickets among the accepted rows: `accepted - duplicates.count`. */
  tickets: number;
  duplicates: Duplicates;
  /** The first {@linkcode MAX_REPORTED_ERRORS} rejections, in file order. */
  errors: Rejection[];
  /** Unreadable optional values, stored as null, by column. */
  warnings: Record<string, ColumnWarnings>;
  date_order: DateOrderReport;
  /** The mapping the header was read with, and whether it was recognised or asked for. */
  mapping: MappingUsed;
  /** Ticket columns the file does not have: stored empty for every ticket. */
  missing_columns: string[];
  /** Header columns the mapping does not read (ignored). */
  ignored_columns: string[];
  /** Header columns of personal data (names, e-mails, phones): dropped, never read. */
  personal_columns_dropped: string[];
}

/** Options for {@linkcode ingestCsv}. */
export interface IngestOptions {
  /** Tickets per batch handed to `onBatch`. */
  batchSize: number;
  /** Skip inference and read numeric dates in this order. */
  dateOrder?: DateOrder;
  /** How the header names the ticket's columns; by default the preset the header fits best (`presets.ts`). */
  mapping?: Mapping;
  /**
   * Receives each batch of accepted tickets, and the summary so far (updated in place as reading goes on); ingest
   * waits for it (backpressure). A ticket id repeated within a batch appears once, as its later row.
   */
  onBatch: (tickets: Ticket[], progress: Readonly<IngestSummary>) => Promise<void> | void;
}

const DATE_TYPES = new Set(["date", "instant"]);

/**
 * Reads a CSV upload to the end.
 *
 * @throws {UploadError} when the upload cannot be read at all (empty, binary, no id or text column). Rows that are
 * merely wrong never throw: they are rejected in the summary.
 */
export async function ingestCsv(body: ReadableStream<Uint8Array>, options: IngestOptions): Promise<IngestSummary> {
  const chunks = csvRecords(body);
  let header: HeaderMap | null = null;
  let dateIndices: number[] = [];
  // The first rows wait until their dates tell the order (at most DATE_ORDER_WINDOW of them).
  const held: CsvRecord[] = [];
  const detector = new DateOrderDetector();
  let tally: Tally | null = null;
  const startTally = async (header: HeaderMap) => {
    const started = new Tally(header, detector.decide(options.dateOrder), options);
    for (const record of held) if (started.add(record)) await started.flush();
    held.length = 0;
    return started;
  };

  let chunk = await chunks.next();
  for (; !chunk.done; chunk = await chunks.next()) {
    for (const record of chunk.value) {
      if (header === null) {
        header = mapHeader(record.fields, options.mapping);
        dateIndices = header.columns.filter((c) => DATE_TYPES.has(c.spec.type)).flatMap((c) => c.indices);
      } else if (tally !== null) {
        if (tally.add(record)) await tally.flush();
      } else if (!options.dateOrder && held.length < DATE_ORDER_WINDOW) {
        held.push(record);
        for (const i of dateIndices) if (i < record.fields.length) detector.observe(record.fields[i]);
      } else {
        tally = await startTally(header);
        if (tally.add(record)) await tally.flush();
      }
    }
  }
  if (header === null) throw new UploadError(400, "The upload is empty: expected a header row and ticket rows");
  tally ??= await startTally(header);
  return await tally.finish(chunk.value);
}

/** Counts, rejections and the batch being filled. */
class Tally {
  readonly #reader: RowReader;
  readonly #options: IngestOptions;
  readonly #summary: IngestSummary;
  readonly #seen = new SeenIds();
  #batch: Ticket[] = [];
  /**
   * Where each ticket id of the batch being filled sits in it: made at the batch's first repeated id, so that a
   * file without repeats pays nothing for it.
   */
  #inBatch: Map<string, number> | null = null;

  constructor(header: HeaderMap, dateOrder: DateOrderReport, options: IngestOptions) {
    this.#reader = new RowReader(header, dateOrder);
    this.#options = options;
    this.#summary = {
      received: 0,
      accepted: 0,
      rejected: 0,
      tickets: 0,
      duplicates: { count: 0, first_lines: [] },
      errors: [],
      warnings: this.#reader.warnings,
      date_order: dateOrder,
      mapping: header.mapping,
      missing_columns: header.missing,
      ignored_columns: header.ignored,
      personal_columns_dropped: header.personal,
    };
  }

  /** Counts one record; answers true when the batch is full and must be flushed. */
  add(record: CsvRecord): boolean {
    this.#summary.received++;
    const result = this.#reader.read(record.fields, record.line);
    if ("rejection" in result) {
      this.#reject(result.rejection);
      return false;
    }
    this.#summary.accepted++;
    const ticket = result.ticket;
    if (this.#seen.add(ticket.ticket_id)) {
      this.#summary.tickets++;
    } else {
      const duplicates = this.#summary.duplicates;
      duplicates.count++;
      if (duplicates.first_lines.length < MAX_REPORTED_DUPLICATES) {
        duplicates.first_lines.push({ line: record.line, ticket_id: ticket.ticket_id });
      }
      // In the same batch, the later row takes the earlier one's place; in a later batch, it is stored later
      // (each batch of an upload is stamped later than the one before) and so wins in the store.
      this.#inBatch ??= new Map(this.#batch.map((t, i) => [t.ticket_id, i]));
      const earlier = this.#inBatch.get(ticket.ticket_id);
      if (earlier !== undefined) {
        this.#batch[earlier] = ticket;
        return false;
      }
    }
    this.#inBatch?.set(ticket.ticket_id, this.#batch.length);
    this.#batch.push(ticket);
    return this.#batch.length >= this.#options.batchSize;
  }

  async finish(broken: CsvBreak | undefined): Promise<IngestSummary> {
    if (broken) {
      this.#summary.received++;
      this.#reject({ line: broken.line, column: null, value: null, reason: broken.reason });
    }
    await this.flush();
    return this.#summary;
  }

  #reject(rejection: Rejection): void {
    this.#summary.rejected++;
    if (this.#summary.errors.length < MAX_REPORTED_ERRORS) this.#summary.errors.push(rejection);
  }

  /** Hands the batch over (and waits for it to be taken). */
  async flush(): Promise<void> {
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    this.#inBatch = null;
    await this.#options.onBatch(batch, this.#summary);
  }
}
