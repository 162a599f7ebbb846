/**
 * Checking a ticket that arrives as a message (from Kafka, or any producer) against the schema before a stage
 * uses it: each column present with a value of its type (or null where the schema allows), nothing else kept.
 * A stage that gets a message it cannot use sends it to the dead letters with the reason this gives, and the
 * stream goes on.
 *
 * A ticket one stage checked and the next stage receives in the same process (the in-process bus hands over the
 * object itself) need not be checked again: {@linkcode markChecked} records which sources' columns an object was
 * made of checked values for, and {@linkcode readTicket} then checks only the others (and still that the object
 * holds exactly the columns asked for). Objects that arrive from outside the process (Kafka, JSON) are never
 * marked, so they are checked in full.
 *
 * @module
 */
import { type ColumnSource, type ColumnSpec, type ColumnType, PRIORITIES, TICKET_COLUMNS } from "./schema.ts";

const PRIORITY_SET: ReadonlySet<unknown> = new Set(PRIORITIES);
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** Where `YYYY-MM-DD?HH:MM:SS` has its digits. */
const DIGIT_AT = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/** The number written by the two digits at `at`. */
function twoDigits(text: string, at: number): number {
  return (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48;
}

/**
 * Whether `value` is an instant: {@linkcode INSTANT}'s shape and a time `Date.parse` accepts. The shapes the app
 * itself writes (`YYYY-MM-DD HH:MM:SS` from ingest, `toISOString()`'s `YYYY-MM-DDTHH:MM:SS.sssZ`) with a month of
 * 1 to 12, a day of 1 to 31 (V8 does not check it against the month) and a time of day up to 23:59:59 are
 * accepted without `Date.parse` (a quarter of a stage's work in a profile; `validate_test.ts` checks that both
 * agree); anything else takes the full path.
 */
function isInstant(value: string): boolean {
  const length = value.length;
  if (length === 19 || (length === 24 && value.charCodeAt(19) === 46 && value.charCodeAt(23) === 90)) {
    let digits = true;
    for (const at of DIGIT_AT) {
      const c = value.charCodeAt(at);
      if (c < 48 || c > 57) digits = false;
    }
    if (length === 24) {
      for (let at = 20; at < 23; at++) {
        const c = value.charCodeAt(at);
        if (c < 48 || c > 57) digits = false;
      }
    }
    const separator = value.charCodeAt(10);
    const second = twoDigits(value, 17);
    if (
      digits && value.charCodeAt(4) === 45 && value.charCodeAt(7) === 45 && (separator === 84 || separator === 32) &&
      value.charCodeAt(13) === 58 && value.charCodeAt(16) === 58 && second >= 0 && second <= 59
    ) {
      const month = twoDigits(value, 5), day = twoDigits(value, 8);
      const hour = twoDigits(value, 11), minute = twoDigits(value, 14);
      if (month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59) return true;
    }
  }
  return INSTANT.test(value) && !Number.isNaN(Date.parse(value.replace(" ", "T")));
}

/**
 * Whether `value` (not null) is a value of `type`. A switch, not a call through {@linkcode TYPES}: every column of
 * every message comes through here.
 */
function ofType(type: ColumnType, value: unknown): boolean {
  switch (type) {
    case "id":
      return typeof value === "string" && value !== "";
    case "text":
    case "category":
      return typeof value === "string";
    case "priority":
      return PRIORITY_SET.has(value);
    case "age":
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 120;
    case "rating":
      return typeof value === "number" && value >= 1 && value <= 5;
    case "probability":
      return typeof value === "number" && value >= 0 && value <= 1;
    case "number":
      return typeof value === "number" && Number.isFinite(value);
    case "hash":
      return Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 0xffff_ffff;
    case "flag":
      return typeof value === "boolean";
    case "date":
      return typeof value === "string" && DATE.test(value);
    case "instant":
      return typeof value === "string" && isInstant(value);
  }
}

/**
 * What a value of each column type is, beside {@linkcode ofType}: `sql` is its check in ClickHouse over a message
 * held as JSON text, given the SQL of the column's JSON type (`type`) and of its value read as text (`text`) or as a
 * number (`number`), for the view that reads the `tickets_scored` topic into ClickHouse
 * ({@linkcode clickhouseTicketCheck}); `expected` words the rule for the reason a value is refused. The ClickHouse
 * tests hold the SQL and {@linkcode ofType} to the same verdict on generated messages.
 */
const TYPES: Record<ColumnType, {
  sql: (column: { text: string; type: string; number: string }) => string;
  expected: string;
}> = {
  id: {
    sql: (c) => `${c.type} = 'String' AND ${c.text} <> ''`,
    expected: "non-empty text",
  },
  text: { sql: (c) => `${c.type} = 'String'`, expected: "text" },
  category: { sql: (c) => `${c.type} = 'String'`, expected: "text" },
  priority: {
    sql: (c) => `${c.type} = 'String' AND ${c.text} IN (${PRIORITIES.map((p) => `'${p}'`).join(", ")})`,
    expected: PRIORITIES.join(", "),
  },
  age: {
    sql: (c) =>
      `${c.type} IN ('Int64', 'UInt64', 'Double') AND ${c.number} = round(${c.number}) AND ${c.number} BETWEEN 0 AND 120`,
    expected: "a whole number from 0 to 120",
  },
  rating: {
    sql: (c) => `${c.type} IN ('Int64', 'UInt64', 'Double') AND ${c.number} BETWEEN 1 AND 5`,
    expected: "a number from 1 to 5",
  },
  probability: {
    sql: (c) => `${c.type} IN ('Int64', 'UInt64', 'Double') AND ${c.number} BETWEEN 0 AND 1`,
    expected: "a number from 0 to 1",
  },
  number: {
    sql: (c) => `${c.type} IN ('Int64', 'UInt64', 'Double')`,
    expected: "a finite number",
  },
  hash: {
    sql: (c) => `${c.type} IN ('Int64', 'UInt64') AND ${c.number} BETWEEN 0 AND 4294967295`,
    expected: "a whole number from 0 to 4294967295",
  },
  flag: { sql: (c) => `${c.type} = 'Bool'`, expected: "true or false" },
  date: {
    sql: (c) => `${c.type} = 'String' AND match(${c.text}, '${DATE.source.replaceAll("\\", "\\\\")}')`,
    expected: "a date YYYY-MM-DD",
  },
  instant: {
    sql: (c) =>
      `${c.type} = 'String' AND match(${c.text}, '${INSTANT.source.replaceAll("\\", "\\\\")}') ` +
      `AND isNotNull(parseDateTime64BestEffortOrNull(${c.text}, 3, 'UTC'))`,
    expected: "a date and time",
  },
};

/**
 * The check {@linkcode ticketReader} makes, as one ClickHouse condition over `value`, a message value held as JSON
 * text: true for a ticket with the columns of `sources`, each of its type, or null (or absent) where the schema
 * allows. ClickHouse's view of the `tickets_scored` topic stores what it accepts and dead-letters the rest, as the
 * store sink of a process does with the same schema.
 */
export function clickhouseTicketCheck(sources: readonly ColumnSource[]): string {
  return TICKET_COLUMNS.filter((c: ColumnSpec) => sources.includes(c.source)).map((column: ColumnSpec) => {
    if (!/^[a-z_]+$/.test(column.name)) throw new Error(`not a plain column name: ${column.name}`);
    const type = `JSONType(value, '${column.name}')`;
    const check = TYPES[column.type].sql({
      type,
      text: `JSONExtractString(value, '${column.name}')`,
      number: `JSONExtractFloat(value, '${column.name}')`,
    });
    return column.nullable ? `(${type} = 'Null' OR (${check}))` : `(${check})`;
  }).join("\n    AND ");
}

/** Objects of this process made only of checked values, and the sources whose columns were checked. */
const checked = new WeakMap<object, readonly ColumnSource[]>();

/**
 * Records that `ticket` holds, for the columns of `sources`, values that were checked by {@linkcode readTicket}
 * (copied from a ticket it answered), so that a stage of this process receiving the object itself checks only the
 * other columns. The caller must not change those fields afterwards. `sources` should be a constant: readers keep
 * what they work out for each such array.
 */
export function markChecked(ticket: object, sources: readonly ColumnSource[]): void {
  checked.set(ticket, sources);
}

/** The result of reading a message value as a ticket. */
export type TicketRead<T> = { ticket: T } | { problem: string };

/** Reads message values as tickets with the columns of one set of sources (see {@linkcode readTicket}). */
export type TicketReader<T> = (value: unknown) => TicketRead<T>;

/**
 * A reader of message values as tickets with the columns of `sources`, for a stage to make once: it works out the
 * columns when made, not for every message.
 */
export function ticketReader<T>(sources: readonly ColumnSource[]): TicketReader<T> {
  const all = TICKET_COLUMNS.filter((c: ColumnSpec) => sources.includes(c.source));
  // The columns left to check for each set of sources markChecked was given (a handful of constant arrays).
  const unchecked = new Map<readonly ColumnSource[], readonly ColumnSpec[]>();
  return (value) => {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      return { problem: "the message value is not a ticket object" };
    }
    const skip = checked.get(value);
    let columns: readonly ColumnSpec[] = all;
    if (skip !== undefined) {
      columns = unchecked.get(skip) ?? [];
      if (!unchecked.has(skip)) unchecked.set(skip, columns = all.filter((c) => !skip.includes(c.source)));
    }
    const fields = value as Record<string, unknown>;
    // The checked columns are all there: markChecked is told only of objects made of a ticket this answered.
    let present = all.length - columns.length;
    for (const column of columns) {
      const v = fields[column.name];
      if (v !== undefined) present++;
      if (v == null ? !column.nullable : !ofType(column.type, v)) {
        const found = v == null ? "nothing" : clip(JSON.stringify(v));
        return { problem: `${column.name} must be ${TYPES[column.type].expected}, found ${found}` };
      }
    }
    // The usual message holds exactly the columns: it is the ticket. Copying it changed nothing and cost a good
    // share of an upload's time in this function and in garbage collection.
    let keys = 0;
    for (const _ in fields) keys++;
    if (present === all.length && keys === present) return { ticket: fields as T };
    const ticket: Record<string, unknown> = {};
    for (const column of all) ticket[column.name] = fields[column.name] ?? null;
    return { ticket: ticket as T };
  };
}

/** The readers {@linkcode readTicket} made, by sources. */
const readers = new Map<string, TicketReader<unknown>>();

/**
 * Reads a message value as a ticket with the columns of `sources`: the value itself when it holds exactly those
 * columns, else a copy holding exactly them (a missing nullable column is null); or why it is not one (the first
 * column at fault). Columns of the sources {@linkcode markChecked} recorded for the object are not checked again.
 * A stage reading many messages makes its reader once with {@linkcode ticketReader}.
 *
 * @example
 * ```ts
 * const read = readTicket(message.value, ["upload", "origin"]);
 * if ("problem" in read) deadLetter(message, read.problem);
 * ```
 */
export function readTicket<T>(value: unknown, sources: readonly ColumnSource[]): TicketRead<T> {
  const key = sources.join();
  let reader = readers.get(key);
  if (!reader) readers.set(key, reader = ticketReader(sources));
  return (reader as TicketReader<T>)(value);
}

function clip(text: string | undefined): string {
  const shown = text ?? "a value JSON cannot show";
  return shown.length > 80 ? `${shown.slice(0, 80)}…` : shown;
}
