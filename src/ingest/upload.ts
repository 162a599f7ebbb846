/**
 * An upload, start to finish: record it, stream its rows through ingest, publish accepted tickets in batches,
 * and record the outcome. Whatever happens, the upload record says what became of it.
 *
 * @module
 */
import { type Bus, TOPICS } from "../bus/bus.ts";
import type { Store, UploadRecord } from "../store/store.ts";
import type { IngestedTicket } from "../ticket/schema.ts";
import type { DateOrder } from "./dates.ts";
import { UploadError } from "./errors.ts";
import { ingestCsv, type IngestSummary } from "./ingest.ts";

/** Where an upload's tickets go. */
export interface UploadDeps {
  bus: Bus;
  store: Store;
  batchSize: number;
}

/** What the uploader said about the file. */
export interface UploadRequest {
  body: ReadableStream<Uint8Array>;
  filename?: string | null;
  bytes?: number | null;
  dateOrder?: DateOrder;
}

/** An upload's answer: the summary plus its id. */
export type UploadResult = { upload_id: string } & IngestSummary;

/**
 * Ingests one upload and publishes its tickets.
 *
 * @throws {UploadError} when the file cannot be read at all; the upload is recorded as failed first.
 */
export async function runUpload(deps: UploadDeps, request: UploadRequest): Promise<UploadResult> {
  const record: UploadRecord = {
    upload_id: crypto.randomUUID(),
    created_at: new Date().toISOString(),
    filename: request.filename ?? null,
    bytes: request.bytes ?? null,
    status: "receiving",
    summary: null,
    failure: null,
  };
  await deps.store.saveUpload(record);
  let published = 0;
  // One batch travels (scored, stored) while the next is read: the store's work overlaps parsing, and memory
  // holds at most two batches. A failure of the batch in flight surfaces at the next hand-over or at the end.
  let inFlight: Promise<void> = Promise.resolve();
  try {
    const summary = await ingestCsv(request.body, {
      batchSize: deps.batchSize,
      dateOrder: request.dateOrder,
      onBatch: async (tickets) => {
        await inFlight;
        const ingestedAt = new Date().toISOString();
        inFlight = deps.bus.publish<IngestedTicket>(
          TOPICS.tickets,
          // The batch is this upload's own: its tickets gain their origin in place rather than being copied.
          tickets.map((ticket) => ({
            key: ticket.ticket_id,
            value: Object.assign(ticket, { upload_id: record.upload_id, ingested_at: ingestedAt }),
          })),
        ).then(() => void (published += tickets.length));
        inFlight.catch(() => {}); // awaited later; this only keeps an early failure from counting as unhandled
      },
    });
    await inFlight;
    await deps.store.saveUpload({ ...record, status: "done", summary });
    return { upload_id: record.upload_id, ...summary };
  } catch (error) {
    await inFlight.catch(() => {}); // let the batch in flight settle, so the record below counts it
    const reason = error instanceof Error ? error.message : String(error);
    const failure = published > 0 ? `${reason} (after ${published} tickets had been published)` : reason;
    await deps.store.saveUpload({ ...record, status: "failed", failure });
    if (error instanceof UploadError) {
      throw new UploadError(error.status, failure, { ...error.details, upload_id: record.upload_id });
    }
    throw error;
  }
}
