/**
 * The ClickHouse schema, applied by `deno task db:migrate` (and by tests on the real engine):
 *
 * 1. **Versioned migrations** `sql/clickhouse/NNNN_*.sql`, each applied once, in order, and recorded in
 *    `db_tickets.schema_migrations`. Every statement is idempotent too, so a run cut off half-way is run again.
 * 2. **Ticket columns** follow the ticket schema: `{{ticket_columns}}` in a migration is the schema's column list,
 *    and a column the schema gained since the table was made is added to it (a changed type stops the run).
 *    `{{tickets_engine}}` is {@linkcode TICKETS_ENGINE}; a table made with an earlier key is copied into one with
 *    this key and swapped in (run it while no consumer writes: before starting the app).
 * 3. **Views** `sql/clickhouse/views/*.sql` (the materialized views from the Kafka table) are derived, not
 *    versioned: each is recreated whenever its text changes (a hash of it is kept as the view's comment), so a new
 *    ticket column reaches the view that fills it. `{{ticket_columns_from_json}}` reads every column out of a
 *    message. Kafka offsets are the consumer group's, so a view recreated picks up where the old one stopped.
 *
 * `{{kafka_brokers}}` and `{{kafka_group}}` are filled in from the configuration.
 *
 * The cluster layout (`sql/clickhouse/cluster/`, sharded and replicated) is rendered here with the same values
 * ({@linkcode loadClusterSql}) but applied by hand (its README); `migrate` refuses a database laid out that way.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { SCORED_SOURCES } from "../ticket/schema.ts";
import { clickhouseTicketCheck } from "../ticket/validate.ts";
import type { Row } from "./store.ts";
import { clickhouseColumnsFromJson, clickhouseTicketColumns, clickhouseType, compareTable } from "./ticket_table.ts";

/** The database that holds tickets, uploads and the published marts. */
export const DATABASE = "db_tickets";

/** The tickets table's sorting key: one copy per ticket, upload and batch. */
const TICKETS_KEY = "ticket_id, upload_id, ingested_at";

/**
 * The tickets table's engine: a copy delivered or scored again replaces its earlier self (the latest score wins);
 * copies from different uploads or batches stay apart, and readers choose among them.
 */
export const TICKETS_ENGINE =
  `ReplacingMergeTree(scored_at) PARTITION BY toYYYYMM(ingested_at) ORDER BY (${TICKETS_KEY})`;

const MIGRATIONS_DIR = new URL("../../sql/clickhouse/", import.meta.url);
const VIEWS_DIR = new URL("views/", MIGRATIONS_DIR);
const CLUSTER_DIR = new URL("cluster/", MIGRATIONS_DIR);

/** A SQL file of `sql/clickhouse/`, rendered and split into statements. */
export interface SqlFile {
  /** The migration's version (`0001`), or the view file's name. */
  version: string;
  file: string;
  statements: string[];
}

/** Values the SQL files are rendered with. */
export interface MigrationValues {
  kafkaBrokers: string[];
  kafkaGroup?: string;
}

/** What a migration run needs from a connection. */
export interface SqlRunner {
  command(sql: string, params?: Record<string, unknown>): Promise<void>;
  query(sql: string, params?: Record<string, unknown>): Promise<Row[]>;
}

/** Splits a SQL file into statements (on `;` at the end of a line), dropping comment-only pieces. */
export function splitStatements(sql: string): string[] {
  return sql.split(/;[ \t]*$/m)
    .map((s) => s.trim())
    .filter((s) => s.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("--")));
}

async function readSqlFiles(dir: URL, pattern: RegExp, values: MigrationValues): Promise<SqlFile[]> {
  const brokers = values.kafkaBrokers.join(",");
  if (!/^[\w.:,-]*$/.test(brokers)) throw new Error(`unusable Kafka broker list: ${brokers}`);
  const group = values.kafkaGroup ?? "clickhouse_tickets";
  if (!/^[\w.-]+$/.test(group)) throw new Error(`unusable Kafka group name: ${group}`);
  const names: string[] = [];
  // Placeholders are filled in anywhere in the text, so SQL comments must not spell them out.
  for await (const entry of Deno.readDir(dir)) if (entry.isFile && pattern.test(entry.name)) names.push(entry.name);
  const files: SqlFile[] = [];
  for (const file of names.sort()) {
    const text = (await Deno.readTextFile(new URL(file, dir)))
      .replaceAll("{{kafka_brokers}}", brokers || "kafka:9092")
      .replaceAll("{{kafka_group}}", group)
      .replaceAll("{{ticket_columns}}", clickhouseTicketColumns())
      .replaceAll("{{tickets_engine}}", TICKETS_ENGINE)
      .replaceAll("{{ticket_columns_from_json}}", clickhouseColumnsFromJson())
      // A function, not a string: the check's regular expressions hold `$'`, which a replacement string reads as a
      // pattern.
      .replaceAll("{{scored_ticket_check}}", () => clickhouseTicketCheck(SCORED_SOURCES));
    files.push({ version: file.replace(/(_.*)?\.sql$/, ""), file, statements: splitStatements(text) });
  }
  return files;
}

/** Reads `sql/clickhouse/NNNN_*.sql` in version order, rendered. */
export function loadMigrations(values: MigrationValues): Promise<SqlFile[]> {
  return readSqlFiles(MIGRATIONS_DIR, /^\d{4}_[\w-]+\.sql$/, values);
}

/** Reads `sql/clickhouse/views/*.sql`, rendered. */
export function loadViews(values: MigrationValues): Promise<SqlFile[]> {
  return readSqlFiles(VIEWS_DIR, /^[\w-]+\.sql$/, values);
}

/**
 * Reads the cluster layout, rendered, in the order it is applied: `sql/clickhouse/cluster/NNNN_*.sql` in version
 * order, then `cluster/views/*.sql` (file names prefixed with `views/`).
 */
export async function loadClusterSql(values: MigrationValues): Promise<SqlFile[]> {
  const views = await readSqlFiles(new URL("views/", CLUSTER_DIR), /^[\w-]+\.sql$/, values);
  return [
    ...await readSqlFiles(CLUSTER_DIR, /^\d{4}_[\w-]+\.sql$/, values),
    ...views.map((view) => ({ ...view, file: `views/${view.file}` })),
  ];
}

/**
 * Brings the schema up to date: versioned migrations not yet recorded, then ticket columns, then views.
 *
 * @returns what this run changed (migration files, `column <name>`, `view <file>`); empty when nothing.
 * @throws when `tickets` is the cluster layout's Distributed table: re-keying it, or recreating the views on one
 *   node, would take that node out of the cluster's layout.
 */
export async function migrate(runner: SqlRunner, values: MigrationValues): Promise<string[]> {
  const [tickets] = await runner.query(
    "SELECT engine FROM system.tables WHERE database = {db:String} AND name = 'tickets'",
    { db: DATABASE },
  );
  if (tickets?.engine === "Distributed") {
    throw new Error(
      `${DATABASE}.tickets is a Distributed table: this is the cluster layout (sql/clickhouse/cluster/), which ` +
        "db:migrate does not manage; change it as sql/clickhouse/cluster/README.md says",
    );
  }
  await runner.command(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
  await runner.command(
    `CREATE TABLE IF NOT EXISTS ${DATABASE}.schema_migrations
       (version String, file String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
     ENGINE = ReplacingMergeTree ORDER BY version`,
  );
  const done = new Set((await runner.query(`SELECT version FROM ${DATABASE}.schema_migrations FINAL`))
    .map((r) => String(r.version)));
  const changed: string[] = [];
  for (const migration of await loadMigrations(values)) {
    if (done.has(migration.version)) continue;
    for (const statement of migration.statements) await runner.command(statement);
    await runner.command(
      `INSERT INTO ${DATABASE}.schema_migrations (version, file) VALUES ({version:String}, {file:String})`,
      { version: migration.version, file: migration.file },
    );
    changed.push(migration.file);
  }
  changed.push(...await syncTicketColumns(runner));
  const rekeyed = await syncTicketsKey(runner);
  changed.push(...rekeyed);
  // A view's target is the table it was made with, not its name: after a swap the views are made again.
  changed.push(...await syncViews(runner, await loadViews(values), rekeyed.length > 0));
  return changed;
}

/**
 * Re-keys `db_tickets.tickets` made with an earlier sorting key: copies it into a table made with
 * {@linkcode TICKETS_ENGINE} and swaps the two (atomic). A run cut off at any step is finished by the next one.
 */
async function syncTicketsKey(runner: SqlRunner): Promise<string[]> {
  const rekeyed = `${DATABASE}.tickets_rekeyed`;
  const [table] = await runner.query(
    "SELECT sorting_key FROM system.tables WHERE database = {db:String} AND name = 'tickets'",
    { db: DATABASE },
  );
  if (String(table?.sorting_key) === TICKETS_KEY) {
    await runner.command(`DROP TABLE IF EXISTS ${rekeyed} SYNC`); // left by a run cut off after the swap
    return [];
  }
  await runner.command(`DROP TABLE IF EXISTS ${rekeyed} SYNC`);
  await runner.command(`CREATE TABLE ${rekeyed} AS ${DATABASE}.tickets ENGINE = ${TICKETS_ENGINE}`);
  await runner.command(`INSERT INTO ${rekeyed} SELECT * FROM ${DATABASE}.tickets`);
  await runner.command(`EXCHANGE TABLES ${DATABASE}.tickets AND ${rekeyed}`);
  await runner.command(`DROP TABLE ${rekeyed} SYNC`);
  return [`tickets key (${TICKETS_KEY})`];
}

/** Adds the schema's columns that `db_tickets.tickets` lacks; refuses a column whose type differs. */
async function syncTicketColumns(runner: SqlRunner): Promise<string[]> {
  const rows = await runner.query(
    "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = 'tickets'",
    { db: DATABASE },
  );
  const { missing, mistyped, unknown } = compareTable(
    new Map(rows.map((r) => [String(r.name), String(r.type)])),
    clickhouseType,
  );
  if (mistyped.length > 0 || unknown.length > 0) {
    throw new Error(
      `${DATABASE}.tickets does not match src/ticket/schema.ts: ` +
        [...mistyped, ...unknown.map((name) => `${name}: not in the schema`)].join("; "),
    );
  }
  for (const column of missing) {
    await runner.command(
      `ALTER TABLE ${DATABASE}.tickets ADD COLUMN IF NOT EXISTS ${column.name} ${clickhouseType(column)}`,
    );
  }
  return missing.map((c) => `column ${c.name}`);
}

/** Recreates the views of each file whose text changed since they were made (or that do not exist), or all. */
async function syncViews(runner: SqlRunner, files: SqlFile[], all = false): Promise<string[]> {
  const changed: string[] = [];
  for (const file of files) {
    const stamp = `${file.file} sha256:${createHash("sha256").update(file.statements.join(";\n")).digest("hex")}`;
    const views = file.statements.map((statement) => {
      const name = /^CREATE MATERIALIZED VIEW (?:IF NOT EXISTS )?([\w.]+)/im.exec(statement)?.[1];
      if (!name) throw new Error(`sql/clickhouse/views/${file.file}: every statement must create a materialized view`);
      return { name, statement };
    });
    const comments = await Promise.all(views.map(async ({ name }) => {
      const [database, table] = name.split(".");
      const [row] = await runner.query(
        "SELECT comment FROM system.tables WHERE database = {database:String} AND name = {table:String}",
        { database, table },
      );
      return row ? String(row.comment) : null;
    }));
    if (!all && comments.every((comment) => comment === stamp)) continue;
    for (const { name } of views) await runner.command(`DROP VIEW IF EXISTS ${name} SYNC`);
    for (const { statement } of views) await runner.command(`${statement}\nCOMMENT '${stamp}'`);
    changed.push(`view ${file.file}`);
  }
  return changed;
}
