/**
 * The production store: ClickHouse over HTTP with `@clickhouse/client`. Values always travel as query parameters
 * or as JSONEachRow insert bodies, never spliced into SQL text. In production ClickHouse pulls scored tickets from
 * Kafka itself (`sql/clickhouse/views/`); `writeScored` exists for the embedded-style paths and
 * tests, and writes to the same ReplacingMergeTree, so a ticket written twice is read once (FINAL).
 *
 * Marts are built in a scratch database (`db_tickets_build_<random>`): staging views, mart tables and data tests
 * all run there; only if every test passes is the database published, renamed whole to `db_tickets_marts_<time>`
 * (one atomic rename: a reader sees every mart of one build). Readers read the newest such database. One build
 * runs at a time across every process of a deployment (the web servers' schedules, the `marts` service): a build
 * holds a lease, taken over atomically when its holder died, and the holder first drops scratch databases that
 * crashed builds left behind.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { type ClickHouseClient, type ClickHouseSettings, createClient } from "@clickhouse/client";
import type { Priority, ScoredTicket } from "../ticket/schema.ts";
import { DATABASE, migrate, type MigrationValues, type SqlRunner } from "./clickhouse_migrations.ts";
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
  ticketConditions,
  type TicketQuery,
  UPLOAD_LISTING_COLUMNS,
  uploadFromRow,
  type UploadListing,
  type UploadRecord,
  withOverrides,
} from "./store.ts";
import type { DeadLetter } from "../bus/dead_letter.ts";
import { INSTANT_COLUMNS } from "./ticket_table.ts";

/**
 * Where a marts build happens before it is published: this prefix plus a random suffix, so that two processes
 * building at once (the web app's cron and the marts service) never share a scratch database.
 */
export const BUILD_DATABASE = "db_tickets_build";

/**
 * Published marts: each build's database, renamed whole to `<prefix>_<server time in ms>_<random>` when it is
 * published, so that readers see every mart of one build or of the next, never some of each (one rename is atomic;
 * a table-by-table swap was not). Readers take the newest; the few before it stay for readers still on them.
 */
export const MARTS_DATABASE = "db_tickets_marts";
/** Published marts databases kept: the newest and those a reader that began a moment ago may still be reading. */
const MARTS_GENERATIONS_KEPT = 3;

/**
 * The marts lease: a table that exists while a build holds it. Creating a table is atomic in ClickHouse, so of two
 * processes only one gets it; its comment says until when and who holds it. The holder renews it while it builds,
 * so a holder that died (kill -9, a lost machine) blocks other builds for at most {@linkcode LEASE_MS}.
 */
const LEASE_TABLE = `${DATABASE}.marts_build_lease`;
/** How long a lease lasts unless renewed. */
const LEASE_MS = 30_000;
/** How often the holder renews it: a third of its length, so two renewals can fail before it lapses. */
const LEASE_RENEW_MS = LEASE_MS / 3;
/** How often a process waiting for the lease asks again. */
const LEASE_POLL_MS = 250;

/**
 * Settings every query runs with. `join_use_nulls` makes an unmatched LEFT JOIN side NULL, as in standard SQL
 * (and DuckDB), which the shared mart SQL relies on; `prefer_column_name_to_alias` reads a column name as the
 * column even where an alias of the same name exists (`sum(tickets) AS tickets`), as standard SQL does;
 * `aggregate_functions_null_for_empty` makes sum/avg/max over no rows NULL (not 0, nan or ''), as standard SQL
 * does; 64-bit integers come back as JSON numbers.
 */
export const CLICKHOUSE_SETTINGS: ClickHouseSettings = {
  join_use_nulls: 1,
  prefer_column_name_to_alias: 1,
  aggregate_functions_null_for_empty: 1,
  output_format_json_quote_64bit_integers: 0,
  output_format_json_quote_decimals: 0,
};

/** Connection settings. */
export interface ClickHouseOptions {
  url: string;
  username?: string;
  password?: string;
}

/** ClickHouse JSON text values → what the API and site expect (same as the DuckDB store answers). */
function plainValue(type: string, value: unknown): Row[string] {
  if (value === null || value === undefined) return null;
  const base = type.replace(/^(LowCardinality\()?(Nullable\()?/, "");
  if (base.startsWith("DateTime")) {
    const text = String(value);
    const [date, time] = text.split(" ");
    const [hms, fraction = ""] = time.split(".");
    return `${date}T${hms}.${fraction.padEnd(3, "0").slice(0, 3)}Z`;
  }
  if (base.startsWith("Date")) return `${value}T00:00:00.000Z`;
  if (/^U?Int(64|128|256)/.test(base) || base.startsWith("Decimal")) return Number(value);
  return value as Row[string];
}

interface JsonResult {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
}

async function readRows(client: ClickHouseClient, sql: string, params?: Record<string, unknown>): Promise<Row[]> {
  const result = await client.query({ query: sql, query_params: params, format: "JSON" });
  const { meta, data } = await result.json() as unknown as JsonResult;
  return data.map((row) => {
    const out: Row = {};
    for (const { name, type } of meta) out[name] = plainValue(type, row[name]);
    return out;
  });
}

function runner(client: ClickHouseClient): SqlRunner {
  return {
    command: async (sql, params) => void await client.command({ query: sql, query_params: params }),
    query: (sql, params) => readRows(client, sql, params),
  };
}

/** Twelve random word characters, for names no other process picks. */
const randomWord = () => crypto.randomUUID().replaceAll("-", "").slice(0, 12);

/** Added to the version of an ended upload's record (done or failed): above any receiving one until 2128. */
const ENDED_VERSION = 4e15;

/** An ISO instant as ClickHouse reads a DateTime64 in UTC. */
function toClickHouseInstant(iso: string): string {
  return new Date(iso).toISOString().replace("T", " ").replace("Z", "");
}

/**
 * A ticket as a JSONEachRow object for `db_tickets.tickets`. Instants go as `YYYY-MM-DD HH:MM:SS[.sss]` in UTC:
 * an ISO instant with a zone is converted, ingest's own zone-less form is UTC already.
 */
function ticketRow(t: ScoredTicket): Record<string, unknown> {
  const row: Record<string, unknown> = { ...t };
  for (const name of INSTANT_COLUMNS) {
    const value = row[name] as string | null;
    if (value === null) continue;
    const utc = value.includes("T") ? new Date(value).toISOString() : value;
    row[name] = utc.replace("T", " ").replace(/Z$/, "");
  }
  return row;
}

/**
 * One row per ticket: its latest counted copy (see `store.ts`). FINAL settles copies delivered or scored again;
 * `LIMIT 1 BY` takes the latest ingest among uploads that are done.
 */
const LATEST_TICKETS = `(SELECT * FROM ${DATABASE}.tickets FINAL
  WHERE upload_id NOT IN (SELECT upload_id FROM ${DATABASE}.uploads FINAL WHERE status <> 'done')
  ORDER BY ticket_id, ingested_at DESC, scored_at DESC
  LIMIT 1 BY ticket_id)`;

/** One row per ticket as it reads now: the latest counted copy, with the agents' overrides applied. */
const CURRENT_TICKETS = `(${
  withOverrides(
    LATEST_TICKETS,
    `(SELECT ticket_id, argMax(priority, overridden_at) AS priority FROM ${DATABASE}.overrides GROUP BY ticket_id)`,
  )
})`;

/** The ClickHouse-backed {@linkcode Store}. Open it with {@linkcode openClickHouseStore}. */
export class ClickHouseStore implements Store {
  readonly engine = "clickhouse";
  readonly sinkGroup = "store-sink";
  readonly sources = { tickets: CURRENT_TICKETS, overrides: `${DATABASE}.overrides` };
  readonly #client: ClickHouseClient;
  readonly #options: ClickHouseOptions;
  #marts: Promise<unknown> = Promise.resolve();
  /** The marts database a reader pinned ({@linkcode ClickHouseStore.pinMarts}), or null to read the newest. */
  #pinnedMarts: string | null = null;
  #version = 0;

  constructor(client: ClickHouseClient, options: ClickHouseOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** ClickHouse takes each insert as it comes: staging is writing. */
  stageScored(tickets: readonly ScoredTicket[]): Promise<void> {
    return this.writeScored(tickets);
  }

  flushStaged(): Promise<void> {
    return Promise.resolve();
  }

  async writeScored(tickets: readonly ScoredTicket[]): Promise<void> {
    if (tickets.length === 0) return;
    await this.#client.insert({
      table: `${DATABASE}.tickets`,
      values: tickets.map(ticketRow),
      format: "JSONEachRow",
      clickhouse_settings: { date_time_input_format: "best_effort" },
    });
  }

  async ping(): Promise<void> {
    const ping = await this.#client.ping();
    if (!ping.success) throw (ping as { error: Error }).error;
  }

  /** A version that grows with every save from this process (ReplacingMergeTree keeps the highest). */
  /** Versions of uploads' records: microseconds of this process's clock, kept increasing. */
  #nextVersion(): number {
    this.#version = Math.max(this.#version + 1, Date.now() * 1000);
    return this.#version;
  }

  async saveUpload(upload: UploadRecord): Promise<boolean> {
    const [ended] = await readRows(
      this.#client,
      `SELECT count() AS n FROM ${DATABASE}.uploads FINAL WHERE upload_id = {id:String} AND status != 'receiving'`,
      { id: upload.upload_id },
    );
    if (Number(ended.n) > 0) return false;
    await this.#client.insert({
      table: `${DATABASE}.uploads`,
      format: "JSONEachRow",
      clickhouse_settings: { date_time_input_format: "best_effort" },
      values: [{
        upload_id: upload.upload_id,
        created_at: toClickHouseInstant(upload.created_at),
        // updated_at is left to the server's clock (the column's default), the clock failStaleUploads reads.
        filename: upload.filename,
        bytes: upload.bytes,
        uploaded_by: upload.uploaded_by,
        status: upload.status,
        received: upload.summary?.received ?? 0,
        accepted: upload.summary?.accepted ?? 0,
        rejected: upload.summary?.rejected ?? 0,
        summary: upload.summary === null ? null : JSON.stringify(upload.summary),
        failure: upload.failure,
        // An ended record outranks every receiving one, whichever process saved it and whatever its clock says.
        version: this.#nextVersion() + (upload.status === "receiving" ? 0 : ENDED_VERSION),
      }],
    });
    return true;
  }

  async getUpload(id: string): Promise<StoredUpload | null> {
    const [row] = await readRows(
      this.#client,
      `SELECT u.upload_id, u.created_at, u.updated_at, u.filename, u.bytes, u.uploaded_by, u.status, u.summary,
              u.failure,
              (SELECT uniqExact(ticket_id) FROM ${DATABASE}.tickets WHERE upload_id = {id:String}) AS scored,
              (SELECT uniqExact(ticket_id) FROM (
                 SELECT ticket_id FROM ${DATABASE}.dead_letters WHERE upload_id = {id:String}
                 UNION ALL
                 -- What the Kafka engine's view refused (it never reaches the app): the ticket in the raw message.
                 SELECT JSONExtractString(raw_message, 'value', 'ticket_id') FROM ${DATABASE}.tickets_dead_letter
                 WHERE JSONExtractString(raw_message, 'value', 'upload_id') = {id:String}
               )
               WHERE ticket_id NOT IN (SELECT ticket_id FROM ${DATABASE}.tickets WHERE upload_id = {id:String})
              ) AS dead_lettered
       FROM ${DATABASE}.uploads AS u FINAL
       WHERE u.upload_id = {id:String}`,
      { id },
    );
    if (!row) return null;
    return uploadFromRow(row);
  }

  async listUploads(limit: number): Promise<UploadListing[]> {
    return (await readRows(
      this.#client,
      `SELECT ${UPLOAD_LISTING_COLUMNS} FROM ${DATABASE}.uploads FINAL
       ORDER BY created_at DESC, upload_id LIMIT {limit:UInt32}`,
      { limit },
    )).map(listingFromRow);
  }

  async failStaleUploads(staleAfterMs: number): Promise<number> {
    const stale = await readRows(
      this.#client,
      `SELECT upload_id, created_at, filename, bytes, uploaded_by, summary
       FROM ${DATABASE}.uploads FINAL
       WHERE status = 'receiving' AND updated_at <= now64(3) - toIntervalMillisecond({ms:UInt64})`,
      { ms: staleAfterMs },
    );
    for (const row of stale) {
      await this.saveUpload({
        ...uploadFromRow({ ...row, status: "failed", failure: STALE_UPLOAD_FAILURE, scored: 0, updated_at: null }),
      });
    }
    return stale.length;
  }

  withMartSession<T>(build: (session: MartSession) => Promise<T>): Promise<T> {
    const run = this.#marts.then(() => this.#buildAndPublish(build));
    this.#marts = run.catch(() => {});
    return run;
  }

  async #buildAndPublish<T>(build: (session: MartSession) => Promise<T>): Promise<T> {
    const lease = await this.#acquireLease();
    try {
      await this.#dropScratchDatabases();
      return await this.#buildAndSwap(build, async (database) => {
        // A holder whose lease lapsed (it stalled past LEASE_MS) and was taken over publishes nothing.
        if (!await lease.held()) throw new Error("the marts lease lapsed during the build; nothing was published");
        const [{ now }] = await readRows(this.#client, "SELECT toUnixTimestamp64Milli(now64(3)) AS now");
        const generation = `${MARTS_DATABASE}_${String(now).padStart(13, "0")}_${randomWord()}`;
        await this.#client.command({ query: `RENAME DATABASE ${database} TO ${generation}` });
        await this.#dropOldMarts();
      });
    } finally {
      await lease.release();
    }
  }

  /** The published marts databases, oldest first. */
  async #martsDatabases(): Promise<string[]> {
    return (await readRows(
      this.#client,
      "SELECT name FROM system.databases WHERE startsWith(name, {prefix:String}) ORDER BY name",
      { prefix: `${MARTS_DATABASE}_` },
    )).map((r) => String(r.name)).filter((name) => /^\w+$/.test(name));
  }

  async #dropOldMarts(): Promise<void> {
    const databases = await this.#martsDatabases();
    for (const name of databases.slice(0, -MARTS_GENERATIONS_KEPT)) {
      await this.#client.command({ query: `DROP DATABASE IF EXISTS ${name} SYNC` });
    }
  }

  /** The database the marts are read from: the pinned one, else the newest published (else, before any, the old place). */
  async #martsDatabase(): Promise<string> {
    return this.#pinnedMarts ?? (await this.#martsDatabases()).at(-1) ?? DATABASE;
  }

  /**
   * Reads every later mart from the marts published now, whatever is published meanwhile: a reader of several marts
   * (the site's loader) gets them all from one build.
   */
  async pinMarts(): Promise<void> {
    this.#pinnedMarts = await this.#martsDatabase();
  }

  /**
   * Waits for the marts lease and takes it, renewing it until given back; answers whether it is still held and how
   * to give it back.
   */
  async #acquireLease(): Promise<{ held: () => Promise<boolean>; release: () => Promise<void> }> {
    const holder = `${Deno.hostname().replace(/[^\w.-]/g, "_")}/${Deno.pid}/${crypto.randomUUID()}`;
    // Both values are made here (digits, and a host name cut to word characters), never from input.
    const comment = () => `'${Date.now() + LEASE_MS} ${holder}'`;
    const ours = async () => (await this.#leaseComment())?.endsWith(` ${holder}`) ?? false;
    for (;;) {
      const current = await this.#leaseComment();
      if (current === null) {
        try {
          await this.#client.command({
            query: `CREATE TABLE ${LEASE_TABLE} (holder String) ENGINE = Memory COMMENT ${comment()}`,
          });
          break;
        } catch (error) {
          if (!/already exists/i.test((error as Error).message)) throw error; // another process was quicker
        }
      } else if (Number(current.split(" ")[0]) < Date.now()) {
        await this.#takeOverLapsed(current); // its holder died
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, LEASE_POLL_MS));
    }
    let renewing = Promise.resolve();
    const renew = setInterval(() => {
      renewing = renewing.then(async () => {
        if (await ours()) {
          await this.#client.command({ query: `ALTER TABLE ${LEASE_TABLE} MODIFY COMMENT ${comment()}` });
        }
      }).catch((error) => console.error(`marts lease: could not renew: ${(error as Error).message}`));
    }, LEASE_RENEW_MS);
    return {
      held: ours,
      release: async () => {
        clearInterval(renew);
        await renewing;
        if (await ours()) await this.#client.command({ query: `DROP TABLE IF EXISTS ${LEASE_TABLE} SYNC` });
      },
    };
  }

  /**
   * Removes a lapsed lease whose comment read `seen`, and only that one: it is renamed out of the way first (one of
   * two processes doing this at once gets it), and put back if what was renamed was by then somebody's fresh lease.
   */
  async #takeOverLapsed(seen: string): Promise<void> {
    const aside = `${LEASE_TABLE}_lapsed_${randomWord()}`;
    try {
      await this.#client.command({ query: `RENAME TABLE ${LEASE_TABLE} TO ${aside}` });
    } catch {
      return; // another process moved it first
    }
    const moved = await this.#leaseComment(aside);
    if (moved !== null && moved !== seen) {
      await this.#client.command({ query: `RENAME TABLE ${aside} TO ${LEASE_TABLE}` }).catch(() => {});
    }
    await this.#client.command({ query: `DROP TABLE IF EXISTS ${aside} SYNC` });
  }

  /** The comment of the lease (`<until ms> <holder>`; of a lease moved aside: `table`), or null when there is none. */
  async #leaseComment(table = LEASE_TABLE): Promise<string | null> {
    const [row] = await readRows(
      this.#client,
      "SELECT comment FROM system.tables WHERE database = {db:String} AND name = {name:String}",
      { db: DATABASE, name: table.split(".")[1] },
    );
    return row ? String(row.comment) : null;
  }

  /** Drops the scratch databases of builds that never finished (only the lease holder builds, so none is live). */
  async #dropScratchDatabases(): Promise<void> {
    const left = await readRows(
      this.#client,
      "SELECT name FROM system.databases WHERE startsWith(name, {prefix:String})",
      { prefix: `${BUILD_DATABASE}_` },
    );
    for (const { name } of left) {
      if (!/^\w+$/.test(String(name))) continue;
      await this.#client.command({ query: `DROP DATABASE IF EXISTS ${name} SYNC` });
    }
  }

  async #buildAndSwap<T>(
    build: (session: MartSession) => Promise<T>,
    publish: (database: string) => Promise<void>,
  ): Promise<T> {
    const admin = this.#client;
    const buildDatabase = `${BUILD_DATABASE}_${randomWord()}`;
    await admin.command({ query: `CREATE DATABASE ${buildDatabase}` });
    const scratch = createClient({
      url: this.#options.url,
      username: this.#options.username,
      password: this.#options.password,
      database: buildDatabase,
      // Expressions over LowCardinality columns can come out as LowCardinality(UInt8); mart tables may keep that.
      clickhouse_settings: { ...CLICKHOUSE_SETTINGS, allow_suspicious_low_cardinality_types: 1 },
    });
    const tables: string[] = [];
    try {
      const createTable = async (name: string, select: string) => {
        await scratch.command({
          query: `CREATE OR REPLACE TABLE ${name} ENGINE = MergeTree ORDER BY tuple() AS ${select}`,
        });
        tables.push(name);
      };
      const session: MartSession = {
        // Staging is materialised once per build: every mart reads it, and FINAL is not free.
        stage: createTable,
        createTable,
        query: (sql) => readRows(scratch, sql),
        count: async (table) => Number((await readRows(scratch, `SELECT count() AS n FROM ${table}`))[0].n),
      };
      const result = await build(session);
      await publish(buildDatabase);
      return result;
    } finally {
      await scratch.close();
      await admin.command({ query: `DROP DATABASE IF EXISTS ${buildDatabase} SYNC` }).catch(() => {});
    }
  }

  async readMart(name: string): Promise<Row[]> {
    if (!/^mart_\w+$/.test(name)) throw new Error(`not a mart name: ${name}`);
    // One thread reads the single part in the order the build wrote it (the mart's ORDER BY).
    return await readRows(
      this.#client,
      `SELECT * FROM ${await this.#martsDatabase()}.${name} SETTINGS max_threads = 1`,
    );
  }

  async getTicket(id: string): Promise<Row | null> {
    const [row] = await readRows(
      this.#client,
      `SELECT * FROM ${CURRENT_TICKETS} WHERE ticket_id = {id:String}`,
      { id },
    );
    return row ?? null;
  }

  listTickets(query: TicketQuery): Promise<Page> {
    const [params, dialect] = this.#dialect();
    const where = ticketConditions(query, dialect).join(" AND ");
    return this.#page(`FROM ${CURRENT_TICKETS} WHERE ${where}`, "ticket_id", params, query);
  }

  async recordDeadLetters(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.#client.insert({
      table: `${DATABASE}.dead_letters`,
      values: letters.map((l) => ({ ...l, recorded_at: l.recorded_at.replace("T", " ").replace(/Z$/, "") })),
      format: "JSONEachRow",
    });
  }

  async overridePriority(ticketId: string, priority: Priority, agent: string | null): Promise<Row | null> {
    const current = await this.getTicket(ticketId);
    if (current === null) return null;
    const record = overrideOf(current, priority, agent);
    await this.#client.insert({
      table: `${DATABASE}.overrides`,
      values: [{ ...record, overridden_at: record.overridden_at.replace("T", " ").replace(/Z$/, "") }],
      format: "JSONEachRow",
    });
    return await this.getTicket(ticketId);
  }

  queue(query: QueueQuery): Promise<Page> {
    const [params, dialect] = this.#dialect();
    const where = queueConditions(query, dialect).join(" AND ");
    return this.#page(`FROM ${CURRENT_TICKETS} WHERE ${where}`, QUEUE_ORDER, params, query);
  }

  async nearSignature({ signature, exclude, limit }: SignatureQuery): Promise<Row[]> {
    // The nearest counted copies, read from the table itself (two integer columns per ticket, no FINAL), then those
    // tickets as they read now.
    return await readRows(
      this.#client,
      `SELECT * FROM ${CURRENT_TICKETS} WHERE ticket_id IN (
         SELECT ticket_id FROM ${DATABASE}.tickets
         WHERE ticket_id <> {exclude:String} AND simhash_high IS NOT NULL
           AND upload_id NOT IN (SELECT upload_id FROM ${DATABASE}.uploads FINAL WHERE status <> 'done')
         ORDER BY bitCount(bitXor(simhash_high, {high:UInt32})) + bitCount(bitXor(simhash_low, {low:UInt32}))
         LIMIT {limit:UInt32}
       )`,
      { exclude, high: signature.high, low: signature.low, limit },
    );
  }

  /** ClickHouse's typed query parameters (`{name:Type}`) and case-blind matching, and the values it collects. */
  #dialect(): [Record<string, string | boolean>, SqlDialect] {
    const params: Record<string, string | boolean> = {};
    return [params, {
      param: (name, value) => (params[name] = value, `{${name}:${typeof value === "boolean" ? "Bool" : "String"}}`),
      contains: (column, param) => `${column} ILIKE ${param}`,
    }];
  }

  /** The rows of `from` (a FROM and WHERE clause) in `order`, a page of them, and how many there are. */
  async #page(
    from: string,
    order: string,
    params: Record<string, string | boolean>,
    page: { limit: number; offset: number },
  ): Promise<Page> {
    const rows = await readRows(
      this.#client,
      `SELECT * ${from} ORDER BY ${order} LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
      { ...params, limit: page.limit, offset: page.offset },
    );
    const [{ total }] = await readRows(this.#client, `SELECT count() AS total ${from}`, params);
    return { rows, total: Number(total) };
  }

  /** Runs the migrations (see {@linkcode migrate}). */
  migrate(values: MigrationValues): Promise<string[]> {
    return migrate(runner(this.#client), values);
  }

  async close(): Promise<void> {
    await this.#marts;
    await this.#client.close();
  }
}

/** Connection options from the configuration. */
export function clickhouseOptions(config: Config): ClickHouseOptions {
  if (!config.clickhouseUrl) throw new Error("CLICKHOUSE_URL is not set");
  return {
    url: config.clickhouseUrl,
    username: config.clickhouseUser ?? undefined,
    password: config.clickhousePassword ?? undefined,
  };
}

/** Opens the ClickHouse store (checks the server answers; run `deno task db:migrate` to create the schema). */
export async function openClickHouseStore(options: ClickHouseOptions): Promise<ClickHouseStore> {
  const client = createClient({
    url: options.url,
    username: options.username,
    password: options.password,
    clickhouse_settings: CLICKHOUSE_SETTINGS,
  });
  const ping = await client.ping();
  if (!ping.success) {
    await client.close();
    throw new Error(`ClickHouse at ${options.url} does not answer: ${(ping as { error: Error }).error.message}`);
  }
  return new ClickHouseStore(client, options);
}
