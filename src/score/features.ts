/**
 * The feature spec: the one place that says how a {@linkcode Ticket} becomes the numbers the priority model reads.
 * Training (`train/matrix.ts` writes the matrix `models/train.py` learns from) and scoring (`model.ts`) both call
 * {@linkcode encode}, so the two can never drift apart; `models/priority.json` records
 * {@linkcode FEATURE_SPEC_VERSION} and {@linkcode FEATURE_NAMES}, and `model.ts` refuses a model trained on
 * another spec.
 *
 * The model (CatBoost, exported to ONNX) takes numeric features only: text becomes hashed word counts (`text.ts`),
 * categoricals are one-hot encoded over fixed vocabularies (matched ignoring case and surrounding spaces). Each group
 * has one column per known value plus an `*_unknown` column set for a value outside the vocabulary; a null value
 * leaves the whole group at zero.
 *
 * Columns, in order:
 * - `customer_age`: years; NaN when null.
 * - `description_chars`, `description_words`, `words_in_subject`: lengths (UTF-16 code units, words); NaN when null.
 * - `exclamations`, `questions`, `capitals_share`: of subject and description together (capitals among letters).
 * - `sentiment`: of the description, -1 (negative) to 1 (positive) (`signals.ts`); NaN without text.
 * - `purchase_year`, `purchase_month`: from `date_of_purchase` (`YYYY-MM-DD`); NaN when null or malformed.
 * - one-hot groups: `gender_*`, `type_*`, `channel_*`, `status_*`, `subject_*`, `product_*`, and `language_*`
 *   (the description's language, `signals.ts`).
 * - `text_0` … `text_511`: the subject's and the description's words and word pairs, hashed (`text.ts`).
 *
 * The human label (`priority_label`) is never a feature. Changing anything here (a column, its order, a
 * vocabulary, an encoding) means bumping {@linkcode FEATURE_SPEC_VERSION} and retraining (`deno task train`).
 *
 * @module
 */

import type { Ticket } from "../ticket/schema.ts";
import { languageOf, LANGUAGES, sentimentOf, WORD_LISTS } from "./signals.ts";
import { DESCRIPTION_SEED, HASH_BUCKETS, readText, SUBJECT_SEED } from "./text.ts";

/** Version of this spec; stored in the model metadata and checked when a model is loaded. */
export const FEATURE_SPEC_VERSION = "ticket-features-v2";

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

/** One one-hot group: what it reads (a ticket field, or the language), the prefix of its columns, its vocabulary. */
interface OneHotGroup {
  readonly read: (ticket: Ticket, language: string | null) => string | null;
  readonly prefix: string;
  readonly vocabulary: readonly string[];
}

/** The one-hot groups, in column order. */
const GROUPS: readonly OneHotGroup[] = [
  { read: (t) => t.customer_gender, prefix: "gender", vocabulary: GENDERS },
  { read: (t) => t.ticket_type, prefix: "type", vocabulary: TICKET_TYPES },
  { read: (t) => t.ticket_channel, prefix: "channel", vocabulary: CHANNELS },
  { read: (t) => t.ticket_status, prefix: "status", vocabulary: STATUSES },
  { read: (t) => t.ticket_subject, prefix: "subject", vocabulary: SUBJECTS },
  { read: (t) => t.product_purchased, prefix: "product", vocabulary: PRODUCTS },
  { read: (_, language) => language, prefix: "language", vocabulary: LANGUAGES },
];

/** The numeric columns that precede the one-hot groups. */
const NUMERIC_NAMES = [
  "customer_age",
  "description_chars",
  "description_words",
  "words_in_subject",
  "exclamations",
  "questions",
  "capitals_share",
  "sentiment",
  "purchase_year",
  "purchase_month",
] as const;

/** The hashed text columns, last. */
const TEXT_NAMES = Array.from({ length: HASH_BUCKETS }, (_, i) => `text_${i}`);

const slug = (value: string) => value.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "");

/**
 * The feature columns, in the order {@linkcode encode} writes them: the numeric columns, then per one-hot group
 * `<prefix>_<value slug>` for each vocabulary entry followed by `<prefix>_unknown`, then the hashed text.
 */
export const FEATURE_NAMES: readonly string[] = Object.freeze([
  ...NUMERIC_NAMES,
  ...GROUPS.flatMap((g) => [...g.vocabulary.map((v) => `${g.prefix}_${slug(v)}`), `${g.prefix}_unknown`]),
  ...TEXT_NAMES,
]);

/** Where the hashed text columns start in a row. */
const TEXT_OFFSET = FEATURE_NAMES.length - HASH_BUCKETS;

if (new Set(FEATURE_NAMES).size !== FEATURE_NAMES.length) throw new Error("features.ts: duplicate feature names");

/** Columns per ticket. */
const WIDTH = FEATURE_NAMES.length;

/** Largest number of distinct raw spellings remembered per group (bounds memory on hostile input). */
const SPELLING_CACHE_LIMIT = 4096;

/** A group compiled for lookups: raw spelling → column offset within the row. */
interface CompiledGroup {
  readonly read: OneHotGroup["read"];
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
    const compiled = { read: g.read, unknownOffset: offset + g.vocabulary.length, normalised, spellings };
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
 * Where a ticket's words are counted before its row gets them in one sequential copy: counting straight into the
 * row, a word's bucket is a cache miss in memory not yet touched, and encoding took twice as long.
 */
const words = new Float32Array(HASH_BUCKETS);

/** A batch of tickets as the model reads them, with what was learnt of their text on the way. */
export interface EncodedTickets {
  /** Row-major `tickets × FEATURE_NAMES.length` values, in {@linkcode FEATURE_NAMES} order. */
  features: Float32Array;
  /** Each ticket's language (ISO 639-1 code), or null when its text does not tell. */
  languages: (string | null)[];
  /** Each ticket's sentiment, -1 (negative) to 1 (positive), or null without a description. */
  sentiments: (number | null)[];
}

/**
 * Encodes tickets. Allocation-free per row apart from the output arrays (and remembering a new spelling of a
 * category the first time it is seen).
 */
export function encode(tickets: readonly Ticket[]): EncodedTickets {
  const out = new Float32Array(tickets.length * WIDTH);
  const languages: (string | null)[] = new Array(tickets.length);
  const sentiments: (number | null)[] = new Array(tickets.length);
  for (let r = 0; r < tickets.length; r++) {
    const t = tickets[r];
    const base = r * WIDTH;
    const description = t.ticket_description;
    const subject = t.ticket_subject;
    out[base] = t.customer_age ?? NaN;
    let exclamations = 0, questions = 0, letters = 0, capitals = 0;
    let language: string | null = null, sentiment: number | null = null;
    if (subject !== null) {
      const read = readText(subject, SUBJECT_SEED, words, 0);
      out[base + 3] = read.words;
      exclamations += read.exclamations;
      questions += read.questions;
      letters += read.letters;
      capitals += read.capitals;
    } else {
      out[base + 3] = NaN;
    }
    if (description !== null) {
      const read = readText(description, DESCRIPTION_SEED, words, 0, WORD_LISTS);
      out[base + 1] = description.length;
      out[base + 2] = read.words;
      exclamations += read.exclamations;
      questions += read.questions;
      letters += read.letters;
      capitals += read.capitals;
      language = languageOf(read, description);
      sentiment = sentimentOf(read);
    } else {
      out[base + 1] = out[base + 2] = NaN;
    }
    out.set(words, base + TEXT_OFFSET);
    words.fill(0);
    languages[r] = language;
    sentiments[r] = sentiment;
    out[base + 4] = exclamations;
    out[base + 5] = questions;
    out[base + 6] = subject === null && description === null ? NaN : letters === 0 ? 0 : capitals / letters;
    out[base + 7] = sentiment ?? NaN;
    const year = datePart(t.date_of_purchase, 0, 4);
    const month = datePart(t.date_of_purchase, 5, 2);
    out[base + 8] = Number.isNaN(month) ? NaN : year;
    out[base + 9] = Number.isNaN(year) ? NaN : month;
    for (let g = 0; g < COMPILED.length; g++) {
      const group = COMPILED[g];
      const value = group.read(t, language);
      if (value !== null) out[base + lookup(group, value)] = 1;
    }
  }
  return { features: out, languages, sentiments };
}

/** The feature matrix of {@linkcode encode}, for when the language and sentiment are not needed (training). */
export function featurize(tickets: readonly Ticket[]): Float32Array {
  return encode(tickets).features;
}
