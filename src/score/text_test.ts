import { deepStrictEqual as assertEquals, ok as assert, throws as assertThrows } from "node:assert/strict";
import { languageOf, LANGUAGES, sentimentOf, WORD_LISTS } from "./signals.ts";
import { HASH_BUCKETS, readText, termsOf, TEXT_SEED, wordHash, WordLists } from "./text.ts";
import fc from "fast-check";

/** The hashed words of `text` alone. */
function hashed(text: string, seed = TEXT_SEED): Float32Array {
  const out = new Float32Array(HASH_BUCKETS);
  readText(text, seed, out, 0);
  return out;
}

Deno.test("words are hashed ignoring case and punctuation; each word and each pair counts once", () => {
  assertEquals(hashed("Printer BROKEN, again!"), hashed("printer broken again"));
  const one = hashed("printer");
  assertEquals(one.reduce((n, v) => n + Math.abs(v), 0), 1, "one word: one bucket, +1 or -1");
  const two = hashed("printer broken");
  assertEquals(two.reduce((n, v) => n + Math.abs(v), 0) <= 3, true, "two words and their pair");
  // Word order matters through the pairs: "not working" and "working not" share words but not their pair.
  assert(hashed("not working").some((v, i) => v !== hashed("working not")[i]));
});

Deno.test("another seed puts the same word in another bucket; case does not change a word's hash", () => {
  assert(hashed("refund", 0x5b_d1_e9_95).some((v, i) => v !== hashed("refund", TEXT_SEED)[i]));
  assertEquals(wordHash("Refund", TEXT_SEED), wordHash("refund", TEXT_SEED));
});

Deno.test("statistics: words, marks, capitals among letters; apostrophes belong to words", () => {
  const read = readText("Why is it DOWN?! I can't log in!", TEXT_SEED, new Float32Array(HASH_BUCKETS), 0);
  assertEquals(
    { words: read.words, exclamations: read.exclamations, questions: read.questions },
    { words: 8, exclamations: 2, questions: 1 },
  );
  assertEquals([read.capitals, read.letters], [6, 21]);
});

Deno.test("offsets: the words are added into the given slice and nowhere else", () => {
  const out = new Float32Array(HASH_BUCKETS * 2 + 3);
  readText("everything is on fire", TEXT_SEED, out, HASH_BUCKETS + 3);
  assert(out.subarray(0, HASH_BUCKETS + 3).every((v) => v === 0));
  assert(out.subarray(HASH_BUCKETS + 3).some((v) => v !== 0));
});

Deno.test("sentiment: AFINN valences, a negator turns the next word around", () => {
  const read = (text: string) => readText(text, TEXT_SEED, new Float32Array(HASH_BUCKETS), 0, WORD_LISTS);
  assert(sentimentOf(read("This is terrible, I am furious.")) < -0.5);
  assert(sentimentOf(read("Thanks, great help, I am happy!")) > 0.5);
  assertEquals(sentimentOf(read("The invoice number is 42.")), 0);
  assertEquals(read("it is not good").valence, -read("it is good").valence);
});

Deno.test("language: settled by function words, or by eld when they do not", () => {
  const language = (text: string) =>
    languageOf(readText(text, TEXT_SEED, new Float32Array(HASH_BUCKETS), 0, WORD_LISTS), text);
  assertEquals(language("My order never arrived and the tracking page is empty, please help."), "en");
  assertEquals(language("Mi pedido no ha llegado y la página de seguimiento está vacía, por favor ayuda."), "es");
  assertEquals(language("Meine Bestellung ist nicht angekommen und die Seite ist leer, bitte helfen Sie mir."), "de");
  assertEquals(language("Ma commande n'est pas arrivée et la page de suivi est vide, merci de m'aider."), "fr");
  assertEquals(language("Il mio ordine non è arrivato e la pagina di tracciamento è vuota, grazie."), "it");
  assertEquals(language("Mijn bestelling is niet aangekomen en de pagina is leeg, kunnen jullie helpen."), "nl");
  assertEquals(language("Meu pedido não chegou e a página de rastreamento está vazia, obrigado."), "pt");
  // Too little to go on: eld is not sure, and neither are we.
  assertEquals(language("ok"), null);
  assertEquals(LANGUAGES.length, 7);
});

Deno.test("word lists: one probe table finds every word, colliding slots included, and nothing else", () => {
  // Hashes that share their low bits land in one slot and go on to the next ones; negative hashes are words too.
  const hashes = [5, 5 + 64, 5 + 128, -59, 6, 2 ** 31 - 1, -(2 ** 31)];
  const entries = new Map(hashes.map((h, i) => [h, { valence: (i % 11) - 5, negator: i % 2 === 0, languages: i }]));
  const lists = new WordLists(entries, 7);
  for (const [hash, entry] of entries) {
    const packed = lists.lookup(hash);
    assert(packed !== 0, `${hash} not found`);
    assertEquals(((packed >> 1) & 15) - 8, entry.valence, `valence of ${hash}`);
    assertEquals((packed & 32) !== 0, entry.negator, `negator ${hash}`);
    assertEquals(packed >>> 8, entry.languages, `languages of ${hash}`);
  }
  for (const unknown of [5 + 192, 5 + 256, 7, 0, -1]) assertEquals(lists.lookup(unknown), 0, `${unknown}`);
  assertThrows(() => new WordLists(new Map([[1, { valence: 6 }]]), 7), RangeError);
});

Deno.test("property: termsOf names the very terms a reading hands the text layer, hash for hash", () => {
  fc.assert(
    fc.property(
      fc.string({ unit: "grapheme-composite", maxLength: 200 }),
      fc.stringMatching(/^[A-Za-zÀ-ÿ' .,!?\n0-9-]{0,200}$/),
      (a, b) => {
        for (const text of [a, b]) {
          const sink = { hashes: new Int32Array(64), count: 0 };
          readText(text, TEXT_SEED, new Float32Array(HASH_BUCKETS), 0, null, sink);
          const terms = termsOf(text, TEXT_SEED, 64);
          assertEquals(terms.map((t) => t.hash), [...sink.hashes.subarray(0, sink.count)]);
        }
      },
    ),
    { numRuns: 500 },
  );
  assertEquals(termsOf("Printer ON fire!", TEXT_SEED, 10).map((t) => t.term), [
    "Printer",
    "ON",
    "Printer ON",
    "fire",
    "ON fire",
  ]);
});
