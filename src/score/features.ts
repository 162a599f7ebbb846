/**
 * The feature spec: the one place that says how a {@linkcode Ticket} becomes the numbers the priority model reads.
 * Training (`train/matrix.ts` writes the matrix `models/train.py` learns from) and scoring (`model.ts`) both encode
 * with a {@linkcode FeatureSpec}, so the two can never drift apart. A spec is this code's encoding
 * ({@linkcode FEATURE_SPEC_VERSION}) plus the categorical vocabularies learned from the training tickets
 * ({@linkcode learnVocabularies}); `priority.json` records both, and `model.ts` rebuilds the spec from them and
 * refuses a model trained on another version.
 *
 * The model (CatBoost, exported to ONNX) takes numeric features only: text becomes hashed word counts (`text.ts`),
 * categoricals are one-hot encoded over their vocabulary (matched ignoring case and surrounding spaces). Each group
 * has one column per learned value plus an `*__other` column (two underscores: no value's own column can be named so)
 * for a value the training tickets did not have (or had too rarely); a null value leaves the whole group at zero.
 *
 * A ticket's text is its subject and its description read as one: helpdesks put the words in either field (a
 * Zendesk export has only the subject; a Jira summary is often all there is), so the model must not care which.
 * A description that repeats the subject is read once.
 *
 * Columns, in order:
 * - `customer_age`: years; NaN when null.
 * - `text_chars`, `text_words`: the text's length (UTF-16 code units, words); NaN without text.
 * - `exclamations`, `questions`, `capitals_share`: of the text (capitals among letters).
 * - `sentiment`: of the text, -1 (negative) to 1 (positive) (`signals.ts`); NaN without text.
 * - `purchase_year`, `purchase_month`: from `date_of_purchase` (`YYYY-MM-DD`); NaN when null or malformed.
 * - one-hot groups: `gender_*`, `type_*`, `channel_*`, `status_*`, `product_*` (learned vocabularies), and
 *   `language_*` (the text's language, `signals.ts`, over a fixed list).
 * - `text_0` … `text_511`: the text's words and word pairs, hashed (`text.ts`).
 * - `text_score_low` … `text_score_critical`: the text layer's class scores (`text_layer.ts`), when the model has
 *   one: a linear model over the text's TF-IDF weighted terms, learned by `models/train.py` beside the trees. A
 *   training matrix has them not: `train.py` adds them, scored out of fold.
 *
 * The human label (`priority_label`) is never a feature. Changing the encoding (a column, its order, how a value
 * is read) means bumping {@linkcode FEATURE_SPEC_VERSION} and retraining (`deno task train`); new vocabularies only
 * need retraining.
 *
 * @module
 */

import { PRIORITIES, type Ticket } from "../ticket/schema.ts";
import { languageOf, LANGUAGES, sentimentOf, WORD_LISTS } from "./signals.ts";
import { HASH_BUCKETS, readText, TEXT_SEED } from "./text.ts";
import { termSink, type TextLayer } from "./text_layer.ts";
import { SimHasher } from "./simhash.ts";

/** Version of the encoding; stored in the model metadata and checked when a model is loaded. */
export const FEATURE_SPEC_VERSION = "ticket-features-v4";

/** The categorical ticket fields the model one-hot encodes, each over a vocabulary learned from training tickets. */
export const CATEGORICAL_FIELDS = [
  "customer_gender",
  "ticket_type",
  "ticket_channel",
  "ticket_status",
  "product_purchased",
] as const;
/** One of {@linkcode CATEGORICAL_FIELDS}. */
export type CategoricalField = typeof CATEGORICAL_FIELDS[number];

/** The learned values of each categorical field, most frequent first. */
export type Vocabularies = Readonly<Record<CategoricalField, readonly string[]>>;

/** The prefix of each categorical field's columns. */
const PREFIXES: Readonly<Record<CategoricalField, string>> = {
  customer_gender: "gender",
  ticket_type: "type",
  ticket_channel: "channel",
  ticket_status: "status",
  product_purchased: "product",
};

/** How {@linkcode learnVocabularies} chooses the values that get a column of their own. */
export interface VocabularyOptions {
  /**
   * A value needs this many training tickets to get a column; rarer values are "other".
   * @default 5
   */
  minCount?: number;
  /**
   * At most this many values per field (the most frequent); the rest are "other".
   * @default 50
   */
  maxValues?: number;
}

/** Distinct spellings counted per field before new ones are ignored (bounds memory on hostile input). */
const COUNTED_VALUES_LIMIT = 100_000;

/** Normal form of a categorical value: trimmed and lower-cased (how values are matched). */
const normalise = (value: string) => value.trim().toLowerCase();

/**
 * Counts the categorical values of training tickets, batch by batch, and picks each field's vocabulary: values
 * seen at least `minCount` times, the `maxValues` most frequent, each under its most frequent spelling.
 *
 * @example
 * ```ts
 * import { deepStrictEqual } from "node:assert/strict";
 * import { VocabularyCounter } from "./features.ts";
 * import { emptyTicket } from "../ticket/schema.ts";
 *
 * const counter = new VocabularyCounter();
 * counter.add(["Email", "email ", "Phone"].map((c) => ({ ...emptyTicket(), ticket_channel: c })));
 * deepStrictEqual(counter.vocabularies({ minCount: 2 }).ticket_channel, ["Email"]);
 * ```
 */
export class VocabularyCounter {
  /** Per field: normal form → spelling → count. */
  readonly #counts = new Map<CategoricalField, Map<string, Map<string, number>>>(
    CATEGORICAL_FIELDS.map((field) => [field, new Map()]),
  );

  /** Counts a batch of tickets. */
  add(tickets: Iterable<Ticket>): void {
    for (const ticket of tickets) {
      for (const field of CATEGORICAL_FIELDS) {
        const value = ticket[field];
        if (value === null || value.trim() === "") continue;
        const counts = this.#counts.get(field)!;
        const key = normalise(value);
        let spellings = counts.get(key);
        if (spellings === undefined) {
          if (counts.size >= COUNTED_VALUES_LIMIT) continue;
          counts.set(key, spellings = new Map());
        }
        const spelling = value.trim();
        spellings.set(spelling, (spellings.get(spelling) ?? 0) + 1);
      }
    }
  }

  /** The vocabularies of the tickets counted so far. */
  vocabularies(options: VocabularyOptions = {}): Vocabularies {
    const minCount = options.minCount ?? 5, maxValues = options.maxValues ?? 50;
    const entries = CATEGORICAL_FIELDS.map((field) => {
      const values = [...this.#counts.get(field)!.values()].map((spellings) => {
        const ranked = [...spellings].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
        return { spelling: ranked[0][0], count: ranked.reduce((n, [, c]) => n + c, 0) };
      });
      const kept = values.filter((v) => v.count >= minCount)
        .sort((a, b) => b.count - a.count || (a.spelling < b.spelling ? -1 : 1))
        .slice(0, maxValues);
      return [field, kept.map((v) => v.spelling)];
    });
    return Object.fromEntries(entries) as unknown as Vocabularies;
  }
}

/** The vocabularies of some tickets (see {@linkcode VocabularyCounter}). */
export function learnVocabularies(tickets: Iterable<Ticket>, options: VocabularyOptions = {}): Vocabularies {
  const counter = new VocabularyCounter();
  counter.add(tickets);
  return counter.vocabularies(options);
}

/**
 * Checks that `raw` (read from a model's metadata) is a vocabulary per categorical field; answers what is wrong,
 * or null.
 */
export function vocabulariesProblem(raw: unknown): string | null {
  if (typeof raw !== "object" || raw === null) return "expected vocabularies: an object of string lists";
  for (const field of CATEGORICAL_FIELDS) {
    const values = (raw as Record<string, unknown>)[field];
    if (!Array.isArray(values) || values.some((v) => typeof v !== "string")) {
      return `vocabularies.${field} must be a list of strings`;
    }
  }
  return null;
}

/** The numeric columns that precede the one-hot groups. */
const NUMERIC_NAMES = [
  "customer_age",
  "text_chars",
  "text_words",
  "exclamations",
  "questions",
  "capitals_share",
  "sentiment",
  "purchase_year",
  "purchase_month",
] as const;

/** The hashed text columns. */
const TEXT_NAMES = Array.from({ length: HASH_BUCKETS }, (_, i) => `text_${i}`);

/** The text layer's class scores, last (in {@linkcode PRIORITIES} order). */
export const TEXT_SCORE_NAMES: readonly string[] = PRIORITIES.map((p) => `text_score_${p.toLowerCase()}`);

const slug = (value: string) => value.toLowerCase().replace(/[^a-z0-9]+/g, "_").replace(/^_|_$/g, "") || "value";

/** Largest number of distinct raw spellings remembered per group (bounds memory on hostile input). */
const SPELLING_CACHE_LIMIT = 4096;

/** A one-hot group compiled for lookups: raw spelling → column offset within the row. */
interface CompiledGroup {
  readonly read: (ticket: Ticket, language: string | null) => string | null;
  /** Offset of the group's `*__other` column. */
  readonly otherOffset: number;
  /** Normalised (trimmed, lower-case) value → offset. */
  readonly normalised: ReadonlyMap<string, number>;
  /** Raw spellings already resolved → offset; avoids allocating a normalised string per row. */
  readonly spellings: Map<string, number>;
}

/** Column offset for a group's value: a vocabulary column or the group's `*__other` column. */
function lookup(group: CompiledGroup, value: string): number {
  const known = group.spellings.get(value);
  if (known !== undefined) return known;
  const offset = group.normalised.get(normalise(value)) ?? group.otherOffset;
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

/** A batch of tickets as the model reads them, with what was learnt of their text on the way. */
export interface EncodedTickets {
  /** Row-major `tickets × names.length` values, in the spec's column order. */
  features: Float32Array;
  /** Each ticket's language (ISO 639-1 code), or null when its text does not tell. */
  languages: (string | null)[];
  /** Each ticket's sentiment, -1 (negative) to 1 (positive), or null without text. */
  sentiments: (number | null)[];
  /**
   * Each ticket's text signature (`simhash.ts`), high then low half: `2 × tickets` values; zeros without a text
   * layer or without text.
   */
  signatures: Uint32Array;
}

/** The text the model reads of a ticket: subject and description as one, a description that repeats the subject once. */
export function ticketText(ticket: Pick<Ticket, "ticket_subject" | "ticket_description">): string | null {
  const subject = ticket.ticket_subject, description = ticket.ticket_description;
  if (subject === null || subject.trim() === "") return description;
  if (description === null || description.trim() === "" || description.trim() === subject.trim()) return subject;
  return `${subject}\n${description}`;
}

/**
 * An encoding of tickets: the columns in {@linkcode FeatureSpec.names} order, for one set of vocabularies.
 *
 * @example
 * ```ts
 * import { strictEqual } from "node:assert/strict";
 * import { FeatureSpec, learnVocabularies } from "./features.ts";
 * import { emptyTicket } from "../ticket/schema.ts";
 *
 * const tickets = [{ ...emptyTicket(), ticket_id: "1", ticket_subject: "Login fails", ticket_type: "Incident" }];
 * const spec = new FeatureSpec(learnVocabularies(tickets, { minCount: 1 }));
 * strictEqual(spec.names.includes("type_incident"), true);
 * strictEqual(spec.encode(tickets).features.length, spec.width);
 * ```
 */
export class FeatureSpec {
  /** The vocabularies the one-hot groups use. */
  readonly vocabularies: Vocabularies;
  /** The text layer whose scores are the last columns, or null (a training matrix's spec). */
  readonly textLayer: TextLayer | null;
  /** The feature columns, in the order {@linkcode FeatureSpec.encode} writes them. */
  readonly names: readonly string[];
  /** Columns per ticket. */
  readonly width: number;
  readonly #groups: readonly CompiledGroup[];
  readonly #textOffset: number;
  /**
   * Where a ticket's words are counted before its row gets them in one sequential copy: counting straight into
   * the row, a word's bucket is a cache miss in memory not yet touched.
   */
  readonly #words = new Float32Array(HASH_BUCKETS);

  readonly #terms = termSink();
  readonly #hasher = new SimHasher();

  constructor(vocabularies: Vocabularies, textLayer: TextLayer | null = null) {
    this.vocabularies = vocabularies;
    this.textLayer = textLayer;
    const groups: { read: CompiledGroup["read"]; prefix: string; vocabulary: readonly string[] }[] = [
      ...CATEGORICAL_FIELDS.map((field) => ({
        read: (t: Ticket) => t[field],
        prefix: PREFIXES[field],
        vocabulary: vocabularies[field],
      })),
      { read: (_: Ticket, language: string | null) => language, prefix: "language", vocabulary: LANGUAGES },
    ];
    const names: string[] = [...NUMERIC_NAMES];
    const compiled: CompiledGroup[] = [];
    for (const group of groups) {
      const normalised = new Map<string, number>();
      const spellings = new Map<string, number>();
      const taken = new Set<string>();
      for (const value of group.vocabulary) {
        const key = normalise(value);
        if (normalised.has(key)) continue; // two spellings of one value share its column
        // Distinct values can share a slug ("C++" and "C"): later ones are numbered.
        let name = `${group.prefix}_${slug(value)}`;
        for (let n = 2; taken.has(name); n++) name = `${group.prefix}_${slug(value)}_${n}`;
        taken.add(name);
        normalised.set(key, names.length);
        spellings.set(value, names.length);
        names.push(name);
      }
      compiled.push({ read: group.read, otherOffset: names.length, normalised, spellings });
      names.push(`${group.prefix}__other`);
    }
    this.#textOffset = names.length;
    names.push(...TEXT_NAMES);
    if (textLayer !== null) {
      if (textLayer.classes !== TEXT_SCORE_NAMES.length) throw new RangeError("a text layer scores four classes");
      names.push(...TEXT_SCORE_NAMES);
    }
    this.names = Object.freeze(names);
    this.width = names.length;
    this.#groups = compiled;
  }

  /**
   * Encodes tickets. Allocation-free per row apart from the output arrays, the joined text of a ticket with both
   * a subject and a description, and remembering a new spelling of a category the first time it is seen.
   */
  encode(tickets: readonly Ticket[]): EncodedTickets {
    const width = this.width, words = this.#words, groups = this.#groups;
    const layer = this.textLayer, terms = layer === null ? null : this.#terms;
    const scoreOffset = this.#textOffset + HASH_BUCKETS;
    const out = new Float32Array(tickets.length * width);
    const languages: (string | null)[] = new Array(tickets.length);
    const sentiments: (number | null)[] = new Array(tickets.length);
    const signatures = new Uint32Array(2 * tickets.length), hasher = this.#hasher;
    for (let r = 0; r < tickets.length; r++) {
      const t = tickets[r];
      const base = r * width;
      const text = ticketText(t);
      out[base] = t.customer_age ?? NaN;
      let language: string | null = null, sentiment: number | null = null;
      if (text !== null) {
        const read = readText(text, TEXT_SEED, words, 0, WORD_LISTS, terms);
        out[base + 1] = text.length;
        out[base + 2] = read.words;
        out[base + 3] = read.exclamations;
        out[base + 4] = read.questions;
        out[base + 5] = read.letters === 0 ? 0 : read.capitals / read.letters;
        language = languageOf(read, text);
        sentiment = sentimentOf(read);
        out.set(words, base + this.#textOffset);
        words.fill(0);
      } else {
        out[base + 1] = out[base + 2] = out[base + 5] = NaN;
      }
      // Without text the layer's scores are its bias: what it says of a ticket it knows nothing of.
      if (layer !== null) {
        layer.score(terms!, out, base + scoreOffset, hasher);
        hasher.finish(signatures, 2 * r);
      }
      languages[r] = language;
      sentiments[r] = sentiment;
      out[base + 6] = sentiment ?? NaN;
      const year = datePart(t.date_of_purchase, 0, 4);
      const month = datePart(t.date_of_purchase, 5, 2);
      out[base + 7] = Number.isNaN(month) ? NaN : year;
      out[base + 8] = Number.isNaN(year) ? NaN : month;
      for (let g = 0; g < groups.length; g++) {
        const group = groups[g];
        const value = group.read(t, language);
        if (value !== null) out[base + lookup(group, value)] = 1;
      }
    }
    return { features: out, languages, sentiments, signatures };
  }

  /** The feature matrix of {@linkcode FeatureSpec.encode}, for when language and sentiment are not needed. */
  featurize(tickets: readonly Ticket[]): Float32Array {
    return this.encode(tickets).features;
  }
}
