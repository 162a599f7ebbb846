/**
 * An upload, start to finish: record it, stream its rows through ingest, publish accepted tickets in batches,
 * and record the outcome. Whatever happens, the upload record says what became of it.
 *
 * An upload is all or nothing for readers: its tickets are stored as they come, but marts, queue and API count
 * them only once the record says `done` (see `store/store.ts`). While rows stream in, the record is saved every few
 * seconds with the counts so far (from the first batch on: once the file's date order is settled, after at most
 * 1,000 rows), a heartbeat by which a record left `receiving` by a process that died is recognised as stale; a
 * refused, cut-off or broken upload ends `failed`, with how far it got.
 *
 * @module
 */
import { type Bus, TOPICS } from "../bus/bus.ts";
import { isOutOfSpace, type Store, type UploadRecord } from "../store/store.ts";
import type { IngestedTicket } from "../ticket/schema.ts";
import type { DateOrder } from "./dates.ts";
import { UploadError } from "./errors.ts";
import { ingestCsv, type IngestSummary } from "./ingest.ts";
import type { Mapping } from "./mapping.ts";

/** How often a receiving upload's record is saved with its counts so far. */
export const UPLOAD_HEARTBEAT_MS = 5_000;

/**
 * Batches of one upload being scored and stored while the next is read. Two let the store load one batch while
 * the scorer works on the next (with one, the store and the scorer took turns).
 */
const IN_FLIGHT = 2;

/** A receiving upload whose record was not saved for this long was cut off by its server's death. */
export const STALE_UPLOAD_MS = 4 * UPLOAD_HEARTBEAT_MS;

/** Where an upload's tickets go. */
export interface UploadDeps {
  bus: Bus;
  store: Store;
  batchSize: number;
  /** Where a progress save that failed is noted (the upload goes on). */
  log?: (line: string) => void;
  /** How often the record is saved while rows stream in (default {@linkcode UPLOAD_HEARTBEAT_MS}). */
  heartbeatMs?: number;
}

/** What the uploader said about the file. */
export interface UploadRequest {
  body: ReadableStream<Uint8Array>;
  filename?: string | null;
  bytes?: number | null;
  dateOrder?: DateOrder;
  /** How its header names the columns; by default the preset it fits best. */
  mapping?: Mapping;
  /** Who uploaded it, when authentication says. */
  uploadedBy?: string | null;
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
    uploaded_by: request.uploadedBy ?? null,
    status: "receiving",
    summary: null,
    failure: null,
  };
  await deps.store.saveUpload(record);
  // Saves go one after another, so a heartbeat never lands after the final record.
  let saving: Promise<boolean> = Promise.resolve(true);
  const save = (update: Partial<UploadRecord>) => {
    saving = saving.catch(() => true).then(() => deps.store.saveUpload({ ...record, ...update }));
    return saving;
  };
  let progress: Readonly<IngestSummary> | null = null;
  const heartbeat = setInterval(() => {
    save({ summary: progress && structuredClone(progress) })
      .catch((error) => deps.log?.(`upload ${record.upload_id}: progress not saved: ${error.message}`));
  }, deps.heartbeatMs ?? UPLOAD_HEARTBEAT_MS);

  let published = 0;
  let lastStamp = 0;
  // Batches travel (scored, stored) while the next is read, up to IN_FLIGHT of them: parsing, scoring and the
  // store's load overlap, and memory holds at most IN_FLIGHT + 1 batches. A batch that failed stops the reading at
  // the next hand-over after its failure (whichever batch in flight it was), or at the end.
  const inFlight: Promise<void>[] = [];
  let failed: { error: unknown } | null = null;
  try {
    const summary = await ingestCsv(request.body, {
      batchSize: deps.batchSize,
      dateOrder: request.dateOrder,
      mapping: request.mapping,
      onBatch: async (tickets, soFar) => {
        progress = soFar;
        while (inFlight.length >= IN_FLIGHT) await inFlight.shift();
        if (failed) throw failed.error;
        // Each batch is stamped later than the one before, so that of two rows with the same ticket id in different
        // batches, the later row's copy is the later one in the store.
        lastStamp = Math.max(Date.now(), lastStamp + 1);
        const ingestedAt = new Date(lastStamp).toISOString();
        const sent = deps.bus.publish<IngestedTicket>(
          TOPICS.tickets,
          // The batch is this upload's own: its tickets gain their origin in place rather than being copied.
          tickets.map((ticket) => ({
            key: ticket.ticket_id,
            value: Object.assign(ticket, { upload_id: record.upload_id, ingested_at: ingestedAt }),
          })),
        ).then(() => void (published += tickets.length));
        sent.catch((error) => void (failed ??= { error })); // also keeps it from counting as unhandled
        inFlight.push(sent);
      },
    });
    while (inFlight.length > 0) await inFlight.shift();
    // On the in-process bus the store may hold the last batches for a larger load: they are stored before "done".
    await deps.store.flushStaged(record.upload_id);
    clearInterval(heartbeat);
    if (!await save({ status: "done", summary })) {
      // Marked failed meanwhile (found stale by a server that thought this one dead): an ended upload stays ended.
      const ended = await deps.store.getUpload(record.upload_id);
      throw new UploadError(409, `This upload had already ended as ${ended?.status}: ${ended?.failure ?? "no reason"}`);
    }
    return { upload_id: record.upload_id, ...summary };
  } catch (error) {
    clearInterval(heartbeat);
    await Promise.allSettled(inFlight); // let the batches in flight settle, so the record below counts them
    // A reason for people: the upload's own problem, a full disk, or a plain word that the server failed (the
    // caller logs the error itself).
    const outOfSpace = !(error instanceof UploadError) && isOutOfSpace(error);
    if (outOfSpace) deps.log?.(`upload ${record.upload_id}: the disk is full: ${(error as Error).message}`);
    const reason = error instanceof UploadError
      ? error.message
      : outOfSpace
      ? "The server's disk is full, so the upload could not be stored"
      : "the server could not finish this upload";
    const failure = published > 0
      ? `${reason} (after ${published} tickets had been sent on; none of them count)`
      : reason;
    // With the disk full this save may fail too: the record then stays "receiving" until found stale.
    await save({ status: "failed", failure, summary: progress && structuredClone(progress) })
      .catch((saveError) => deps.log?.(`upload ${record.upload_id}: failure not recorded: ${saveError.message}`));
    if (error instanceof UploadError || outOfSpace) {
      const status = error instanceof UploadError ? error.status : 507;
      const details = error instanceof UploadError ? error.details : {};
      throw new UploadError(status, failure, { ...details, upload_id: record.upload_id });
    }
    throw error;
  }
}
