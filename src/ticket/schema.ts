/**
 * The ticket schema: the one place that lists a ticket's columns. Each column says what it holds, whether it may
 * be empty, where its value comes from (the upload, ingest or the scorer) and, for upload columns, the header that
 * names it in the bundled export and what an unreadable cell costs (other exports name them through mappings,
 * `ingest/mapping.ts`). From this list follow the TypeScript types below, how ingest reads a
 * row (`ingest/row.ts`), and the tickets table of both stores (`store/ticket_table.ts`): adding a column is one
 * edit here.
 *
 * @module
 */

/** The four priorities, in their natural order (also the model's class order). */
export const PRIORITIES = ["Low", "Medium", "High", "Critical"] as const;
/** One of {@linkcode PRIORITIES}. */
export type Priority = typeof PRIORITIES[number];

/** The scored ticket's column holding the probability of `priority` (`p_low` ... `p_critical`). */
export function probabilityColumn(priority: Priority): `p_${Lowercase<Priority>}` {
  return `p_${priority.toLowerCase() as Lowercase<Priority>}`;
}

/**
 * What a column holds, and so how an upload's cell is read:
 * - `id`: non-empty text; a row without one is rejected.
 * - `text`: any text, kept as written; empty is null.
 * - `category`: text, trimmed; empty is null (unknown categories are fine).
 * - `priority`: one of {@linkcode PRIORITIES}, or a word the upload's mapping reads as one ("Urgent"); empty means
 *   "unlabelled".
 * - `age`: whole number of years, 0 to 120.
 * - `rating`: a number from 1 to 5.
 * - `probability`: a number from 0 to 1 (the scorer's).
 * - `number`: any real number.
 * - `hash`: half of a 64-bit hash, a whole number from 0 to 4294967295 (the scorer's).
 * - `flag`: true or false (`true`/`false`, `yes`/`no`, `1`/`0` in an upload).
 * - `date`: `YYYY-MM-DD`; `instant`: `YYYY-MM-DD HH:MM:SS` from an upload, or ISO 8601 (read as UTC). Uploads may
 *   write either ISO 8601 or day/month-first (see `ingest/dates.ts`).
 */
export type ColumnType =
  | "id"
  | "text"
  | "category"
  | "priority"
  | "age"
  | "rating"
  | "probability"
  | "number"
  | "hash"
  | "flag"
  | "date"
  | "instant";

/**
 * Where a column's value comes from: `upload` (a CSV column, read by ingest), `origin` (set by ingest: which
 * upload, when), `score` (set by the scorer).
 */
export type ColumnSource = "upload" | "origin" | "score";

/** One column of a stored ticket. */
export interface ColumnSpec {
  /** The field and column name. */
  readonly name: string;
  readonly type: ColumnType;
  /** May be null (empty). */
  readonly nullable: boolean;
  readonly source: ColumnSource;
  /** Upload columns: the header in the bundled export (matched ignoring case and surrounding spaces). */
  readonly header?: string;
  /**
   * Upload columns: `reject`, an unreadable value rejects the row (the model or the marts need it); `warn`, it is
   * stored as null and reported as a warning.
   */
  readonly onUnreadable?: "reject" | "warn";
}

/** The columns of a stored ticket, in table order. */
// deno-fmt-ignore
export const TICKET_COLUMNS = [
  // From the upload. Only the id and some text (subject or description) must be there: a missing column is stored
  // empty. Personal data (names, e-mails, phones) is never read (see ingest/header.ts).
  { name: "ticket_id",           type: "id",          nullable: false, source: "upload", header: "Ticket ID",                    onUnreadable: "reject" },
  { name: "customer_age",        type: "age",         nullable: true,  source: "upload", header: "Customer Age",                 onUnreadable: "reject" },
  { name: "customer_gender",     type: "category",    nullable: true,  source: "upload", header: "Customer Gender",              onUnreadable: "reject" },
  { name: "product_purchased",   type: "category",    nullable: true,  source: "upload", header: "Product Purchased",            onUnreadable: "reject" },
  { name: "date_of_purchase",    type: "date",        nullable: true,  source: "upload", header: "Date of Purchase",             onUnreadable: "warn" },
  { name: "ticket_type",         type: "category",    nullable: true,  source: "upload", header: "Ticket Type",                  onUnreadable: "reject" },
  { name: "ticket_subject",      type: "text",        nullable: true,  source: "upload", header: "Ticket Subject",               onUnreadable: "reject" },
  { name: "ticket_description",  type: "text",        nullable: true,  source: "upload", header: "Ticket Description",           onUnreadable: "reject" },
  { name: "ticket_status",       type: "category",    nullable: true,  source: "upload", header: "Ticket Status",                onUnreadable: "reject" },
  { name: "resolution",          type: "text",        nullable: true,  source: "upload", header: "Resolution",                   onUnreadable: "warn" },
  // The human-assigned priority; null for an unlabelled ticket (a value the mapping does not know is one, warned).
  { name: "priority_label",      type: "priority",    nullable: true,  source: "upload", header: "Ticket Priority",              onUnreadable: "warn" },
  { name: "ticket_channel",      type: "category",    nullable: true,  source: "upload", header: "Ticket Channel",               onUnreadable: "reject" },
  { name: "first_response_at",   type: "instant",     nullable: true,  source: "upload", header: "First Response Time",          onUnreadable: "warn" },
  { name: "resolved_at",         type: "instant",     nullable: true,  source: "upload", header: "Time to Resolution",           onUnreadable: "warn" },
  { name: "satisfaction_rating", type: "rating",      nullable: true,  source: "upload", header: "Customer Satisfaction Rating", onUnreadable: "warn" },
  // From the scorer: the predicted priority, each class's probability, and the model that said so.
  { name: "priority_pred",       type: "priority",    nullable: false, source: "score" },
  { name: "p_low",               type: "probability", nullable: false, source: "score" },
  { name: "p_medium",            type: "probability", nullable: false, source: "score" },
  { name: "p_high",              type: "probability", nullable: false, source: "score" },
  { name: "p_critical",          type: "probability", nullable: false, source: "score" },
  // The calibrated probability of the prediction, and whether an agent should set the priority instead.
  { name: "confidence",          type: "probability", nullable: false, source: "score" },
  { name: "needs_review",        type: "flag",        nullable: false, source: "score" },
  // What the scorer read in the description: its language (ISO 639-1) and sentiment (-1 negative to 1 positive).
  { name: "language",            type: "category",    nullable: true,  source: "score" },
  { name: "sentiment",           type: "number",      nullable: true,  source: "score" },
  // The text's SimHash in two halves, to find similar tickets (score/simhash.ts); null in tickets scored before it.
  { name: "simhash_high",        type: "hash",        nullable: true,  source: "score" },
  { name: "simhash_low",         type: "hash",        nullable: true,  source: "score" },
  { name: "model_version",       type: "category",    nullable: false, source: "score" },
  // From ingest: the upload the ticket came in.
  { name: "upload_id",           type: "id",          nullable: false, source: "origin" },
  { name: "ingested_at",         type: "instant",     nullable: false, source: "origin" },
  // From the scorer: when it scored the ticket (the latest score of a ticket wins).
  { name: "scored_at",           type: "instant",     nullable: false, source: "score" },
] as const satisfies readonly ColumnSpec[];

/** The TypeScript value of a column type. */
type ValueOf<T extends ColumnType> = T extends "age" | "rating" | "probability" | "number" | "hash" ? number
  : T extends "flag" ? boolean
  : T extends "priority" ? Priority
  : string;

/** An object with one field per column of `C`. */
type Fields<C extends ColumnSpec> = {
  -readonly [K in C as K["name"]]: ValueOf<K["type"]> | (K["nullable"] extends true ? null : never);
};

type Column = typeof TICKET_COLUMNS[number];

/** A typed ticket as ingest produces it from an upload row. Empty cells are `null`. */
export type Ticket = Fields<Extract<Column, { source: "upload" }>>;

/** A ticket on the `tickets` topic: the ticket plus where it came from (`upload_id`, `ingested_at`). */
export type IngestedTicket = Ticket & Fields<Extract<Column, { source: "origin" }>>;

/** A ticket on the `tickets_scored` topic and in the store. */
export type ScoredTicket = IngestedTicket & Fields<Extract<Column, { source: "score" }>>;

/** The sources of an {@linkcode IngestedTicket}'s columns. */
export const INGESTED_SOURCES: readonly ColumnSource[] = ["upload", "origin"];

/** The sources of a scored ticket's columns: what the store checks a message on `tickets_scored` against. */
export const SCORED_SOURCES: readonly ColumnSource[] = ["upload", "origin", "score"];

/** The columns an upload can carry (those with a header), in table order. */
export const UPLOAD_COLUMNS: readonly ColumnSpec[] = TICKET_COLUMNS.filter((c: ColumnSpec) => c.source === "upload");

const EMPTY_TICKET = Object.freeze(Object.fromEntries(UPLOAD_COLUMNS.map((c) => [c.name, null])));

/**
 * A ticket with every field empty (and an empty id), to fill in: ingest starts each row from one, and fixtures
 * spread one under their values so that a column added to the schema needs no other edit.
 *
 * @example
 * ```ts
 * const ticket: Ticket = { ...emptyTicket(), ticket_id: "42", ticket_type: "Refund request" };
 * ```
 */
export function emptyTicket(): Ticket {
  return { ...EMPTY_TICKET, ticket_id: "" } as unknown as Ticket;
}

/**
 * Makes a ticket of its upload columns' values, given in {@linkcode UPLOAD_COLUMNS} order: ingest makes one per
 * row. The function is written out from the list above as one object literal, because filling an empty ticket field
 * by field (a store under a different name each time, which V8 cannot specialise) took several times as long.
 */
export const ticketOfValues = new Function(
  "values",
  `return { ${
    UPLOAD_COLUMNS.map((column, i) => {
      if (!/^[a-z_]+$/.test(column.name)) throw new Error(`not a plain field name: ${column.name}`);
      return `${column.name}: values[${i}]`;
    }).join(", ")
  } };`,
) as (values: readonly unknown[]) => Ticket;
