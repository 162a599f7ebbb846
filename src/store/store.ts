/**
 * The Store: where scored tickets, upload records and marts live. Two engines stand behind it (DuckDB embedded,
 * ClickHouse in production); nothing outside `store/` knows which one is in use.
 *
 * Both keep every copy of a ticket as it arrives, with the upload it came in, and read through two rules:
 * - **A copy counts only once its upload is done.** Copies of an upload still receiving, or one that failed (refused,
 *   cut off, or its server killed), are stored but invisible to marts, queue and API; a failed upload's copies are
 *   deleted later. A copy whose upload has no record (written by other means) counts.
 * - **The latest counted copy wins**: the latest ingest (a later upload, or a later batch of the same upload), then
 *   the latest score (a redelivery or a rescore).
 *
 * @module
 */
import type { DeadLetter } from "../bus/dead_letter.ts";
import type { Signature } from "../score/simhash.ts";
import type { Priority, ScoredTicket } from "../ticket/schema.ts";

/** A row as the API and the site see it: numbers as numbers, instants as ISO strings. */
export type Row = Record<string, string | number | boolean | null>;

/** The counts of an upload's rows that the store reads out of its summary. */
export interface UploadCounts {
  received: number;
  accepted: number;
  rejected: number;
}

/** The record kept of every upload, whatever became of it. */
export interface UploadRecord {
  upload_id: string;
  /** ISO 8601 instant. */
  created_at: string;
  filename: string | null;
  bytes: number | null;
  /** Who uploaded it, when authentication gives an identity. */
  uploaded_by: string | null;
  /** `receiving` while rows stream in; `done` once every row is accounted for; `failed` if the upload broke off. */
  status: "receiving" | "done" | "failed";
  /**
   * Ingest's summary (`IngestSummary`): its counts, which the store keeps as columns, and the rest, kept as written;
   * for a failed upload, what was counted before it broke off.
   */
  summary: UploadCounts | null;
  /** Why the upload failed, when it did. */
  failure: string | null;
}

/** What the marts build needs from an engine: a scratch session whose work is published only if it all passes. */
export interface MartSession {
  /**
   * Makes a staging model readable by this session's marts and tests. The engine chooses how: DuckDB makes a
   * view (its deduplication is settled once per session), ClickHouse a table (`FINAL` is costly to repeat).
   */
  stage(name: string, select: string): Promise<void>;
  /** Creates or replaces a table from a query. */
  createTable(name: string, select: string): Promise<void>;
  /** Runs a read-only query. */
  query(sql: string): Promise<Row[]>;
  /** Counts a table's rows. */
  count(table: string): Promise<number>;
}

/** Storage for the ticket journey. */
export interface Store {
  readonly engine: "duckdb" | "clickhouse";
  /**
   * How this engine names what staging reads, in a mart session's SQL: `{{source_tickets}}` in `sql/staging` is
   * the tickets, one row each, with agents' overrides applied ({@linkcode withOverrides}); `{{source_overrides}}`
   * the overrides themselves.
   */
  readonly sources: { tickets: string; overrides: string };
  /**
   * The consumer group of this store's sink. Every copy of the data must see every scored ticket: a DuckDB file
   * has a group of its own (`store-sink-<the file's id>`), so two web servers with a file each both store
   * everything rather than half each; ClickHouse, one database however many processes write, shares one group.
   */
  readonly sinkGroup: string;
  /** Resolves when the store answers a trivial query (health checks); throws why not. */
  ping(): Promise<void>;
  /** Stores scored tickets (every copy, with its upload; readers take the latest counted one). */
  writeScored(tickets: readonly ScoredTicket[]): Promise<void>;
  /**
   * Takes scored tickets to store later, with others, when the engine stores large loads more cheaply: resolves
   * once the store holds them, not once they are readable. For the in-process journey, whose publishers wait for
   * their tickets and then call {@linkcode Store.flushStaged}; a Kafka sink must use `writeScored`, since it
   * acknowledges what it was given.
   */
  stageScored(tickets: readonly ScoredTicket[]): Promise<void>;
  /**
   * Stores what is staged now and resolves once every staged ticket of `uploadId` (of any upload when not given) is
   * readable; throws why when one of them could not be stored.
   */
  flushStaged(uploadId?: string): Promise<void>;
  /**
   * Creates or updates an upload record (the store notes when, by its own clock: `updated_at`). An upload's status
   * goes `receiving → done` or `receiving → failed`, nothing else: a save of an upload that has ended (done or
   * failed) changes nothing and answers false.
   */
  saveUpload(upload: UploadRecord): Promise<boolean>;
  /**
   * An upload record, when it was last saved, how many distinct tickets of it are stored with their scores
   * (counted or not yet) and how many were dead-lettered instead, or null if unknown.
   */
  getUpload(id: string): Promise<StoredUpload | null>;
  /** Records tickets a stage could not use, with why (the dead-letter topic's messages). */
  recordDeadLetters(letters: readonly DeadLetter[]): Promise<void>;
  /** The latest upload records, newest first (without their summaries' row lists or scored counts). */
  listUploads(limit: number): Promise<UploadListing[]>;
  /**
   * Marks failed the uploads still `receiving` whose record was not saved for `staleAfterMs` (the process receiving
   * them died: a live upload saves its record every few seconds). Answers how many.
   */
  failStaleUploads(staleAfterMs: number): Promise<number>;
  /**
   * Runs `build` in a session; if it resolves, its tables replace the previous ones; if it
   * throws, nothing changes.
   */
  withMartSession<T>(build: (session: MartSession) => Promise<T>): Promise<T>;
  /** Reads a mart (a name from `sql/marts`); a name that is not a plain SQL identifier is refused. */
  readMart(name: string): Promise<Row[]>;
  /** One stored ticket (its latest score, its current label), or null when there is none with that id. */
  getTicket(id: string): Promise<Row | null>;
  /**
   * Stored tickets by ticket id, optionally of one upload or only the labelled ones, a page at a time, with how
   * many there are in all.
   */
  listTickets(query: TicketQuery): Promise<Page>;
  /**
   * Records an agent's priority for a ticket (append-only: earlier labels stay in the overrides) and answers the
   * ticket as it now reads, or null when there is no ticket with that id.
   */
  overridePriority(ticketId: string, priority: Priority, agent: string | null): Promise<Row | null>;
  /** Open tickets, most urgent first ({@linkcode QUEUE_ORDER}), filtered, a page at a time. */
  queue(query: QueueQuery): Promise<Page>;
  /**
   * Stored tickets (as they read now) whose text signatures differ from `query.signature` in the fewest bits, at
   * most `query.limit`, in no order: the candidates among which `web/similar.ts` finds a ticket's similar tickets.
   */
  nearSignature(query: SignatureQuery): Promise<Row[]>;
  close(): Promise<void>;
}

/** Which tickets {@linkcode Store.nearSignature} looks for. */
export interface SignatureQuery {
  signature: Signature;
  /** A ticket id left out (the ticket whose similar tickets are sought). */
  exclude: string;
  limit: number;
}

/** Which stored tickets to list. */
export interface TicketQuery {
  uploadId?: string;
  /** Only tickets with a label (from the upload or an agent). */
  labelled?: boolean;
  /** Only open tickets (status not Closed). */
  open?: boolean;
  limit: number;
  offset: number;
}

/**
 * The tickets of `tickets` (one row each) as they currently read: the label is the latest agent override when
 * there is one, else the upload's, and `label_source` says which (`agent`, `upload`, or null for no label);
 * `upload_label` keeps the label the upload carried (what a rescore sends again: an override stays an override).
 * `latestOverrides` is the engine's query of each ticket's latest override (`ticket_id`, `priority`).
 */
export function withOverrides(tickets: string, latestOverrides: string): string {
  return `SELECT t.* REPLACE (coalesce(o.priority, t.priority_label) AS priority_label),
      CASE WHEN o.priority IS NOT NULL THEN 'agent' WHEN t.priority_label IS NOT NULL THEN 'upload' END
        AS label_source,
      t.priority_label AS upload_label
    FROM ${tickets} AS t
    LEFT JOIN ${latestOverrides} AS o ON o.ticket_id = t.ticket_id`;
}

/** One override as it is stored (append-only). */
export interface OverrideRecord {
  ticket_id: string;
  priority: Priority;
  /** The label before this override, and where it came from. */
  previous_label: string | null;
  previous_source: string | null;
  /** What the model predicted when the agent overrode it, and which version. */
  predicted: string | null;
  model_version: string | null;
  /** Who, when authentication gives an identity. */
  agent: string | null;
  /** ISO 8601 instant. */
  overridden_at: string;
}

/** The override an agent's priority makes of a ticket as it reads now. */
export function overrideOf(current: Row, priority: Priority, agent: string | null): OverrideRecord {
  return {
    ticket_id: String(current.ticket_id),
    priority,
    previous_label: (current.priority_label as string | null) ?? null,
    previous_source: (current.label_source as string | null) ?? null,
    predicted: (current.priority_pred as string | null) ?? null,
    model_version: (current.model_version as string | null) ?? null,
    agent,
    overridden_at: new Date().toISOString(),
  };
}

/** A page of rows, and how many rows there are in all. */
export interface Page {
  rows: Row[];
  total: number;
}

/** What the triage queue shows: open tickets, narrowed by any of these. */
export interface QueueQuery {
  priority?: string;
  needsReview?: boolean;
  product?: string;
  channel?: string;
  type?: string;
  language?: string;
  /** Words to find in the subject or the description (any case). */
  search?: string;
  limit: number;
  offset: number;
}

/**
 * The queue's order: expected urgency first, from the calibrated probabilities (0 × P(Low) + 1 × P(Medium) +
 * 2 × P(High) + 3 × P(Critical), so a likely Critical ticket comes before a likely High one and a sure High before
 * an unsure one), then the oldest first (the time it came in), then by id.
 */
export const QUEUE_ORDER = "(p_medium + 2 * p_high + 3 * p_critical) DESC, ingested_at ASC, ticket_id ASC";

/** How an engine writes what differs between engines in the queue's SQL. */
export interface SqlDialect {
  /** A query parameter holding `value` (the engine binds it; it never becomes SQL text). */
  param(name: string, value: string | boolean): string;
  /** `column` matches the LIKE pattern in `param` (`%`, `_` and `\` escaped with a backslash), in any case. */
  contains(column: string, param: string): string;
}

/**
 * The WHERE conditions of a ticket listing (`GET /api/tickets`), with its values as parameters of the engine's
 * dialect.
 */
export function ticketConditions(query: TicketQuery, dialect: SqlDialect): string[] {
  const conditions = ["true"];
  if (query.uploadId !== undefined) conditions.push(`upload_id = ${dialect.param("upload_id", query.uploadId)}`);
  if (query.labelled) conditions.push("priority_label IS NOT NULL");
  if (query.open) conditions.push("coalesce(ticket_status, '') <> 'Closed'");
  return conditions;
}

/**
 * The WHERE conditions of a queue query, with its values as parameters of the engine's dialect (never spliced
 * into the SQL text).
 */
export function queueConditions(query: QueueQuery, dialect: SqlDialect): string[] {
  const conditions = ["coalesce(ticket_status, '') <> 'Closed'"];
  const equal: [keyof QueueQuery, string][] = [
    ["priority", "priority_pred"],
    ["product", "product_purchased"],
    ["channel", "ticket_channel"],
    ["type", "ticket_type"],
    ["language", "language"],
  ];
  for (const [key, column] of equal) {
    const value = query[key];
    if (typeof value === "string") conditions.push(`${column} = ${dialect.param(key, value)}`);
  }
  if (query.needsReview !== undefined) {
    conditions.push(`needs_review = ${dialect.param("needs_review", query.needsReview)}`);
  }
  if (query.search) {
    const pattern = `%${query.search.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const param = dialect.param("search", pattern);
    conditions.push(
      `(${dialect.contains("ticket_subject", param)} OR ${dialect.contains("ticket_description", param)})`,
    );
  }
  return conditions;
}

/** An upload record as the store has it. */
export type StoredUpload = UploadRecord & { updated_at: string; scored: number; dead_lettered: number };

/** An upload in a list: what became of it and its counts. */
export type UploadListing = Omit<UploadRecord, "summary"> & {
  updated_at: string;
  received: number;
  accepted: number;
  rejected: number;
};

/** The columns of an upload listing, as both stores select them. */
export const UPLOAD_LISTING_COLUMNS =
  "upload_id, created_at, updated_at, filename, bytes, uploaded_by, status, received, accepted, rejected, failure";

/** What an upload listing and an upload record share, read from a stored row. */
function uploadFields(row: Row) {
  return {
    upload_id: String(row.upload_id),
    created_at: String(row.created_at),
    updated_at: String(row.updated_at),
    filename: row.filename as string | null,
    bytes: row.bytes === null ? null : Number(row.bytes),
    uploaded_by: (row.uploaded_by as string | null) ?? null,
    status: row.status as UploadRecord["status"],
    failure: row.failure as string | null,
  };
}

/** An upload listing from a stored row. */
export function listingFromRow(row: Row): UploadListing {
  return {
    ...uploadFields(row),
    received: Number(row.received),
    accepted: Number(row.accepted),
    rejected: Number(row.rejected),
  };
}

/** True when `error` says the disk is full (the store's files could not grow). */
export function isOutOfSpace(error: unknown): boolean {
  for (let e = error as { message?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (/no space left on device|ENOSPC|os error 28|disk is full/i.test(String(e.message ?? e))) return true;
  }
  return false;
}

/** The reason given to an upload found stale. */
export const STALE_UPLOAD_FAILURE =
  "the server stopped while this upload was being received; none of its tickets count";

/** An upload record from a stored row (`summary` is stored as JSON text), with its scored and dead-lettered counts. */
export function uploadFromRow(row: Row): StoredUpload {
  return {
    ...uploadFields(row),
    summary: row.summary === null ? null : JSON.parse(String(row.summary)),
    scored: Number(row.scored),
    dead_lettered: Number(row.dead_lettered ?? 0),
  };
}

/**
 * `name` when it is a plain SQL identifier (letters, digits, underscores), to be put into a query where a table name
 * goes and no parameter can; otherwise an error, so that no caller's string ever becomes SQL.
 */
export function tableIdentifier(name: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new Error(`not a table name: ${JSON.stringify(name)}`);
  return name;
}
