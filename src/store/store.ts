/**
 * The Store: where scored tickets, upload records and marts live. Two engines stand behind it (DuckDB embedded,
 * ClickHouse in production); nothing outside `store/` knows which one is in use.
 *
 * @module
 */
import type { IngestSummary } from "../ingest/ingest.ts";
import type { ScoredTicket } from "../ticket/schema.ts";

/** A row as the API and the site see it: numbers as numbers, instants as ISO strings. */
export type Row = Record<string, string | number | boolean | null>;

/** The record kept of every upload, whatever became of it. */
export interface UploadRecord {
  upload_id: string;
  /** ISO 8601 instant. */
  created_at: string;
  filename: string | null;
  bytes: number | null;
  /** `receiving` while rows stream in; `done` once every row is accounted for; `failed` if the upload broke off. */
  status: "receiving" | "done" | "failed";
  /** Counts and reports; for a failed upload, what was counted before it broke off. */
  summary: IngestSummary | null;
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
   * How this engine names the deduplicated tickets in a mart session's SQL (`{{source_tickets}}` in
   * `sql/staging`).
   */
  readonly sourceTickets: string;
  /** Stores scored tickets, one row per ticket id; a later score replaces an earlier one. */
  writeScored(tickets: readonly ScoredTicket[]): Promise<void>;
  /** Creates or updates an upload record. */
  saveUpload(upload: UploadRecord): Promise<void>;
  /** An upload record and how many distinct tickets of it are stored with their scores, or null if unknown. */
  getUpload(id: string): Promise<(UploadRecord & { scored: number }) | null>;
  /**
   * Runs `build` in a session; if it resolves, its tables replace the previous ones; if it
   * throws, nothing changes.
   */
  withMartSession<T>(build: (session: MartSession) => Promise<T>): Promise<T>;
  /** Reads a mart (a name from `sql/marts`, checked by the caller). */
  readMart(name: string): Promise<Row[]>;
  close(): Promise<void>;
}

/** An upload record from a stored row (`summary` is stored as JSON text), with its scored count. */
export function uploadFromRow(row: Row): UploadRecord & { scored: number } {
  return {
    upload_id: String(row.upload_id),
    created_at: String(row.created_at),
    filename: row.filename as string | null,
    bytes: row.bytes === null ? null : Number(row.bytes),
    status: row.status as UploadRecord["status"],
    summary: row.summary === null ? null : JSON.parse(String(row.summary)),
    failure: row.failure as string | null,
    scored: Number(row.scored),
  };
}
