/**
 * The embedded store: a DuckDB file in the data directory. Scored tickets are loaded in bulk (a JSON file per
 * batch, read by DuckDB on its own threads; on the in-process journey, staged and loaded a row group at a time); the
 * `tickets_latest` view keeps one row per ticket id (the latest counted copy, see `store.ts`) and a compaction after
 * each marts build drops the older copies and those of failed uploads; marts are rebuilt inside one transaction, so a
 * failed build leaves the previous marts in place; after each build the marts are copied to a snapshot file that the
 * site's loaders read while this process keeps the database open.
 *
 * @module
 */
import { DuckDBConnection, DuckDBInstance, LIST, listValue, VARCHAR } from "@duckdb/node-api";
import { join } from "node:path";
import type { Priority, ScoredTicket } from "../ticket/schema.ts";
import {
  listingFromRow,
  type MartSession,
  overrideOf,
  type Page,
  QUEUE_ORDER,
  queueConditions,
  type QueueQuery,
  type Row,
  type SignatureQuery,
  type SqlDialect,
  STALE_UPLOAD_FAILURE,
  type Store,
  type StoredUpload,
  tableIdentifier,
  ticketConditions,
  type TicketQuery,
  UPLOAD_LISTING_COLUMNS,
  uploadFromRow,
  type UploadListing,
  type UploadRecord,
  withOverrides,
} from "./store.ts";
import type { DeadLetter } from "../bus/dead_letter.ts";
import { compareTable, duckdbTicketColumns, duckdbType } from "./ticket_table.ts";

/** The database file inside the data directory. */
export const DATABASE_FILE = "tickets.duckdb";
/** The marts snapshot the site's loaders read, inside the data directory. */
export const MARTS_SNAPSHOT_FILE = "marts.duckdb";
/** Where batches wait, as JSON, for DuckDB to load them (inside the data directory; emptied at open). */
const INCOMING_DIR = "incoming";

const SCHEMA_SQL = new URL("../../sql/duckdb/schema.sql", import.meta.url);

/**
 * The largest ticket, as JSON, the store loads: a ticket of an upload's longest record (ingest's limit) written as
 * JSON even if every character needs an escape. DuckDB's default is twice this, and it allocates twice this per
 * reading thread for every load: halving it saved memory at no cost in speed.
 */
const MAX_TICKET_JSON_BYTES = 8 * 1024 * 1024;

/**
 * DuckDB's threads outside a marts build. One: on two cores shared with the JavaScript thread (parsing, scoring)
 * a second DuckDB thread took more CPU for the same loads and marts, and left less of the machine to the rest of the
 * upload (`bench/HISTORY.md`, "Figures behind the code").
 */
const LOAD_THREADS = 1;

/**
 * DuckDB's threads while the marts build: every core. The JavaScript thread has little to do then, and the marts'
 * scans and aggregates split well.
 */
const MARTS_THREADS = Math.max(1, navigator.hardwareConcurrency);

/**
 * Rows a staged load waits for: DuckDB's row group. An insert of at least a row group is written to the database
 * file as it goes (DuckDB's optimistic write) instead of into the write-ahead log first and the file again at the
 * next checkpoint, which halved the CPU a load costs (`bench/HISTORY.md`, "Figures behind the code").
 */
const STAGED_LOAD_ROWS = 122_880;

/** How long staged batches wait for more before they are loaded anyway (a rescore's last page, a small upload). */
const STAGED_QUIET_MS = 50;

/**
 * Staged loads queued or running at most; staging more waits. Staged batches wait as files, not in memory, so this
 * bounds the disk they take (two loads' JSON), not the process.
 */
const STAGED_LOADS_AT_ONCE = 2;

/**
 * The batch as one JSON array. JSON.stringify writes a lone UTF-16 surrogate as a `\udXXX` escape, which DuckDB
 * refuses; such text (only possible from a hand-made bus message) is made well-formed first.
 */
function jsonArray(tickets: readonly ScoredTicket[]): string {
  const text = JSON.stringify(tickets);
  if (!text.includes("\\ud")) return text;
  return JSON.stringify(tickets, (_key, value) => typeof value === "string" ? value.toWellFormed() : value);
}

/**
 * The latest counted copy of each ticket, given `repeated` (the `tickets_repeated` view, or a snapshot of it) and
 * `uncounted` (the uploads whose copies do not count, or a snapshot). Reading the table through an anti-join with
 * the few repeated tickets is much cheaper than a window over every row.
 */
const latestCopies = (repeated: string, uncounted: string) =>
  `SELECT t.* FROM tickets AS t
   ANTI JOIN ${repeated} AS r ON r.ticket_id = t.ticket_id AND r.latest_copy <> t.rowid
   WHERE t.upload_id NOT IN (SELECT upload_id FROM ${uncounted})`;

/** One row per ticket: the latest counted copy. */
const LATEST_TICKETS_VIEW = `CREATE OR REPLACE VIEW tickets_latest AS ${
  latestCopies("tickets_repeated", "uploads_uncounted")
}`;

/**
 * How long a finished upload's copies stay when a later upload replaces them, so that whoever waits for the
 * earlier upload still finds every ticket of it stored.
 */
const REPLACED_COPIES_KEPT = "INTERVAL 10 MINUTE";

/** Each ticket's latest override by an agent. */
const LATEST_OVERRIDES =
  "(SELECT ticket_id, arg_max(priority, overridden_at) AS priority FROM overrides GROUP BY ticket_id)";

/** One row per ticket as it reads now: the latest copy, with the agents' overrides applied. */
const CURRENT_TICKETS_VIEW = `CREATE OR REPLACE VIEW tickets_current AS ${
  withOverrides("tickets_latest", LATEST_OVERRIDES)
}`;

/**
 * Deletes the older copies of re-stored tickets, so `tickets` does not grow with every re-upload, and the copies of
 * failed uploads, which never count.
 */
const COMPACT_SQL = `DELETE FROM tickets
  WHERE rowid IN (
      SELECT t.rowid FROM tickets AS t
      SEMI JOIN tickets_repeated AS r ON r.ticket_id = t.ticket_id AND r.latest_copy <> t.rowid
      WHERE t.upload_id NOT IN (
        SELECT upload_id FROM uploads
        WHERE status <> 'done' OR updated_at > now()::TIMESTAMP - ${REPLACED_COPIES_KEPT}
      )
    )
    OR upload_id IN (SELECT upload_id FROM uploads WHERE status = 'failed')`;

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

/** A batch waiting to be loaded: its file, the writing of that file, and its writer's answer. */
interface PendingBatch {
  file: string;
  written: Promise<void>;
  stored: PromiseWithResolvers<void>;
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

async function readAll(
  connection: DuckDBConnection,
  sql: string,
  values?: Record<string, string | number | boolean | null>,
): Promise<Row[]> {
  const reader = await connection.runAndReadAll(sql, values);
  return reader.getRowObjectsJS().map(plainRow);
}

/** The DuckDB-backed {@linkcode Store}. Open it with {@linkcode openDuckDbStore}. */
export class DuckDbStore implements Store {
  readonly engine = "duckdb";
  /** A mart session's views (see {@linkcode DuckDbStore.withMartSession}). */
  readonly sources = { tickets: "session_tickets_current", overrides: "overrides" };
  readonly sinkGroup: string;
  readonly #instance: DuckDBInstance;
  readonly #writer: DuckDBConnection;
  readonly #reader: DuckDBConnection;
  readonly #writes = new Serial();
  readonly #reads = new Serial();
  readonly #marts = new Serial();
  readonly #snapshotPath: string | null;
  readonly #incoming: { dir: string; removeOnClose: boolean };
  readonly #insertSql: string;
  #batchesWritten = 0;
  /** The batches waiting for the next load (see {@linkcode DuckDbStore.writeScored}). */
  #waiting: PendingBatch[] | null = null;
  /** Staged batches not yet given to a load, and their tickets (see {@linkcode DuckDbStore.stageScored}). */
  #staged: { batches: PendingBatch[]; rows: number } = { batches: [], rows: 0 };
  #stagedTimer: ReturnType<typeof setTimeout> | null = null;
  /** Staged loads queued or running. */
  readonly #stagedLoads = new Set<Promise<void>>();
  /** Staged batches not yet stored, or failed and not yet reported by a flush, with the uploads of their tickets. */
  readonly #unsettled = new Set<{ uploads: Set<string>; stored: Promise<void> }>();

  constructor(
    connections: { instance: DuckDBInstance; writer: DuckDBConnection; reader: DuckDBConnection },
    files: { snapshot: string | null; incoming: { dir: string; removeOnClose: boolean } },
    columnTypes: Map<string, string>,
    storeId: string,
  ) {
    this.sinkGroup = `store-sink-${storeId}`;
    this.#instance = connections.instance;
    this.#writer = connections.writer;
    this.#reader = connections.reader;
    this.#snapshotPath = files.snapshot;
    this.#incoming = files.incoming;
    // Instants are read as TIMESTAMPTZ so that an ISO offset (`+02:00`) is applied, then stored in UTC.
    const columns = [...columnTypes]
      .map(([name, type]) => `'${name}': '${type === "TIMESTAMP" ? "TIMESTAMPTZ" : type}'`)
      .join(", ");
    this.#insertSql = `INSERT INTO tickets BY NAME
      SELECT * FROM read_json($files, format = 'array', columns = {${columns}}, maximum_object_size = ${MAX_TICKET_JSON_BYTES})`;
  }

  /**
   * Stores a batch through a JSON file that DuckDB loads on its own threads. This is far less work on the
   * JavaScript thread than DuckDB's appender (a native call per value, then a synchronous flush), and the load runs
   * while the caller reads the next batch.
   *
   * Batches that arrive while a load runs are loaded together in the next one, in the order they were written (a
   * group commit): a load has a fixed cost however small its batch, and a Kafka sink writes one batch per
   * partition, so at a steady trickle of tickets it spent most of its time on loads of a few hundred tickets each.
   * Each write still succeeds or fails on its own.
   */
  writeScored(tickets: readonly ScoredTicket[]): Promise<void> {
    if (tickets.length === 0) return Promise.resolve();
    const batch = this.#writeBatchFile(tickets);
    if (this.#waiting) {
      this.#waiting.push(batch);
    } else {
      const group = this.#waiting = [batch];
      // Each batch's outcome goes to its own writer (in #load); the chain itself never fails.
      this.#writes.run(() => this.#load(group));
    }
    return batch.stored.promise;
  }

  /**
   * Stages a batch for a load of at least {@linkcode STAGED_LOAD_ROWS} tickets: resolves once its file is written;
   * the load follows when enough batches are staged, {@linkcode STAGED_QUIET_MS} after the last one, or at
   * {@linkcode DuckDbStore.flushStaged}. Half the CPU per ticket of {@linkcode DuckDbStore.writeScored}'s loads
   * (see {@linkcode STAGED_LOAD_ROWS}).
   */
  async stageScored(tickets: readonly ScoredTicket[]): Promise<void> {
    if (tickets.length === 0) return;
    const batch = this.#writeBatchFile(tickets);
    const unsettled = { uploads: new Set(tickets.map((ticket) => ticket.upload_id)), stored: batch.stored.promise };
    this.#unsettled.add(unsettled);
    // A failed batch stays until a flush collects it: its upload must not be recorded as stored.
    batch.stored.promise.then(() => this.#unsettled.delete(unsettled), () => {});
    this.#staged.batches.push(batch);
    this.#staged.rows += tickets.length;
    if (this.#staged.rows >= STAGED_LOAD_ROWS) {
      this.#loadStaged();
    } else {
      if (this.#stagedTimer !== null) clearTimeout(this.#stagedTimer);
      this.#stagedTimer = setTimeout(() => this.#loadStaged(), STAGED_QUIET_MS);
    }
    while (this.#stagedLoads.size >= STAGED_LOADS_AT_ONCE) await Promise.race(this.#stagedLoads);
    await batch.written;
  }

  /**
   * Loads the staged batches now and resolves once every staged ticket of `uploadId` (of any upload when not
   * given) is stored.
   *
   * @throws the load's error when one of those tickets could not be stored.
   */
  async flushStaged(uploadId?: string): Promise<void> {
    this.#loadStaged();
    const waiting = [...this.#unsettled].filter((batch) => uploadId === undefined || batch.uploads.has(uploadId));
    for (const batch of waiting) this.#unsettled.delete(batch);
    const failed = (await Promise.allSettled(waiting.map((batch) => batch.stored)))
      .find((outcome) => outcome.status === "rejected");
    if (failed) throw failed.reason;
  }

  /** Gives the staged batches to one load. */
  #loadStaged(): void {
    if (this.#stagedTimer !== null) clearTimeout(this.#stagedTimer);
    this.#stagedTimer = null;
    if (this.#staged.batches.length === 0) return;
    const group = this.#staged.batches;
    this.#staged = { batches: [], rows: 0 };
    const load = this.#writes.run(() => this.#load(group));
    this.#stagedLoads.add(load);
    load.finally(() => this.#stagedLoads.delete(load));
  }

  /** Writes a batch's file for a load; a failed write fails the batch in {@linkcode DuckDbStore.#load}. */
  #writeBatchFile(tickets: readonly ScoredTicket[]): PendingBatch {
    const file = join(this.#incoming.dir, `batch-${++this.#batchesWritten}.json`);
    const written = Deno.writeTextFile(file, jsonArray(tickets));
    // Awaited in turn by the load; until then a failed write (a full disk) must not count as an unhandled
    // rejection, which would end the process.
    written.catch(() => {});
    return { file, written, stored: Promise.withResolvers<void>() };
  }

  /** Loads a group of batches in one statement (see {@linkcode DuckDbStore.writeScored}). */
  async #load(group: PendingBatch[]): Promise<void> {
    if (this.#waiting === group) this.#waiting = null; // batches from now on wait for the next load
    try {
      const ready: PendingBatch[] = [];
      for (const batch of group) {
        await batch.written.then(() => ready.push(batch), (error) => batch.stored.reject(error));
      }
      const insert = (batches: PendingBatch[]) =>
        this.#writer.run(this.#insertSql, { files: listValue(batches.map((b) => b.file)) }, { files: LIST(VARCHAR) });
      try {
        if (ready.length > 0) await insert(ready);
        for (const batch of ready) batch.stored.resolve();
      } catch (error) {
        // The statement stored nothing. A batch the table refuses must not fail those loaded with it: each alone.
        if (ready.length === 1) return ready[0].stored.reject(error);
        for (const batch of ready) await insert([batch]).then(() => batch.stored.resolve(), batch.stored.reject);
      }
    } finally {
      await Promise.all(group.map((batch) => Deno.remove(batch.file).catch(() => {})));
    }
  }

  ping(): Promise<void> {
    return this.#reads.run(async () => void await this.#reader.run("SELECT 1"));
  }

  saveUpload(upload: UploadRecord): Promise<boolean> {
    const values = {
      id: upload.upload_id,
      created_at: upload.created_at,
      filename: upload.filename,
      bytes: upload.bytes === null ? null : String(upload.bytes),
      uploaded_by: upload.uploaded_by,
      status: upload.status,
      received: String(upload.summary?.received ?? 0),
      accepted: String(upload.summary?.accepted ?? 0),
      rejected: String(upload.summary?.rejected ?? 0),
      summary: upload.summary === null ? null : JSON.stringify(upload.summary),
      failure: upload.failure,
    } as Record<string, string>;
    // One writer at a time: an upload's row is updated while it is receiving, made when there is none, and an ended
    // upload's left as it is (false).
    const { created_at: _created, ...updates } = values;
    return this.#writes.run(async () => {
      const updated = await readAll(
        this.#writer,
        `UPDATE uploads SET
           updated_at = now()::TIMESTAMP, filename = $filename, bytes = $bytes::BIGINT, uploaded_by = $uploaded_by,
           status = $status, received = $received::BIGINT, accepted = $accepted::BIGINT, rejected = $rejected::BIGINT,
           summary = $summary, failure = $failure
         WHERE upload_id = $id AND status = 'receiving'
         RETURNING upload_id`,
        updates,
      );
      if (updated.length > 0) return true;
      const inserted = await readAll(
        this.#writer,
        `INSERT INTO uploads
           (upload_id, created_at, updated_at, filename, bytes, uploaded_by, status, received, accepted, rejected,
            summary, failure)
         SELECT $id, $created_at::TIMESTAMPTZ::TIMESTAMP, now()::TIMESTAMP, $filename, $bytes::BIGINT, $uploaded_by,
                $status, $received::BIGINT, $accepted::BIGINT, $rejected::BIGINT, $summary, $failure
         WHERE NOT EXISTS (SELECT 1 FROM uploads WHERE upload_id = $id)
         RETURNING upload_id`,
        values,
      );
      return inserted.length > 0;
    });
  }

  failStaleUploads(staleAfterMs: number): Promise<number> {
    return this.#writes.run(async () => {
      const failed = await readAll(
        this.#writer,
        `UPDATE uploads SET status = 'failed', failure = $failure, updated_at = now()::TIMESTAMP
         WHERE status = 'receiving'
           AND coalesce(updated_at, created_at) <= now()::TIMESTAMP - to_milliseconds($ms::BIGINT)
         RETURNING upload_id`,
        { failure: STALE_UPLOAD_FAILURE, ms: String(staleAfterMs) },
      );
      return failed.length;
    });
  }

  getUpload(id: string): Promise<StoredUpload | null> {
    return this.#reads.run(async () => {
      const [row] = await readAll(
        this.#reader,
        `SELECT u.*, (SELECT count(DISTINCT t.ticket_id) FROM tickets AS t WHERE t.upload_id = u.upload_id) AS scored,
                (SELECT count(DISTINCT d.ticket_id) FROM dead_letters AS d
                 WHERE d.upload_id = u.upload_id
                   AND d.ticket_id NOT IN (SELECT t.ticket_id FROM tickets AS t WHERE t.upload_id = u.upload_id)
                ) AS dead_lettered
         FROM uploads AS u WHERE u.upload_id = $id`,
        { id },
      );
      if (!row) return null;
      return uploadFromRow(row);
    });
  }

  listUploads(limit: number): Promise<UploadListing[]> {
    return this.#reads.run(async () =>
      (await readAll(
        this.#reader,
        `SELECT ${UPLOAD_LISTING_COLUMNS} FROM uploads ORDER BY created_at DESC, upload_id LIMIT $limit`,
        { limit },
      )).map(listingFromRow)
    );
  }

  withMartSession<T>(build: (session: MartSession) => Promise<T>): Promise<T> {
    return this.#marts.run(async () => {
      const connection = await this.#instance.connect();
      try {
        await connection.run(`SET threads = ${MARTS_THREADS}`);
        await connection.run("BEGIN TRANSACTION");
        // Which uploads count and which stored copies are stale is settled once (a scan of every ticket id); the
        // staging views then read the table through a cheap anti-join with that usually empty list.
        // Materialising all of staging instead took longer and more memory.
        await connection.run("CREATE TEMP TABLE session_uploads_uncounted AS SELECT * FROM uploads_uncounted");
        await connection.run("CREATE TEMP TABLE session_tickets_repeated AS SELECT * FROM tickets_repeated");
        await connection.run(
          `CREATE TEMP VIEW session_tickets_latest AS ${
            latestCopies("session_tickets_repeated", "session_uploads_uncounted")
          }`,
        );
        await connection.run(
          `CREATE TEMP VIEW ${this.sources.tickets} AS ${withOverrides("session_tickets_latest", LATEST_OVERRIDES)}`,
        );
        const session: MartSession = {
          stage: async (name, select) => void await connection.run(`CREATE TEMP VIEW ${name} AS ${select}`),
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
        await connection.run(`SET threads = ${LOAD_THREADS}`).catch(() => {});
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
    return this.#reads.run(() => readAll(this.#reader, `SELECT * FROM "${tableIdentifier(name)}"`));
  }

  getTicket(id: string): Promise<Row | null> {
    return this.#reads.run(async () => (await this.#currentOf([id]))[0] ?? null);
  }

  /**
   * The tickets of `ids` as they read now (any order; unknown ids left out). Their counted copies are read from the
   * table itself, with the agents' overrides: a ticket with one counted copy reads as that copy. Only tickets with
   * more than one (stored again since the last compaction) are read through `tickets_current`, which works out the
   * latest copy of every repeated ticket in the table first and costs a pass over all of it.
   */
  async #currentOf(ids: readonly string[]): Promise<Row[]> {
    const list = { values: { ids: listValue([...ids]) }, types: { ids: LIST(VARCHAR) } };
    const read = (sql: string) =>
      this.#reader.runAndReadAll(sql, list.values, list.types).then((r) => r.getRowObjectsJS().map(plainRow));
    const copies = await read(withOverrides(
      `(SELECT * FROM tickets WHERE ticket_id IN (SELECT unnest($ids))
          AND upload_id NOT IN (SELECT upload_id FROM uploads_uncounted))`,
      LATEST_OVERRIDES,
    ));
    const seen = new Map<unknown, number>();
    for (const row of copies) seen.set(row.ticket_id, (seen.get(row.ticket_id) ?? 0) + 1);
    const repeated = [...seen].filter(([, n]) => n > 1).map(([id]) => String(id));
    if (repeated.length === 0) return copies;
    list.values.ids = listValue(repeated);
    const latest = await read("SELECT * FROM tickets_current WHERE ticket_id IN (SELECT unnest($ids))");
    return [...copies.filter((row) => seen.get(row.ticket_id) === 1), ...latest];
  }

  listTickets(query: TicketQuery): Promise<Page> {
    const [values, dialect] = this.#dialect();
    const where = ticketConditions(query, dialect).join(" AND ");
    return this.#page(`FROM tickets_current WHERE ${where}`, "ticket_id", values, query);
  }

  recordDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    // Dead letters are few (a ticket a stage could not use): one parameterised insert each.
    return this.#writes.run(async () => {
      for (const letter of letters) {
        await this.#writer.run(
          `INSERT INTO dead_letters (upload_id, ticket_id, stage, reason, recorded_at)
           VALUES ($upload_id, $ticket_id, $stage, $reason, $recorded_at::TIMESTAMPTZ::TIMESTAMP)`,
          { ...letter } as Record<string, string>,
        );
      }
    });
  }

  async overridePriority(ticketId: string, priority: Priority, agent: string | null): Promise<Row | null> {
    const current = await this.getTicket(ticketId);
    if (current === null) return null;
    const record = overrideOf(current, priority, agent);
    await this.#writes.run(() =>
      this.#writer.run(
        `INSERT INTO overrides (ticket_id, priority, previous_label, previous_source, predicted, model_version, agent, overridden_at)
         VALUES ($ticket_id, $priority, $previous_label, $previous_source, $predicted, $model_version, $agent,
                 $overridden_at::TIMESTAMPTZ::TIMESTAMP)`,
        { ...record } as Record<string, string>,
      )
    );
    return await this.getTicket(ticketId);
  }

  queue(query: QueueQuery): Promise<Page> {
    const [values, dialect] = this.#dialect();
    const where = queueConditions(query, dialect).join(" AND ");
    return this.#page(`FROM tickets_current WHERE ${where}`, QUEUE_ORDER, values, query);
  }

  nearSignature({ signature, exclude, limit }: SignatureQuery): Promise<Row[]> {
    // The nearest counted copies, read from the table itself (two integer columns per ticket), then those tickets as
    // they read now.
    return this.#reads.run(async () => {
      const near = await readAll(
        this.#reader,
        `SELECT ticket_id FROM tickets
         WHERE ticket_id <> $exclude AND simhash_high IS NOT NULL
           AND upload_id NOT IN (SELECT upload_id FROM uploads_uncounted)
         ORDER BY bit_count(xor(simhash_high, $high::UINTEGER)) + bit_count(xor(simhash_low, $low::UINTEGER))
         LIMIT $limit`,
        { exclude, high: signature.high, low: signature.low, limit },
      );
      return await this.#currentOf([...new Set(near.map((row) => String(row.ticket_id)))]);
    });
  }

  /** DuckDB's way with query parameters (`$name`) and case-blind matching, and the values it collects. */
  #dialect(): [Record<string, string | boolean>, SqlDialect] {
    const values: Record<string, string | boolean> = {};
    return [values, {
      param: (name, value) => (values[name] = value, `$${name}`),
      contains: (column, param) => `${column} ILIKE ${param} ESCAPE '\\'`,
    }];
  }

  /** The rows of `from` (a FROM and WHERE clause) in `order`, a page of them, and how many there are. */
  #page(
    from: string,
    order: string,
    values: Record<string, string | boolean>,
    page: { limit: number; offset: number },
  ): Promise<Page> {
    return this.#reads.run(async () => {
      const rows = await readAll(this.#reader, `SELECT * ${from} ORDER BY ${order} LIMIT $limit OFFSET $offset`, {
        ...values,
        limit: page.limit,
        offset: page.offset,
      });
      const [{ total }] = await readAll(this.#reader, `SELECT count(*) AS total ${from}`, values);
      return { rows, total: Number(total) };
    });
  }

  async close(): Promise<void> {
    this.#loadStaged();
    await this.#writes.run(async () => {});
    await this.#marts.run(async () => {});
    this.#writer.closeSync();
    this.#reader.closeSync();
    this.#instance.closeSync();
    if (this.#incoming.removeOnClose) await Deno.remove(this.#incoming.dir, { recursive: true }).catch(() => {});
  }
}

/**
 * Opens (creating if needed) the DuckDB store in `dataDir`.
 *
 * @param dataDir the data directory; `":memory:"` for a throwaway in-memory store (tests).
 * @param memoryLimit DuckDB's `memory_limit`: past it, DuckDB spills to disk instead of growing.
 */
export async function openDuckDbStore(dataDir: string, memoryLimit = "128MB"): Promise<DuckDbStore> {
  const inMemory = dataDir === ":memory:";
  if (!inMemory) await Deno.mkdir(dataDir, { recursive: true });
  const instance = await DuckDBInstance.create(inMemory ? ":memory:" : join(dataDir, DATABASE_FILE), {
    memory_limit: memoryLimit,
    // Checkpoint (fold the write-ahead log into the file) less often than DuckDB's default: large uploads take
    // less time, for a little more memory at the peak.
    checkpoint_threshold: "64MB",
    threads: String(LOAD_THREADS),
  });
  const writer = await instance.connect();
  // Every instant in the store is UTC, whatever the machine's time zone.
  await writer.run("SET GLOBAL TimeZone = 'UTC'");
  const columnTypes = await ensureTicketsTable(writer, dataDir);
  await dropUploadsKey(writer);
  await writer.run(await Deno.readTextFile(SCHEMA_SQL));
  await writer.run(LATEST_TICKETS_VIEW);
  await writer.run(CURRENT_TICKETS_VIEW);
  const [{ store_id: storeId }] = await readAll(writer, "SELECT store_id FROM store_identity");
  // This process owns the file: an upload still "receiving" was cut off when the previous process stopped.
  await writer.run(
    "UPDATE uploads SET status = 'failed', failure = $failure, updated_at = now()::TIMESTAMP WHERE status = 'receiving'",
    { failure: STALE_UPLOAD_FAILURE },
  );
  // Batches left by a stopped process were never acknowledged: their senders deliver them again.
  const incoming = inMemory
    ? { dir: await Deno.makeTempDir({ prefix: "triage-incoming-" }), removeOnClose: true }
    : { dir: join(dataDir, INCOMING_DIR), removeOnClose: false };
  await Deno.remove(incoming.dir, { recursive: true }).catch(() => {});
  await Deno.mkdir(incoming.dir, { recursive: true });
  const reader = await instance.connect();
  return new DuckDbStore(
    { instance, writer, reader },
    { snapshot: inMemory ? null : join(dataDir, MARTS_SNAPSHOT_FILE), incoming },
    columnTypes,
    String(storeId),
  );
}

/**
 * Rebuilds an `uploads` table made with a primary key (before this release) without it: see `schema.sql` for why.
 */
async function dropUploadsKey(writer: DuckDBConnection): Promise<void> {
  const [{ keys }] = await readAll(
    writer,
    "SELECT count(*) AS keys FROM duckdb_constraints() WHERE table_name = 'uploads' AND constraint_type = 'PRIMARY KEY'",
  );
  if (Number(keys) === 0) return;
  await writer.run(
    `BEGIN TRANSACTION;
     CREATE TABLE uploads_without_key AS SELECT * FROM uploads;
     DROP TABLE uploads;
     ALTER TABLE uploads_without_key RENAME TO uploads;
     COMMIT`,
  );
}

/**
 * Creates the tickets table from the schema, or brings an existing one up to it: a column the schema gained is
 * added (empty for the tickets already stored); a column whose type changed, or that the schema no longer has,
 * stops the store with a message naming it.
 *
 * @returns the table's columns and their types.
 */
async function ensureTicketsTable(writer: DuckDBConnection, dataDir: string): Promise<Map<string, string>> {
  await writer.run(`CREATE TABLE IF NOT EXISTS tickets (\n${duckdbTicketColumns()}\n)`);
  const describe = async () =>
    new Map((await readAll(writer, "SELECT column_name, column_type FROM (DESCRIBE tickets)"))
      .map((r) => [String(r.column_name), String(r.column_type)]));
  const described = await describe();
  const { missing, mistyped, unknown } = compareTable(described, duckdbType);
  if (mistyped.length > 0 || unknown.length > 0) {
    throw new Error(
      `The tickets table in ${dataDir} does not match src/ticket/schema.ts: ` +
        [...mistyped, ...unknown.map((name) => `${name}: not in the schema`)].join("; "),
    );
  }
  // DuckDB cannot add a NOT NULL column to a table: added columns accept NULL.
  for (const column of missing) await writer.run(`ALTER TABLE tickets ADD COLUMN ${column.name} ${duckdbType(column)}`);
  return missing.length > 0 ? await describe() : described;
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
    readMart: async (name) => await readAll(connection, `SELECT * FROM "${tableIdentifier(name)}"`),
    close: () => {
      connection.closeSync();
      instance.closeSync();
      return Promise.resolve();
    },
  };
}
