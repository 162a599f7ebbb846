/**
 * The ticket schema: the one place that says which columns an upload has, how each is typed, which ones the
 * model and the marts need, and what a stored ticket looks like. Everything else (ingest, features, store,
 * marts) reads it from here.
 *
 * @module
 */

/** The four priorities, in their natural order (also the model's class order). */
export const PRIORITIES = ["Low", "Medium", "High", "Critical"] as const;
/** One of {@linkcode PRIORITIES}. */
export type Priority = typeof PRIORITIES[number];

/**
 * How a cell is read:
 * - `id`: non-empty text; a row without one is rejected.
 * - `text` / `category`: any text; empty is null (unknown categories are fine).
 * - `age`: whole number of years, 0 to 120.
 * - `priority`: one of {@linkcode PRIORITIES}, any case; empty means "unlabelled".
 * - `date` / `datetime`: ISO 8601 or day/month-first exports (see `ingest/dates.ts`).
 * - `rating`: a number from 1 to 5.
 */
export type CellKind = "id" | "text" | "category" | "age" | "priority" | "date" | "datetime" | "rating";

/** One input column. */
export interface ColumnSpec {
  /** The header as exports write it (matched ignoring case and surrounding spaces). */
  readonly header: string;
  /** The stored field name, or `null` for personal data that never leaves ingest. */
  readonly field: keyof Ticket | null;
  readonly kind: CellKind;
  /** The header must contain this column, or the whole upload is refused. */
  readonly requiredColumn: boolean;
  /**
   * `reject`: an unreadable value rejects the row (the model or the marts need it).
   * `warn`: an unreadable value is stored as null and reported as a warning.
   */
  readonly onUnreadable: "reject" | "warn";
}

/** The input columns, in the order exports write them. */
export const COLUMNS: readonly ColumnSpec[] = [
  { header: "Ticket ID", field: "ticket_id", kind: "id", requiredColumn: true, onUnreadable: "reject" },
  // Personal data: accepted in the upload, dropped before anything is published or stored.
  { header: "Customer Name", field: null, kind: "text", requiredColumn: false, onUnreadable: "warn" },
  { header: "Customer Email", field: null, kind: "text", requiredColumn: false, onUnreadable: "warn" },
  { header: "Customer Age", field: "customer_age", kind: "age", requiredColumn: true, onUnreadable: "reject" },
  {
    header: "Customer Gender",
    field: "customer_gender",
    kind: "category",
    requiredColumn: true,
    onUnreadable: "reject",
  },
  {
    header: "Product Purchased",
    field: "product_purchased",
    kind: "category",
    requiredColumn: true,
    onUnreadable: "reject",
  },
  {
    header: "Date of Purchase",
    field: "date_of_purchase",
    kind: "date",
    requiredColumn: false,
    onUnreadable: "warn",
  },
  { header: "Ticket Type", field: "ticket_type", kind: "category", requiredColumn: true, onUnreadable: "reject" },
  {
    header: "Ticket Subject",
    field: "ticket_subject",
    kind: "category",
    requiredColumn: true,
    onUnreadable: "reject",
  },
  {
    header: "Ticket Description",
    field: "ticket_description",
    kind: "text",
    requiredColumn: true,
    onUnreadable: "reject",
  },
  {
    header: "Ticket Status",
    field: "ticket_status",
    kind: "category",
    requiredColumn: true,
    onUnreadable: "reject",
  },
  { header: "Resolution", field: "resolution", kind: "text", requiredColumn: false, onUnreadable: "warn" },
  {
    header: "Ticket Priority",
    field: "priority_label",
    kind: "priority",
    requiredColumn: true,
    onUnreadable: "reject",
  },
  {
    header: "Ticket Channel",
    field: "ticket_channel",
    kind: "category",
    requiredColumn: true,
    onUnreadable: "reject",
  },
  {
    header: "First Response Time",
    field: "first_response_at",
    kind: "datetime",
    requiredColumn: false,
    onUnreadable: "warn",
  },
  {
    header: "Time to Resolution",
    field: "resolved_at",
    kind: "datetime",
    requiredColumn: false,
    onUnreadable: "warn",
  },
  {
    header: "Customer Satisfaction Rating",
    field: "satisfaction_rating",
    kind: "rating",
    requiredColumn: false,
    onUnreadable: "warn",
  },
];

/** A typed ticket as ingest produces it. Empty cells are `null`; dates are ISO strings. */
export interface Ticket {
  ticket_id: string;
  customer_age: number | null;
  customer_gender: string | null;
  product_purchased: string | null;
  /** `YYYY-MM-DD` */
  date_of_purchase: string | null;
  ticket_type: string | null;
  ticket_subject: string | null;
  ticket_description: string | null;
  ticket_status: string | null;
  resolution: string | null;
  /** The human-assigned priority; `null` for an unlabelled ticket. */
  priority_label: Priority | null;
  ticket_channel: string | null;
  /** `YYYY-MM-DD HH:MM:SS` */
  first_response_at: string | null;
  /** `YYYY-MM-DD HH:MM:SS` */
  resolved_at: string | null;
  satisfaction_rating: number | null;
}

/** A ticket on the `tickets` topic: the ticket plus where it came from. */
export interface IngestedTicket extends Ticket {
  upload_id: string;
  /** ISO 8601 instant. */
  ingested_at: string;
}

/** A ticket on the `tickets_scored` topic and in the store. */
export interface ScoredTicket extends IngestedTicket {
  priority_pred: Priority;
  p_low: number;
  p_medium: number;
  p_high: number;
  p_critical: number;
  model_version: string;
  /** ISO 8601 instant. */
  scored_at: string;
}
