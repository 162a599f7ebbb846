import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { ticket as baseTicket } from "../../tests/support/tickets.ts";
import type { Ticket } from "../ticket/schema.ts";
import { LANGUAGES } from "./signals.ts";
import { HASH_BUCKETS } from "./text.ts";
import {
  CHANNELS,
  encode,
  FEATURE_NAMES,
  FEATURE_SPEC_VERSION,
  featurize,
  GENDERS,
  PRODUCTS,
  STATUSES,
  SUBJECTS,
  TICKET_TYPES,
} from "./features.ts";

const ticket = (overrides: Partial<Ticket> = {}): Ticket =>
  baseTicket({
    customer_gender: "Other",
    ticket_description: "It broke.",
    ticket_status: "Pending Customer Response",
    priority_label: "Critical",
    ticket_channel: "Social media",
    ...overrides,
  });

/** The numeric columns, in order. */
const NUMERIC = [
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
];

/** The named features of one ticket, as a record, zeros and the hashed text left out (see text_test.ts). */
function encodeOne(t: Ticket): Record<string, number> {
  const row = featurize([t]);
  assertEquals(row.length, FEATURE_NAMES.length);
  return Object.fromEntries(
    FEATURE_NAMES.map((n, i) => [n, row[i]]).filter(([n, v]) => v !== 0 && !String(n).startsWith("text_")),
  );
}

Deno.test("feature spec: names are unique, documented groups, fixed vocabularies, hashed text last", () => {
  assertEquals(new Set(FEATURE_NAMES).size, FEATURE_NAMES.length);
  assertEquals(FEATURE_NAMES.slice(0, NUMERIC.length), NUMERIC);
  assertEquals(SUBJECTS.length, 16);
  assertEquals(PRODUCTS.length, 42);
  const groups = [GENDERS, TICKET_TYPES, CHANNELS, STATUSES, SUBJECTS, PRODUCTS, LANGUAGES];
  assertEquals(FEATURE_NAMES.length, NUMERIC.length + groups.reduce((n, g) => n + g.length + 1, 0) + HASH_BUCKETS);
  for (const prefix of ["gender", "type", "channel", "status", "subject", "product", "language"]) {
    assert(FEATURE_NAMES.includes(`${prefix}_unknown`), prefix);
  }
  assertEquals(FEATURE_NAMES.slice(-HASH_BUCKETS), Array.from({ length: HASH_BUCKETS }, (_, i) => `text_${i}`));
  assert(!FEATURE_NAMES.some((n) => /priority|label/.test(n)), "the label must not be a feature");
  assert(FEATURE_SPEC_VERSION.length > 0);
});

Deno.test("featurize: numeric columns and one hot per group", () => {
  const { capitals_share, sentiment, ...rest } = encodeOne(ticket({
    ticket_description: "The printer broke down again! Why?",
  }));
  assertEquals(rest, {
    customer_age: 32,
    description_chars: 34,
    description_words: 6,
    words_in_subject: 2,
    exclamations: 1,
    questions: 1,
    purchase_year: 2021,
    purchase_month: 3,
    gender_other: 1,
    type_technical_issue: 1,
    channel_social_media: 1,
    status_pending_customer_response: 1,
    subject_product_setup: 1,
    product_gopro_hero: 1,
    language_en: 1,
  });
  // Capitals: 1 of 12 letters in "Product setup" and 2 of 27 in the description: 3 of 39.
  assert(Math.abs(capitals_share - 3 / 39) < 1e-6, String(capitals_share));
  assert(sentiment < 0, `"broke down" reads negative: ${sentiment}`);
});

Deno.test("featurize: categories match ignoring case and surrounding spaces", () => {
  // The one-hot columns: between the numeric ones and the hashed text (whose capitals, words and hashes differ).
  const oneHot = (f: Float32Array) => f.slice(NUMERIC.length, f.length - HASH_BUCKETS);
  const a = oneHot(featurize([ticket()]));
  const b = oneHot(featurize([ticket({
    customer_gender: " other",
    product_purchased: "gopro HERO ",
    ticket_type: "TECHNICAL ISSUE",
    ticket_subject: "\tproduct setup",
    ticket_status: "pending customer response",
    ticket_channel: "Social Media",
  })]));
  assertEquals(b, a);
});

Deno.test("featurize: values outside a vocabulary set that group's unknown column", () => {
  const features = encodeOne(ticket({
    customer_gender: "Nonbinary",
    product_purchased: "Acme Gadget",
    ticket_type: "Complaint",
    ticket_subject: "Noise",
    ticket_status: "Escalated",
    ticket_channel: "Fax",
  }));
  for (const prefix of ["gender", "type", "channel", "status", "subject", "product"]) {
    assertEquals(features[`${prefix}_unknown`], 1, prefix);
    assertEquals(Object.keys(features).filter((n) => n.startsWith(`${prefix}_`)), [`${prefix}_unknown`]);
  }
  // Whitespace-only or partial names are not in the vocabulary either.
  assertEquals(encodeOne(ticket({ product_purchased: "GoPro" })).product_unknown, 1);
  assertEquals(encodeOne(ticket({ product_purchased: " " })).product_unknown, 1);
});

Deno.test("featurize: nulls give NaN numerics and all-zero groups", () => {
  const features = encodeOne(ticket({
    customer_age: null,
    ticket_description: null,
    date_of_purchase: null,
    customer_gender: null,
    product_purchased: null,
    ticket_type: null,
    ticket_subject: null,
    ticket_status: null,
    ticket_channel: null,
  }));
  const empty = ["customer_age", "description_chars", "description_words", "words_in_subject", "capitals_share"];
  for (const n of [...empty, "sentiment", "purchase_year", "purchase_month"]) assert(Number.isNaN(features[n]), n);
  assertEquals(Object.keys(features).length, empty.length + 3, "every one-hot column is zero");
  assert(
    featurize([ticket({ ticket_description: null, ticket_subject: null })]).slice(-HASH_BUCKETS).every((v) => v === 0),
  );
});

Deno.test("featurize: a malformed purchase date gives NaN year and month", () => {
  for (const date of ["22-03-21", "2021/03/22", "20x1-03-22", "2021-3-2"]) {
    const f = encodeOne(ticket({ date_of_purchase: date }));
    assert(Number.isNaN(f.purchase_year) && Number.isNaN(f.purchase_month), date);
  }
  assertEquals(encodeOne(ticket({ date_of_purchase: "2020-12-01" })).purchase_month, 12);
  assertEquals(encodeOne(ticket({ ticket_description: "" })).description_chars, undefined, "empty text has length 0");
});

Deno.test("featurize: row-major, one row per ticket, labels ignored", () => {
  const width = FEATURE_NAMES.length;
  const tickets = [ticket(), ticket({ customer_age: 70, ticket_channel: "Email" }), ticket({ priority_label: null })];
  const m = featurize(tickets);
  assertEquals(m.length, 3 * width);
  assertEquals(m.subarray(0, width), featurize([tickets[0]]));
  assertEquals(m.subarray(width, 2 * width), featurize([tickets[1]]));
  assertEquals(m[width], 70);
  assertEquals(m.subarray(2 * width), m.subarray(0, width), "priority_label does not change the features");
  assertEquals(featurize([]).length, 0);
});

Deno.test("encode: the language and sentiment read in each description come out beside the features", () => {
  const { languages, sentiments } = encode([
    ticket({ ticket_description: "My order never arrived and nobody answers my emails, this is terrible." }),
    ticket({ ticket_description: "Mi pedido nunca llegó y nadie responde a mis correos electrónicos." }),
    ticket({ ticket_description: null }),
  ]);
  assertEquals(languages, ["en", "es", null]);
  assert(sentiments[0]! < 0, String(sentiments[0]));
  assertEquals(sentiments[2], null);
});
