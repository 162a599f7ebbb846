/**
 * The feature spec: the one place that says how a {@linkcode Ticket} becomes the numbers the priority model reads.
 * Training (`train/matrix.ts` writes the matrix `models/train.py` learns from) and scoring (`model.ts`) both call
 * {@linkcode featurize}, so the two can never drift apart; `models/priority.json` records
 * {@linkcode FEATURE_SPEC_VERSION} and {@linkcode FEATURE_NAMES}, and `model.ts` refuses a model trained on
 * another spec.
 *
 * CatBoost's ONNX export takes numeric features only, so categoricals are one-hot encoded here over fixed
 * vocabularies (matched ignoring case and surrounding spaces). Each group has one column per known value plus an
 * `*_unknown` column set for a value outside the vocabulary; a null value leaves the whole group at zero.
 *
 * Columns, in order:
 * - `customer_age`: years; NaN when null.
 * - `description_chars`: length of the ticket description (`String.length`, UTF-16 code units); NaN when null.
 * - `purchase_year`, `purchase_month`: from `date_of_purchase` (`YYYY-MM-DD`); NaN when null or malformed.
 * - one-hot groups: `gender_*`, `type_*`, `channel_*`, `status_*`, `subject_*`, `product_*`.
 *
 * The human label (`priority_label`) is never a feature. Changing anything here (a column, its order, a
 * vocabulary, an encoding) means bumping {@linkcode FEATURE_SPEC_VERSION} and retraining (`deno task train`).
 *
 * @module
 */

import type { Ticket } from "../ticket/schema.ts";

/** Version of this spec; stored in the model metadata and checked when a model is loaded. */
export const FEATURE_SPEC_VERSION = "ticket-features-v1";

/** Customer genders seen in the data. */
export const GENDERS = ["Male", "Female", "Other"] as const;

/** Ticket types seen in the data. */
export const TICKET_TYPES = [
  "Technical issue",
  "Billing inquiry",
  "Cancellation request",
  "Product inquiry",
  "Refund request",
] as const;

/** Ticket channels seen in the data. */
export const CHANNELS = ["Email", "Phone", "Chat", "Social media"] as const;

/** Ticket statuses seen in the data. */
export const STATUSES = ["Open", "Closed", "Pending Customer Response"] as const;

/** The 16 ticket subjects of the bundled datasets. */
export const SUBJECTS = [
  "Account access",
  "Battery life",
  "Cancellation request",
  "Data loss",
  "Delivery problem",
  "Display issue",
  "Hardware issue",
  "Installation support",
  "Network problem",
  "Payment issue",
  "Peripheral compatibility",
  "Product compatibility",
  "Product recommendation",
  "Product setup",
  "Refund request",
  "Software bug",
] as const;

/** The 42 products of `tickets_kaggle_excel_export.csv`. Anything else is `product_unknown`. */
export const PRODUCTS = [
  "Adobe Photoshop",
  "Amazon Echo",
  "Amazon Kindle",
  "Apple AirPods",
  "Asus ROG",
  "Autodesk AutoCAD",
  "Bose QuietComfort",
  "Bose SoundLink Speaker",
  "Canon DSLR Camera",
  "Canon EOS",
  "Dell XPS",
  "Dyson Vacuum Cleaner",
  "Fitbit Charge",
  "Fitbit Versa Smartwatch",
  "Garmin Forerunner",
  "GoPro Action Camera",
  "GoPro Hero",
  "Google Nest",
  "Google Pixel",
  "HP Pavilion",
  "LG OLED",
  "LG Smart TV",
  "LG Washing Machine",
  "Lenovo ThinkPad",
  "MacBook Pro",
  "Microsoft Office",
  "Microsoft Surface",
  "Microsoft Xbox Controller",
  "Nest Thermostat",
  "Nikon D",
  "Nintendo Switch",
  "Nintendo Switch Pro Controller",
  "Philips Hue Lights",
  "PlayStation",
  "Roomba Robot Vacuum",
  "Samsung Galaxy",
  "Samsung Soundbar",
  "Sony 4K HDR TV",
  "Sony PlayStation",
  "Sony Xperia",
  "Xbox",
  "iPhone",
] as const;

/** The ticket fields encoded one-hot. */
type CategoricalField =
  | "customer_gender"
  | "ticket_type"
  | "ticket_channel"
  | "ticket_status"
  | "ticket_subject"
  | "product_purchased";

/** One one-hot group: the field it reads, the prefix of its column names, its vocabulary. */
interface OneHotGroup {
  readonly field: CategoricalField;
  readonly prefix: string;
  readonly vocabulary: readonly string[];
}

/** The one-hot groups, in column order. */
const GROUPS: readonly OneHotGroup[] = [
  { field: "customer_gender", prefix: "gender", vocabulary: GENDERS },
  { field: "ticket_type", prefix: "type", vocabulary: TICKET_TYPES },
  { field: "ticket_channel", prefix: "channel", vocabulary: CHANNELS },
  { field: "ticket_status", prefix: "status", vocabulary: STATUSES },
  { field: "ticket_subject", prefix: "subject", vocabulary: SUBJECTS },
  { field: "product_purchased", prefix: "product", vocabulary: PRODUCTS },
];

/** The numeric columns that precede the one-hot groups. */
const NUMERIC_NAMES = ["customer_age", "description_chars", "purchase_year", "purchase_month"] as const;

const slug = (value: string) => value.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

/**
 * The feature columns, in the order {@linkcode featurize} writes them: the numeric columns, then per one-hot
 * group `<prefix>_<value slug>` for each vocabulary entry followed by `<prefix>_unknown`.
 */
export const FEATURE_NAMES: readonly string[] = Object.freeze([
  ...NUMERIC_NAMES,
  ...GROUPS.flatMap((g) => [...g.vocabulary.map((v) => `${g.prefix}_${slug(v)}`), `${g.prefix}_unknown`]),
]);

if (new Set(FEATURE_NAMES).size !== FEATURE_NAMES.length) throw new Error("features.ts: duplicate feature names");

/** Columns per ticket. */
const WIDTH = FEATURE_NAMES.length;

/** Largest number of distinct raw spellings remembered per group (bounds memory on hostile input). */
const SPELLING_CACHE_LIMIT = 4096;

/** A group compiled for lookups: raw spelling → column offset within the row. */
interface CompiledGroup {
  readonly field: CategoricalField;
  /** Offset of the group's `*_unknown` column. */
  readonly unknownOffset: number;
  /** Normalised (trimmed, lower-case) value → offset. */
  readonly normalised: ReadonlyMap<string, number>;
  /** Raw spellings already resolved → offset; avoids allocating a normalised string per row. */
  readonly spellings: Map<string, number>;
}

const COMPILED: readonly CompiledGroup[] = (() => {
  let offset = NUMERIC_NAMES.length;
  return GROUPS.map((g) => {
    const normalised = new Map<string, number>();
    const spellings = new Map<string, number>();
    g.vocabulary.forEach((value, i) => {
      normalised.set(value.trim().toLowerCase(), offset + i);
      spellings.set(value, offset + i);
    });
    const compiled = { field: g.field, unknownOffset: offset + g.vocabulary.length, normalised, spellings };
    offset += g.vocabulary.length + 1;
    return compiled;
  });
})();

/** Column offset for a group's value: a vocabulary column or the group's `*_unknown` column. */
function lookup(group: CompiledGroup, value: string): number {
  const known = group.spellings.get(value);
  if (known !== undefined) return known;
  const offset = group.normalised.get(value.trim().toLowerCase()) ?? group.unknownOffset;
  if (group.spellings.size < SPELLING_CACHE_LIMIT) group.spellings.set(value, offset);
  return offset;
}

/** Reads `YYYY-MM-DD` (optionally followed by a time) without allocating; NaN when the shape is wrong. */
function datePart(value: string | null, start: number, length: number): number {
  if (value === null || value.length < 10 || value.charCodeAt(4) !== 45 || value.charCodeAt(7) !== 45) return NaN;
  let n = 0;
  for (let i = start; i < start + length; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return NaN;
    n = n * 10 + digit;
  }
  return n;
}

/**
 * Encodes tickets as a row-major matrix of `tickets.length × FEATURE_NAMES.length` float32 values, in
 * {@linkcode FEATURE_NAMES} order. Pure and allocation-free per row: the output array is the only allocation
 * (apart from remembering a new spelling of a category the first time it is seen).
 */
export function featurize(tickets: readonly Ticket[]): Float32Array {
  const out = new Float32Array(tickets.length * WIDTH);
  for (let r = 0; r < tickets.length; r++) {
    const t = tickets[r];
    const base = r * WIDTH;
    out[base] = t.customer_age ?? NaN;
    out[base + 1] = t.ticket_description === null ? NaN : t.ticket_description.length;
    const year = datePart(t.date_of_purchase, 0, 4);
    const month = datePart(t.date_of_purchase, 5, 2);
    out[base + 2] = Number.isNaN(month) ? NaN : year;
    out[base + 3] = Number.isNaN(year) ? NaN : month;
    for (let g = 0; g < COMPILED.length; g++) {
      const group = COMPILED[g];
      const value = t[group.field];
      if (value !== null) out[base + lookup(group, value)] = 1;
    }
  }
  return out;
}
