/**
 * Reading a ticket CSV from disk through the same ingest as uploads (used by training and the CLIs).
 *
 * @module
 */
import type { Ticket } from "../ticket/schema.ts";
import type { DateOrder } from "./dates.ts";
import { ingestCsv, type IngestSummary } from "./ingest.ts";
import type { Mapping } from "./mapping.ts";

/** Options for {@linkcode readTicketFile}. */
export interface ReadTicketFileOptions {
  dateOrder?: DateOrder;
  /** How the header names the columns; by default the preset the header fits best. */
  mapping?: Mapping;
  /**
   * Tickets per batch.
   * @default 2048
   */
  batchSize?: number;
  /** Receives the summary once the file has been read. */
  onSummary?: (summary: IngestSummary) => void;
}

/**
 * Yields the accepted tickets of a CSV file in batches; one batch is in memory at a time.
 *
 * @example
 * ```ts
 * for await (const batch of readTicketFile("tickets.csv")) console.log(batch.length);
 * ```
 */
export async function* readTicketFile(path: string, options: ReadTicketFileOptions = {}): AsyncGenerator<Ticket[]> {
  const file = await Deno.open(path);
  // ingestCsv pushes batches; hand each one over and wait until the consumer asks for the next.
  let handOver: ((batch: Ticket[] | null) => void) | null = null;
  let resume: (() => void) | null = null;
  const nextBatch = () => new Promise<Ticket[] | null>((resolve) => (handOver = resolve));
  let pending = nextBatch();
  const done = ingestCsv(file.readable, {
    batchSize: options.batchSize ?? 2048,
    dateOrder: options.dateOrder,
    mapping: options.mapping,
    onBatch: (batch) =>
      new Promise<void>((resolve) => {
        resume = resolve;
        handOver!(batch);
      }),
  }).then((summary) => {
    options.onSummary?.(summary);
    handOver!(null);
  }, (error) => {
    handOver!(null);
    throw error;
  });
  while (true) {
    const batch = await pending;
    if (batch === null) break;
    pending = nextBatch();
    yield batch;
    (resume as (() => void) | null)?.();
  }
  await done;
}
