/**
 * The embedded store: a DuckDB file in the data directory. Scored tickets are appended in bulk; the
 * `tickets_latest` view keeps one row per ticket id (the latest score wins) and a compaction after each marts
 * build drops the older copies; marts are rebuilt inside one transaction, so a failed build leaves the
 * previous marts in place; after each build the marts are copied to a snapshot file that the site's loaders read
 * while this process keeps the database open.
 *
 * @module
 */
import {
  type DuckDBAppender,
  DuckDBConnection,
  DuckDBDateValue,
  DuckDBInstance,
  DuckDBTimestampValue,
} from "@duckdb/node-api";
import { join } from "node:path";
import type { ScoredTicket } from "../ticket/schema.ts";
import { type MartSession, type Row, type Store, uploadFromRow, type UploadRecord } from "./store.ts";

/** The database file inside the data directory. */
export const DATABASE_FILE = "tickets.duckdb";
/** The marts snapshot the site's loaders read, inside the data directory. */
export const MARTS_SNAPSHOT_FILE = "marts.duckdb";

const SCHEMA_SQL = new URL("../../sql/duckdb/schema.sql", import.meta.url);

type Append = (appender: DuckDBAppender, ticket: ScoredTicket) => void;

const MICROS_PER_MS = 1000n;
const MS_PER_DAY = 86_400_000;

function text(field: keyof ScoredTicket): Append {
  return (a, t) => {
    const value = t[field];
    value === null ? a.appendNull() : a.appendVarchar(String(value));
  };
}
function number(field: keyof ScoredTicket, kind: "double" | "smallint" = "double"): Append {
  return (a, t) => {
    const value = t[field] as number | null;
    if (value === null) a.appendNull();
    else if (kind === "smallint") a.appendSmallInt(value);
    else a.appendDouble(value);
  };
}
const digits = (value: string, from: number, to: number) => Number(value.slice(from, to));

/**
 * Milliseconds since the epoch of `YYYY-MM-DD`, `YYYY-MM-DD HH:MM:SS` (both as ingest writes them, UTC) or an
 * ISO instant. The first two are read by position: `Date.parse` on a million values was 5% of a large upload.
 */
function epochMs(value: string): number {
  if (value.length === 10) return Date.UTC(digits(value, 0, 4), digits(value, 5, 7) - 1, digits(value, 8, 10));
  if (value.length === 19 && value[10] === " ") {
    return Date.UTC(
      digits(value, 0, 4),
      digits(value, 5, 7) - 1,
      digits(value, 8, 10),
      digits(value, 11, 13),
      digits(value, 14, 16),
      digits(value, 17, 19),
    );
  }
  return Date.parse(value);
}
function timestamp(field: keyof ScoredTicket): Append {
  return (a, t) => {
    const value = t[field] as string | null;
    value === null
      ? a.appendNull()
      : a.appendTimestamp(new DuckDBTimestampValue(BigInt(epochMs(value)) * MICROS_PER_MS));
  };
}
function date(field: keyof ScoredTicket): Append {
  return (a, t) => {
    const value = t[field] as string | null;
    value === null ? a.appendNull() : a.appendDate(new DuckDBDateValue(Math.round(epochMs(value) / MS_PER_DAY)));
  };
}

/** The `tickets` table's columns in DDL order, and how each is appended. Checked against the table at open. */
const TICKET_COLUMNS: [string, Append][] = [
  ["ticket_id", text("ticket_id")],
  ["customer_age", number("customer_age", "smallint")],
  ["customer_gender", text("customer_gender")],
  ["product_purchased", text("product_purchased")],
  ["date_of_purchase", date("date_of_purchase")],
  ["ticket_type", text("ticket_type")],
  ["ticket_subject", text("ticket_subject")],
  ["ticket_description", text("ticket_description")],
  ["ticket_status", text("ticket_status")],
  ["resolution", text("resolution")],
  ["priority_label", text("priority_label")],
  ["ticket_channel", text("ticket_channel")],
  ["first_response_at", timestamp("first_response_at")],
  ["resolved_at", timestamp("resolved_at")],
  ["satisfaction_rating", number("satisfaction_rating")],
  ["priority_pred", text("priority_pred")],
  ["p_low", number("p_low")],
  ["p_medium", number("p_medium")],
  ["p_high", number("p_high")],
  ["p_critical", number("p_critical")],
  ["model_version", text("model_version")],
  ["upload_id", text("upload_id")],
  ["ingested_at", timestamp("ingested_at")],
  ["scored_at", timestamp("scored_at")],
];

/** Deletes the older copies of re-stored tickets, so `tickets` does not grow with every re-upload. */
const COMPACT_SQL = `
DELETE FROM tickets WHERE rowid IN (
  SELECT rowid FROM tickets
  QUALIFY row_number() OVER (PARTITION BY ticket_id ORDER BY scored_at DESC, rowid DESC) > 1
)`;

/** Turns DuckDB values into JSON-friendly ones: BIGINT as number, DATE/TIMESTAMP as ISO strings. */
function plainRow(row: Record<string, unknown>): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    if (typeof value === "bigint") out[key] = Number(value);
    else if (value instanceof Date) out[key] = value.toISOString();
    else out[key] = value as Row[string];
  }
  return out;
}

/** Runs async work one piece at a time (a DuckDB connection runs one statement at a time). */
class Serial {
  #tail: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(work);
    this.#tail = result.catch(() => {});
    return result;
  }
}

async function readAll(connection: DuckDBConnection, sql: string, values?: Record<string, string>): Promise<Row[]> {
  const reader = await connection.runAndReadAll(sql, values);
  return reader.getRowObjectsJS().map(plainRow);
}

/** The DuckDB-backed {@linkcode Store}. Open it with {@linkcode openDuckDbStore}. */
export class DuckDbStore implements Store {
  readonly engine = "duckdb";
  readonly sourceTickets = "tickets_latest";
  readonly #instance: DuckDBInstance;
  readonly #writer: DuckDBConnection;
  readonly #reader: DuckDBConnection;
  readonly #writes = new Serial();
  readonly #reads = new Serial();
  readonly #marts = new Serial();
  readonly #snapshotPath: string | null;

  constructor(instance: DuckDBInstance, writer: DuckDBConnection, reader: DuckDBConnection, snapshot: string | null) {
    this.#instance = instance;
    this.#writer = writer;
    this.#reader = reader;
    this.#snapshotPath = snapshot;
  }

  writeScored(tickets: readonly ScoredTicket[]): Promise<void> {
    if (tickets.length === 0) return Promise.resolve();
    return this.#writes.run(async () => {
      const appender = await this.#writer.createAppender("tickets");
      try {
        for (const ticket of tickets) {
          for (const [, append] of TICKET_COLUMNS) append(appender, ticket);
          appender.endRow();
        }
      } finally {
        appender.closeSync();
      }
    });
  }

  saveUpload(upload: UploadRecord): Promise<void> {
    return this.#writes.run(async () => {
      await this.#writer.run(
        `INSERT OR REPLACE INTO uploads
           (upload_id, created_at, filename, bytes, status, received, accepted, rejected, summary, failure)
         VALUES ($id, $created_at::TIMESTAMPTZ::TIMESTAMP, $filename, $bytes::BIGINT, $status,
                 $received::BIGINT, $accepted::BIGINT, $rejected::BIGINT, $summary, $failure)`,
        {
          id: upload.upload_id,
          created_at: upload.created_at,
          filename: upload.filename,
          bytes: upload.bytes === null ? null : String(upload.bytes),
          status: upload.status,
          received: String(upload.summary?.received ?? 0),
          accepted: String(upload.summary?.accepted ?? 0),
          rejected: String(upload.summary?.rejected ?? 0),
          summary: upload.summary === null ? null : JSON.stringify(upload.summary),
          failure: upload.failure,
        } as Record<string, string>,
      );
    });
  }

  getUpload(id: string): Promise<(UploadRecord & { scored: number }) | null> {
    return this.#reads.run(async () => {
      const [row] = await readAll(
        this.#reader,
        `SELECT u.*, (SELECT count(DISTINCT t.ticket_id) FROM tickets AS t WHERE t.upload_id = u.upload_id) AS scored
         FROM uploads AS u WHERE u.upload_id = $id`,
        { id },
      );
      if (!row) return null;
      return uploadFromRow(row);
    });
  }

  withMartSession<T>(build: (session: MartSession) => Promise<T>): Promise<T> {
    return this.#marts.run(async () => {
      const connection = await this.#instance.connect();
      try {
        await connection.run("BEGIN TRANSACTION");
        const session: MartSession = {
          createTable: async (name, select) =>
            void await connection.run(`CREATE OR REPLACE TABLE ${name} AS ${select}`),
          query: (sql) => readAll(connection, sql),
          count: async (table) => Number((await readAll(connection, `SELECT count(*) AS n FROM ${table}`))[0].n),
        };
        let result: T;
        try {
          result = await build(session);
        } catch (error) {
          await connection.run("ROLLBACK");
          throw error;
        }
        await connection.run("COMMIT");
        if (this.#snapshotPath) await this.#writeSnapshot(connection, this.#snapshotPath);
        await this.#writes.run(() => this.#writer.run(COMPACT_SQL));
        return result;
      } finally {
        connection.closeSync();
      }
    });
  }

  /** Copies every mart table into a separate file that other processes (the site's loaders) can open. */
  async #writeSnapshot(connection: DuckDBConnection, path: string): Promise<void> {
    const next = `${path}.next`;
    await Deno.remove(next).catch(() => {});
    const marts = await readAll(
      connection,
      "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND table_name LIKE 'mart\\_%' ESCAPE '\\'",
    );
    await connection.run(`ATTACH '${next.replaceAll("'", "''")}' AS snapshot`);
    try {
      for (const { table_name } of marts) {
        await connection.run(`CREATE TABLE snapshot.${table_name} AS SELECT * FROM ${table_name}`);
      }
    } finally {
      await connection.run("DETACH snapshot");
    }
    await Deno.rename(next, path);
  }

  readMart(name: string): Promise<Row[]> {
    return this.#reads.run(() => readAll(this.#reader, `SELECT * FROM ${name}`));
  }

  async close(): Promise<void> {
    await this.#writes.run(async () => {});
    await this.#marts.run(async () => {});
    this.#writer.closeSync();
    this.#reader.closeSync();
    this.#instance.closeSync();
  }
}

/**
 * Opens (creating if needed) the DuckDB store in `dataDir`.
 *
 * @param dataDir the data directory; `":memory:"` for a throwaway in-memory store (tests).
 * @param memoryLimit DuckDB's `memory_limit`: past it, DuckDB spills to disk instead of growing.
 */
export async function openDuckDbStore(dataDir: string, memoryLimit = "256MB"): Promise<DuckDbStore> {
  const inMemory = dataDir === ":memory:";
  if (!inMemory) await Deno.mkdir(dataDir, { recursive: true });
  const instance = await DuckDBInstance.create(inMemory ? ":memory:" : join(dataDir, DATABASE_FILE), {
    memory_limit: memoryLimit,
  });
  const writer = await instance.connect();
  await writer.run(await Deno.readTextFile(SCHEMA_SQL));
  const described = await readAll(writer, "SELECT column_name FROM (DESCRIBE tickets)");
  const actual = described.map((r) => r.column_name).join(",");
  const expected = TICKET_COLUMNS.map(([c]) => c).join(",");
  if (actual !== expected) {
    throw new Error(`The tickets table in ${dataDir} has columns ${actual}; this version expects ${expected}`);
  }
  // This process owns the file: an upload still "receiving" was cut off when the previous process stopped.
  await writer.run(
    `UPDATE uploads SET status = 'failed', failure = 'the server stopped while this upload was being received'
     WHERE status = 'receiving'`,
  );
  const reader = await instance.connect();
  return new DuckDbStore(instance, writer, reader, inMemory ? null : join(dataDir, MARTS_SNAPSHOT_FILE));
}

/**
 * Opens the marts snapshot read-only (for the site's loaders, which run while the app holds the database).
 * Only `readMart` is meant to be used on the result.
 */
export async function openMartsSnapshot(dataDir: string): Promise<Pick<Store, "readMart" | "close">> {
  const path = join(dataDir, MARTS_SNAPSHOT_FILE);
  const instance = await DuckDBInstance.create(path, { access_mode: "READ_ONLY" });
  const connection = await instance.connect();
  return {
    readMart: (name) => readAll(connection, `SELECT * FROM ${name}`),
    close: () => {
      connection.closeSync();
      instance.closeSync();
      return Promise.resolve();
    },
  };
}
