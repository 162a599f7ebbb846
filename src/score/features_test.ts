import { deepStrictEqual as assertEquals, ok as assert } from "node:assert/strict";
import { ticket as baseTicket } from "../../tests/support/tickets.ts";
import type { Ticket } from "../ticket/schema.ts";
import { LANGUAGES } from "./signals.ts";
import { HASH_BUCKETS } from "./text.ts";
import {
  CATEGORICAL_FIELDS,
  FEATURE_SPEC_VERSION,
  FeatureSpec,
  learnVocabularies,
  ticketText,
  type Vocabularies,
  VocabularyCounter,
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

/** Vocabularies as a team's training tickets might teach them. */
const VOCABULARIES: Vocabularies = {
  customer_gender: ["Female", "Male", "Other"],
  ticket_type: ["Technical issue", "Billing inquiry"],
  ticket_channel: ["Email", "Social media"],
  ticket_status: ["Open", "Pending Customer Response"],
  product_purchased: ["GoPro Hero", "C++ Compiler", "C Compiler"],
};
const SPEC = new FeatureSpec(VOCABULARIES);

/** The numeric columns, in order. */
const NUMERIC = [
  "customer_age",
  "text_chars",
  "text_words",
  "exclamations",
  "questions",
  "capitals_share",
  "sentiment",
  "purchase_year",
  "purchase_month",
];

/** The named features of one ticket, as a record, zeros and the hashed text left out (see text_test.ts). */
function encodeOne(t: Ticket, spec = SPEC): Record<string, number> {
  const row = spec.featurize([t]);
  assertEquals(row.length, spec.width);
  return Object.fromEntries(
    spec.names.map((n, i) => [n, row[i]]).filter(([n, v]) => v !== 0 && !/^text_\d+$/.test(String(n))),
  );
}

Deno.test("feature spec: numeric columns, a group per learned vocabulary with its other column, hashed text last", () => {
  assertEquals(new Set(SPEC.names).size, SPEC.names.length);
  assertEquals(SPEC.names.slice(0, NUMERIC.length), NUMERIC);
  const vocabularySizes = CATEGORICAL_FIELDS.reduce((n, f) => n + VOCABULARIES[f].length + 1, 0);
  assertEquals(SPEC.width, NUMERIC.length + vocabularySizes + LANGUAGES.length + 1 + HASH_BUCKETS);
  for (const prefix of ["gender", "type", "channel", "status", "product", "language"]) {
    assert(SPEC.names.includes(`${prefix}__other`), prefix);
  }
  // Values whose slugs collide keep columns of their own.
  assert(SPEC.names.includes("product_c_compiler") && SPEC.names.includes("product_c_compiler_2"));
  assertEquals(SPEC.names.slice(-HASH_BUCKETS), Array.from({ length: HASH_BUCKETS }, (_, i) => `text_${i}`));
  assert(!SPEC.names.some((n) => /priority|label|subject/.test(n)), "no label, and the subject is text");
  assertEquals(FEATURE_SPEC_VERSION, "ticket-features-v4");
});

Deno.test("vocabularies are learned from the tickets: frequent values, most frequent spelling, capped", () => {
  const tickets = [
    ...Array.from({ length: 6 }, () => ticket({ ticket_type: "Incident" })),
    ...Array.from({ length: 3 }, () => ticket({ ticket_type: "incident " })),
    ...Array.from({ length: 5 }, () => ticket({ ticket_type: "Question" })),
    ...Array.from({ length: 4 }, () => ticket({ ticket_type: "Task" })),
    ticket({ ticket_type: null }),
  ];
  assertEquals(learnVocabularies(tickets).ticket_type, ["Incident", "Question"]);
  assertEquals(learnVocabularies(tickets, { minCount: 1 }).ticket_type, ["Incident", "Question", "Task"]);
  assertEquals(learnVocabularies(tickets, { minCount: 1, maxValues: 1 }).ticket_type, ["Incident"]);
  // Counted batch by batch, the same answer.
  const counter = new VocabularyCounter();
  counter.add(tickets.slice(0, 7));
  counter.add(tickets.slice(7));
  assertEquals(counter.vocabularies(), learnVocabularies(tickets));
  // Another team's products are other columns, not one bucket.
  const theirs = new FeatureSpec(learnVocabularies(tickets.map((t, i) => ({ ...t, product_purchased: `P${i % 2}` }))));
  assert(theirs.names.includes("product_p0") && theirs.names.includes("product_p1"));
});

Deno.test("featurize: numeric columns and one hot per group", () => {
  const { capitals_share, sentiment, ...rest } = encodeOne(ticket({
    ticket_subject: "Printer",
    ticket_description: "The printer broke down again! Why?",
  }));
  assertEquals(rest, {
    customer_age: 32,
    text_chars: 42,
    text_words: 7,
    exclamations: 1,
    questions: 1,
    purchase_year: 2021,
    purchase_month: 3,
    gender_other: 1,
    type_technical_issue: 1,
    channel_social_media: 1,
    status_pending_customer_response: 1,
    product_gopro_hero: 1,
    language_en: 1,
  });
  // Capitals: 1 of 7 letters in "Printer" and 2 of 27 in the description: 3 of 34.
  assert(Math.abs(capitals_share - 3 / 34) < 1e-6, String(capitals_share));
  assert(sentiment < 0, `"broke down" reads negative: ${sentiment}`);
});

Deno.test("the text is the subject and the description as one: the field it sits in does not matter", () => {
  const words = "Production database is down, every customer sees errors on checkout";
  const inSubject = SPEC.featurize([ticket({ ticket_subject: words, ticket_description: null })]);
  const inDescription = SPEC.featurize([ticket({ ticket_subject: null, ticket_description: words })]);
  const inBoth = SPEC.featurize([ticket({ ticket_subject: words, ticket_description: ` ${words} ` })]);
  assertEquals(inSubject, inDescription);
  assertEquals(inSubject, inBoth, "a description repeating the subject is read once");
  assertEquals(ticketText({ ticket_subject: "Down", ticket_description: "Since noon." }), "Down\nSince noon.");
  assertEquals(ticketText({ ticket_subject: " ", ticket_description: null }), null);
});

Deno.test("featurize: categories match ignoring case and surrounding spaces", () => {
  // The one-hot columns: between the numeric ones and the hashed text.
  const oneHot = (f: Float32Array) => f.slice(NUMERIC.length, f.length - HASH_BUCKETS);
  const a = oneHot(SPEC.featurize([ticket()]));
  const b = oneHot(SPEC.featurize([ticket({
    customer_gender: " other",
    product_purchased: "gopro HERO ",
    ticket_type: "TECHNICAL ISSUE",
    ticket_status: "pending customer response",
    ticket_channel: "Social Media",
  })]));
  assertEquals(b, a);
});

Deno.test("featurize: values outside a vocabulary set that group's other column", () => {
  const features = encodeOne(ticket({
    customer_gender: "Nonbinary",
    product_purchased: "Acme Gadget",
    ticket_type: "Complaint",
    ticket_status: "Escalated",
    ticket_channel: "Fax",
  }));
  for (const prefix of ["gender", "type", "channel", "status", "product"]) {
    assertEquals(features[`${prefix}__other`], 1, prefix);
    assertEquals(Object.keys(features).filter((n) => n.startsWith(`${prefix}_`)), [`${prefix}__other`]);
  }
  // Whitespace-only or partial names are not in the vocabulary either.
  assertEquals(encodeOne(ticket({ product_purchased: "GoPro" })).product__other, 1);
  assertEquals(encodeOne(ticket({ product_purchased: " " })).product__other, 1);
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
  const empty = ["customer_age", "text_chars", "text_words", "capitals_share"];
  for (const n of [...empty, "sentiment", "purchase_year", "purchase_month"]) assert(Number.isNaN(features[n]), n);
  assertEquals(Object.keys(features).length, empty.length + 3, "every one-hot column is zero");
  assert(
    SPEC.featurize([ticket({ ticket_description: null, ticket_subject: null })]).slice(-HASH_BUCKETS).every((v) =>
      v === 0
    ),
  );
});

Deno.test("featurize: a malformed purchase date gives NaN year and month", () => {
  for (const date of ["22-03-21", "2021/03/22", "20x1-03-22", "2021-3-2"]) {
    const f = encodeOne(ticket({ date_of_purchase: date }));
    assert(Number.isNaN(f.purchase_year) && Number.isNaN(f.purchase_month), date);
  }
  assertEquals(encodeOne(ticket({ date_of_purchase: "2020-12-01" })).purchase_month, 12);
});

Deno.test("featurize: row-major, one row per ticket, labels ignored", () => {
  const width = SPEC.width;
  const tickets = [ticket(), ticket({ customer_age: 70, ticket_channel: "Email" }), ticket({ priority_label: null })];
  const m = SPEC.featurize(tickets);
  assertEquals(m.length, 3 * width);
  assertEquals(m.subarray(0, width), SPEC.featurize([tickets[0]]));
  assertEquals(m.subarray(width, 2 * width), SPEC.featurize([tickets[1]]));
  assertEquals(m[width], 70);
  assertEquals(m.subarray(2 * width), m.subarray(0, width), "priority_label does not change the features");
  assertEquals(SPEC.featurize([]).length, 0);
});

Deno.test("encode: the language and sentiment read in each ticket's text come out beside the features", () => {
  const { languages, sentiments } = SPEC.encode([
    ticket({ ticket_description: "My order never arrived and nobody answers my emails, this is terrible." }),
    ticket({ ticket_subject: null, ticket_description: "Mi pedido nunca llegó y nadie responde a mis correos." }),
    ticket({ ticket_subject: "Mi pedido nunca llegó y nadie responde a mis correos.", ticket_description: null }),
    ticket({ ticket_subject: null, ticket_description: null }),
  ]);
  assertEquals(languages, ["en", "es", "es", null]);
  assert(sentiments[0]! < 0, String(sentiments[0]));
  assertEquals(sentiments[3], null);
});
