/**
 * Reading a ticket's text as numbers, in one pass over its characters: its words as hashed unigrams and bigrams,
 * simple statistics, and (through `signals.ts`, which supplies the word lists) the evidence for its language and
 * its sentiment. Part of the feature spec (`features.ts`), used alike by training and scoring; it runs on every
 * ticket of every upload, so nothing is allocated per word.
 *
 * Words are runs of letters, digits and apostrophes, lower-cased (ASCII and Latin-1). Each word is hashed
 * (FNV-1a, finished with MurmurHash3's mixer) and each pair of neighbouring words too; a hash picks one of
 * {@linkcode HASH_BUCKETS} buckets and, from a bit the bucket does not use, a sign (+1 or -1), so that colliding
 * words tend to cancel rather than add up (signed feature hashing). A bucket holds the signed count of its words
 * in the ticket (term frequency).
 *
 * @module
 */

/** Buckets of the hashed words: a power of two. */
export const HASH_BUCKETS = 512;

/** The seed a ticket's words are hashed with (subject and description alike: the model reads them as one text). */
export const TEXT_SEED = 0x27_d4_eb_2f;

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the output. */
export function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/** True for a character of a word: ASCII letters, digits and apostrophes, and letters beyond ASCII. */
function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 39;
  // Latin-1 punctuation and symbols, general punctuation (but the typographic apostrophe), CJK punctuation.
  if (c === 0x2019) return true;
  return !(c < 0xc0 || c === 0xd7 || c === 0xf7 || (c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f));
}

/** Lower case for ASCII and Latin-1 capitals, and one apostrophe for both kinds (the rest as written). */
function lower(c: number): number {
  if ((c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde && c !== 0xd7)) return c + 32;
  return c === 0x2019 ? 39 : c;
}

/** The hash of one word as {@linkcode readText} computes it (for word lists looked up by hash). */
export function wordHash(word: string, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < word.length; i++) h = Math.imul(h ^ lower(word.charCodeAt(i)), 0x01000193);
  return mix(h);
}

/** A term of a text: a word or a pair of neighbouring words as written, and its hash as {@linkcode readText} makes it. */
export interface Term {
  term: string;
  hash: number;
}

/**
 * The terms of `text` as written, in the order {@linkcode readText} hands their hashes to a sink (each word, then
 * the pair it ends), at most `limit` of them: what a term's hash stands for, to explain a prediction in the
 * ticket's own words. Slower than a reading (it makes strings); for one ticket at a time.
 */
export function termsOf(text: string, seed: number, limit: number): Term[] {
  const terms: Term[] = [];
  let start = -1, previous: Term | null = null;
  for (let i = 0; i <= text.length && terms.length < limit; i++) {
    const inWord = i < text.length && isWordChar(text.charCodeAt(i));
    if (inWord && start < 0) start = i;
    if (inWord || start < 0) continue;
    const word = { term: text.slice(start, i), hash: wordHash(text.slice(start, i), seed) };
    start = -1;
    terms.push(word);
    if (previous !== null && terms.length < limit) {
      terms.push({
        term: `${previous.term} ${word.term}`,
        hash: mix(Math.imul(previous.hash, 0x9e3779b1) ^ word.hash),
      });
    }
    previous = word;
  }
  return terms;
}

/** What a word list says of one word. */
export interface WordEntry {
  /** Sentiment valence (AFINN: -5 to 5); 0 when the word has none. */
  valence?: number;
  /** True for a word that turns the valence of the next word around ("not", "don't"). */
  negator?: boolean;
  /** Bit set of the languages (by index) the word is a common function word of. */
  languages?: number;
}

/**
 * Word lists a reading looks words up in, by {@linkcode wordHash} with the reading's seed. Packed into one
 * open-addressing table of typed arrays, so that a word costs one probe: as three `Map`s keyed by the hashes (most
 * of which are too large to be small integers in V8), the lookups took a quarter of the reading.
 */
export class WordLists {
  /** How many languages the bit sets speak of (at most 24). */
  readonly languageCount: number;
  readonly #hashes: Int32Array;
  /** Per slot: 0 empty; else bit 0 set, bits 1-4 valence + 8, bit 5 negator, bits 8 and up the languages. */
  readonly #entries: Int32Array;
  readonly #mask: number;

  constructor(words: ReadonlyMap<number, WordEntry>, languageCount: number) {
    if (languageCount > 24) throw new RangeError("at most 24 languages");
    this.languageCount = languageCount;
    let size = 64;
    while (size < words.size * 3) size *= 2; // at most a third full: probes stay short
    this.#hashes = new Int32Array(size);
    this.#entries = new Int32Array(size);
    this.#mask = size - 1;
    for (const [hash, entry] of words) {
      const valence = entry.valence ?? 0;
      if (!Number.isInteger(valence) || valence < -5 || valence > 5) throw new RangeError(`valence ${valence}`);
      let slot = hash & this.#mask;
      while (this.#entries[slot] !== 0 && this.#hashes[slot] !== hash) slot = (slot + 1) & this.#mask;
      this.#hashes[slot] = hash;
      this.#entries[slot] = 1 | ((valence + 8) << 1) | (entry.negator ? 32 : 0) | ((entry.languages ?? 0) << 8);
    }
  }

  /** The packed entry of a word hash, 0 when the lists do not know it. */
  lookup(hash: number): number {
    let slot = hash & this.#mask;
    for (let entry = this.#entries[slot]; entry !== 0; entry = this.#entries[slot]) {
      if (this.#hashes[slot] === hash) return entry;
      slot = (slot + 1) & this.#mask;
    }
    return 0;
  }
}

/**
 * Where a reading also leaves the hashes of its terms (each word, then each pair of neighbouring words), for the
 * text layer (`text_layer.ts`): `count` of them at the start of `hashes`; terms beyond its length are not kept.
 */
export interface TermSink {
  hashes: Int32Array;
  count: number;
}

/** What one reading found. Reused between readings: copy what you keep. */
export interface TextReading {
  words: number;
  exclamations: number;
  questions: number;
  letters: number;
  capitals: number;
  /** The summed valence of the words, negations applied (0 without word lists). */
  valence: number;
  /** Function words seen per language (by index), when word lists were given. */
  languageVotes: Int32Array;
}

const reading: TextReading = {
  words: 0,
  exclamations: 0,
  questions: 0,
  letters: 0,
  capitals: 0,
  valence: 0,
  languageVotes: new Int32Array(24),
};

/** Character classes below 256, by code: bit 0 part of a word, bit 1 a letter, bit 2 a capital. */
const CLASSES = Uint8Array.from({ length: 256 }, (_, c) => {
  if (!isWordChar(c)) return 0;
  return 1 | (c >= 65 ? 2 : 0) | (c >= 65 && lower(c) !== c ? 4 : 0);
});

/**
 * Reads `text`: adds its hashed words and word pairs into `out[offset .. offset + HASH_BUCKETS)` and counts its
 * statistics; with `lists`, also its valence and the languages its function words belong to; with `terms`, also
 * appends the hash of each word and word pair there.
 */
export function readText(
  text: string,
  seed: number,
  out: Float32Array,
  offset: number,
  lists: WordLists | null = null,
  terms: TermSink | null = null,
): TextReading {
  // Counters live in locals until the end: this loop runs for every character of every upload.
  let words = 0, exclamations = 0, questions = 0, letters = 0, capitals = 0, valence = 0;
  const votes = reading.languageVotes;
  if (lists) votes.fill(0, 0, lists.languageCount);
  let previous = 0;
  let negated = false;
  let h = 0;
  let inWord = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    const kind = c < 256 ? CLASSES[c] : isWordChar(c) ? (c === 0x2019 ? 1 : 3) : 0;
    if (kind !== 0) {
      if (!inWord) {
        inWord = true;
        h = 0x811c9dc5 ^ seed;
      }
      letters += (kind >> 1) & 1;
      capitals += kind >> 2;
      h = Math.imul(h ^ (kind & 4 ? c + 32 : c === 0x2019 ? 39 : c), 0x01000193);
      continue;
    }
    if (c === 33) exclamations++;
    else if (c === 63) questions++;
    if (!inWord) continue;
    inWord = false;
    const word = mix(h);
    out[offset + (word & (HASH_BUCKETS - 1))] += word < 0 ? -1 : 1;
    if (terms !== null && terms.count < terms.hashes.length) terms.hashes[terms.count++] = word;
    if (words > 0) {
      const pair = mix(Math.imul(previous, 0x9e3779b1) ^ word);
      out[offset + (pair & (HASH_BUCKETS - 1))] += pair < 0 ? -1 : 1;
      if (terms !== null && terms.count < terms.hashes.length) terms.hashes[terms.count++] = pair;
    }
    previous = word;
    words++;
    if (lists) {
      const entry = lists.lookup(word);
      const wordValence = ((entry >> 1) & 15) - 8;
      if (entry !== 0 && wordValence !== 0) valence += negated ? -wordValence : wordValence;
      negated = (entry & 32) !== 0;
      for (let languages = entry >>> 8, l = 0; languages !== 0; languages >>>= 1, l++) {
        if (languages & 1) votes[l]++;
      }
    }
  }
  const r = reading;
  r.words = words;
  r.exclamations = exclamations;
  r.questions = questions;
  r.letters = letters;
  r.capitals = capitals;
  r.valence = valence;
  return r;
}
