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
  try {
    const summary = await ingestCsv(request.body, {
      batchSize: deps.batchSize,
      dateOrder: request.dateOrder,
      onBatch: async (tickets) => {
        const ingestedAt = new Date().toISOString();
        await deps.bus.publish<IngestedTicket>(
          TOPICS.tickets,
          tickets.map((ticket) => ({
            key: ticket.ticket_id,
            value: { ...ticket, upload_id: record.upload_id, ingested_at: ingestedAt },
          })),
        );
        published += tickets.length;
      },
    });
    await deps.store.saveUpload({ ...record, status: "done", summary });
    return { upload_id: record.upload_id, ...summary };
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const failure = published > 0 ? `${reason} (after ${published} tickets had been published)` : reason;
    await deps.store.saveUpload({ ...record, status: "failed", failure });
    if (error instanceof UploadError) {
      throw new UploadError(error.status, failure, { ...error.details, upload_id: record.upload_id });
    }
    throw error;
  }
}
