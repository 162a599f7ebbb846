/**
 * Turning one CSV record into a typed ticket, or into a rejection that says which line, which column, which value
 * and why. Unreadable values in optional fields do not cost the ticket: they become null and a warning.
 *
 * @module
 */
import {
  type ColumnType,
  PRIORITIES,
  type Priority,
  type Ticket,
  ticketOfValues,
  UPLOAD_COLUMNS,
} from "../ticket/schema.ts";
import { type DateOrder, type DateOrderReport, orderEvidence, parseDate, parseDateTime } from "./dates.ts";
import type { HeaderMap } from "./header.ts";
import { normaliseName } from "./mapping.ts";

/** A row that was not accepted. `line` is the 1-based physical line where the row starts (header = line 1). */
export interface Rejection {
  line: number;
  /** The column at fault, or null when the row as a whole is (wrong number of fields). */
  column: string | null;
  value: string | null;
  reason: string;
}

/** Unreadable optional values of one column, stored as null. */
export interface ColumnWarnings {
  count: number;
  reason: string;
  /** The first lines where it happened (at most {@linkcode FIRST_LINES_KEPT}). */
  first_lines: number[];
}

/** How many example lines a warning keeps per column. */
export const FIRST_LINES_KEPT = 10;

/** Longest value kept in a rejection report; the rest is cut (reports are for people, not for replay). */
const REPORTED_VALUE_CHARS = 200;

/**
 * Longest text a ticket keeps per field; the rest is cut, with a warning. It bounds a ticket's size wherever it
 * goes: three such fields stay under the message size a Kafka broker takes by default, even written out as JSON.
 */
export const MAX_TEXT_CHARS = 32_000;

/** Why a cell could not be read. Only unreadable cells make one: a cell read is its value, nothing wrapped. */
class Unreadable {
  constructor(readonly reason: string) {}
}

/** A cell's value, or why it has none. Values are not wrapped: a wrapper per cell was a tenth of an upload's allocation. */
type Cell = string | number | boolean | null | Unreadable;

const FLAGS = new Map([["true", true], ["yes", true], ["1", true], ["false", false], ["no", false], ["0", false]]);

function readCell(
  kind: ColumnType,
  raw: string,
  order: DateOrder,
  priorities: ReadonlyMap<string, Priority | null>,
): Cell {
  const text = raw.trim();
  if (text === "") return kind === "id" ? new Unreadable("a ticket needs a Ticket ID") : null;
  switch (kind) {
    case "id":
    case "category":
      return text;
    case "text":
      return raw;
    case "age": {
      const age = Number(text);
      return Number.isInteger(age) && age >= 0 && age <= 120
        ? age
        : new Unreadable("not an age in whole years from 0 to 120");
    }
    case "priority": {
      const priority = priorities.has(text) ? priorities.get(text) : priorities.get(normaliseName(text));
      return priority !== undefined ? priority : new Unreadable(
        `not a priority this mapping knows (it reads ${PRIORITIES.join(", ")} and the export's own words); ` +
          "kept unlabelled",
      );
    }
    case "date":
      return parseDate(text, order) ?? new Unreadable(`not a date that exists (read as ${order})`);
    case "instant":
      return parseDateTime(text, order) ?? new Unreadable(`not a date and time that exists (read as ${order})`);
    case "rating": {
      const rating = Number(text);
      return Number.isFinite(rating) && rating >= 1 && rating <= 5
        ? rating
        : new Unreadable("not a rating from 1 to 5");
    }
    case "probability": {
      const p = Number(text);
      return Number.isFinite(p) && p >= 0 && p <= 1 ? p : new Unreadable("not a probability from 0 to 1");
    }
    case "number": {
      const n = Number(text);
      return Number.isFinite(n) ? n : new Unreadable("not a number");
    }
    case "flag": {
      const flag = FLAGS.get(text.toLowerCase());
      return flag ?? new Unreadable("not true or false");
    }
    case "hash": {
      const n = Number(text);
      return Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff
        ? n
        : new Unreadable("not a whole number from 0 to 4294967295");
    }
  }
}

function clip(value: string): string {
  return value.length > REPORTED_VALUE_CHARS ? `${value.slice(0, REPORTED_VALUE_CHARS)}…` : value;
}

/** The key under which a column's dates that contradict the file's date order are counted in the warnings. */
export function dateOrderWarningKey(header: string): string {
  return `${header} (date order)`;
}

/**
 * Types the rows of one file, collecting the warnings they raise. A numeric date that only the other order can
 * read (`25-03-21` in a file read month-first) is never swapped into a date: it counts as unreadable, under its
 * own warning ({@linkcode dateOrderWarningKey}) that names both orders and where the file's came from.
 */
export class RowReader {
  /** Warnings so far, by column header. */
  readonly warnings: Record<string, ColumnWarnings> = {};
  readonly #header: HeaderMap;
  readonly #order: DateOrder;
  readonly #contradiction: string;
  /** Where each of the file's columns goes among {@linkcode UPLOAD_COLUMNS}. */
  readonly #slots: number[];
  /**
   * The row being read, by {@linkcode UPLOAD_COLUMNS} slot, reused from row to row: every row fills the same slots
   * (those of the file's columns), and the others stay null.
   */
  readonly #values: unknown[] = UPLOAD_COLUMNS.map(() => null);

  constructor(header: HeaderMap, dateOrder: DateOrderReport) {
    this.#header = header;
    this.#slots = header.columns.map(({ spec }) => UPLOAD_COLUMNS.indexOf(spec));
    this.#order = dateOrder.order;
    const other = dateOrder.order === "DMY" ? "MDY" : "DMY";
    const why = {
      override: "as the upload asked",
      inferred: `inferred from the first rows' dates (${dateOrder.evidence.DMY} could only be DMY, ` +
        `${dateOrder.evidence.MDY} only MDY)`,
      default: "the default: the first rows' dates did not tell day from month",
    }[dateOrder.source];
    this.#contradiction = `can only be read ${other}, but this file's dates are read ${dateOrder.order} (${why}); ` +
      `stored as empty rather than swapped: if the file is ${other}, upload it again with date_order=${other}`;
  }

  /** Reads one record that starts on `line`. */
  read(record: readonly string[], line: number): { ticket: Ticket } | { rejection: Rejection } {
    if (record.length !== this.#header.width) {
      return {
        rejection: {
          line,
          column: null,
          value: null,
          reason: `expected ${this.#header.width} fields, found ${record.length}`,
        },
      };
    }
    // Only schema columns are read: personal data (name, email) is dropped here, before anything leaves ingest.
    const values = this.#values, columns = this.#header.columns, priorities = this.#header.priorities;
    const warned: [string, string][] = [];
    for (let i = 0; i < columns.length; i++) {
      const { spec, header, indices } = columns[i];
      let raw = record[indices[0]];
      // A header the export repeats once per value (Jira's Component/s): the first value given.
      for (let k = 1; k < indices.length && raw.trim() === ""; k++) raw = record[indices[k]];
      const cell = readCell(spec.type, raw, this.#order, priorities);
      if (typeof cell === "string" && cell.length > MAX_TEXT_CHARS) {
        values[this.#slots[i]] = cell.slice(0, MAX_TEXT_CHARS);
        warned.push([header, `longer than ${MAX_TEXT_CHARS} characters: the rest was cut`]);
      } else if (!(cell instanceof Unreadable)) {
        values[this.#slots[i]] = cell;
      } else {
        values[this.#slots[i]] = null;
        // Only a value that failed can prove the other order (its first or second number is above 12).
        const contradicts = (spec.type === "date" || spec.type === "instant") &&
          orderEvidence(raw) === (this.#order === "DMY" ? "MDY" : "DMY");
        const reason = contradicts ? this.#contradiction : cell.reason;
        if (spec.onUnreadable === "reject") {
          return { rejection: { line, column: header, value: clip(raw), reason } };
        }
        warned.push([contradicts ? dateOrderWarningKey(header) : header, reason]);
      }
    }
    for (const [key, reason] of warned) this.#warn(key, reason, line);
    return { ticket: ticketOfValues(values) };
  }

  #warn(key: string, reason: string, line: number): void {
    const entry = this.warnings[key] ??= { count: 0, reason, first_lines: [] };
    entry.count++;
    if (entry.first_lines.length < FIRST_LINES_KEPT) entry.first_lines.push(line);
  }
}
