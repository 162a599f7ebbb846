/**
 * The tickets table in each engine, derived from the ticket schema (`ticket/schema.ts`): the column list of its
 * DDL, how ClickHouse reads each column out of a bus message, and how a stored table is checked (and extended)
 * against the schema. A column added to the schema reaches both stores from here.
 *
 * @module
 */
import { type ColumnSpec, type ColumnType, TICKET_COLUMNS } from "../ticket/schema.ts";

/** How each engine holds a column type (ClickHouse codecs chosen for the data: text compresses, times delta). */
const ENGINE_TYPES: Record<ColumnType, { duckdb: string; clickhouse: string; codec?: string }> = {
  id: { duckdb: "VARCHAR", clickhouse: "String" },
  text: { duckdb: "VARCHAR", clickhouse: "String", codec: "ZSTD(3)" },
  category: { duckdb: "VARCHAR", clickhouse: "LowCardinality(String)" },
  priority: { duckdb: "VARCHAR", clickhouse: "LowCardinality(String)" },
  age: { duckdb: "SMALLINT", clickhouse: "UInt8" },
  rating: { duckdb: "DOUBLE", clickhouse: "Float64" },
  probability: { duckdb: "DOUBLE", clickhouse: "Float64" },
  number: { duckdb: "DOUBLE", clickhouse: "Float64" },
  hash: { duckdb: "UINTEGER", clickhouse: "UInt32" },
  flag: { duckdb: "BOOLEAN", clickhouse: "Bool" },
  date: { duckdb: "DATE", clickhouse: "Date" },
  instant: { duckdb: "TIMESTAMP", clickhouse: "DateTime64(3, 'UTC')", codec: "Delta(8), ZSTD(1)" },
};

/** A column's DuckDB type, without its constraint. */
export function duckdbType(column: ColumnSpec): string {
  return ENGINE_TYPES[column.type].duckdb;
}

/** A column's ClickHouse type, nullability included (`Nullable` goes inside `LowCardinality`). */
export function clickhouseType(column: ColumnSpec): string {
  const base = ENGINE_TYPES[column.type].clickhouse;
  if (!column.nullable) return base;
  const lowCardinality = /^LowCardinality\((.*)\)$/.exec(base);
  return lowCardinality ? `LowCardinality(Nullable(${lowCardinality[1]}))` : `Nullable(${base})`;
}

/** The column list of DuckDB's `CREATE TABLE tickets (...)`. */
export function duckdbTicketColumns(columns: readonly ColumnSpec[] = TICKET_COLUMNS): string {
  return columns.map((c) => `    ${c.name} ${duckdbType(c)}${c.nullable ? "" : " NOT NULL"}`).join(",\n");
}

/** The column list of ClickHouse's `CREATE TABLE db_tickets.tickets (...)`, with codecs. */
export function clickhouseTicketColumns(columns: readonly ColumnSpec[] = TICKET_COLUMNS): string {
  return columns.map((c) => {
    const codec = ENGINE_TYPES[c.type].codec;
    return `    ${c.name} ${clickhouseType(c)}${codec ? ` CODEC(${codec})` : ""}`;
  }).join(",\n");
}

/**
 * The SELECT list that reads every column of a scored ticket out of a bus message's `value` (a JSON object text),
 * for ClickHouse's materialized view from the Kafka table. Unreadable optional values become NULL, as ingest
 * would have stored them.
 */
export function clickhouseColumnsFromJson(columns: readonly ColumnSpec[] = TICKET_COLUMNS): string {
  return columns.map((c) => {
    const text = c.nullable
      ? `JSONExtract(value, '${c.name}', 'Nullable(String)')`
      : `JSONExtractString(value, '${c.name}')`;
    let expression: string;
    switch (c.type) {
      case "date":
        expression = c.nullable ? `toDateOrNull(${text})` : `toDate(${text})`;
        break;
      case "instant":
        expression = c.nullable
          ? `parseDateTime64BestEffortOrNull(${text}, 3, 'UTC')`
          : `parseDateTime64BestEffort(${text}, 3, 'UTC')`;
        break;
      case "age":
      case "rating":
      case "probability":
      case "number":
      case "hash":
      case "flag":
        expression = c.nullable
          ? `JSONExtract(value, '${c.name}', '${clickhouseType(c)}')`
          : `JSONExtract(value, '${c.name}', '${ENGINE_TYPES[c.type].clickhouse}')`;
        break;
      default:
        expression = text;
    }
    return `    ${expression} AS ${c.name}`;
  }).join(",\n");
}

/** Names of the columns holding instants (they need converting for ClickHouse's JSON input). */
export const INSTANT_COLUMNS: readonly string[] = TICKET_COLUMNS.filter((c) => c.type === "instant").map((c) => c.name);

/** How a stored tickets table differs from the schema. */
export interface TableDifference {
  /** Schema columns the table lacks. */
  missing: ColumnSpec[];
  /** Columns whose stored type is not the schema's: `column: stored X, schema Y`. */
  mistyped: string[];
  /** Table columns the schema does not know. */
  unknown: string[];
}

/**
 * Compares a table's columns (name → type as the engine describes it) with the schema.
 *
 * @param expectedType the engine's type of a schema column.
 */
export function compareTable(
  actual: ReadonlyMap<string, string>,
  expectedType: (column: ColumnSpec) => string,
  columns: readonly ColumnSpec[] = TICKET_COLUMNS,
): TableDifference {
  const difference: TableDifference = { missing: [], mistyped: [], unknown: [] };
  for (const column of columns) {
    const stored = actual.get(column.name);
    if (stored === undefined) difference.missing.push(column);
    else if (stored !== expectedType(column)) {
      difference.mistyped.push(`${column.name}: stored ${stored}, schema ${expectedType(column)}`);
    }
  }
  const known = new Set(columns.map((c) => c.name));
  difference.unknown = [...actual.keys()].filter((name) => !known.has(name));
  return difference;
}
