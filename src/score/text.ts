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

/** Where the subject's and the description's words are told apart: each is hashed with its own seed. */
export const SUBJECT_SEED = 0x5b_d1_e9_95;
export const DESCRIPTION_SEED = 0x27_d4_eb_2f;

/** MurmurHash3's 32-bit finaliser: spreads every input bit over the output. */
function mix(h: number): number {
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

/** Word lists a reading looks words up in, by {@linkcode wordHash} with the reading's seed. */
export interface WordLists {
  /** Sentiment valence of a word (AFINN: -5 to 5). */
  valence: ReadonlyMap<number, number>;
  /** Words that turn the valence of the next word around ("not", "don't"). */
  negators: ReadonlySet<number>;
  /** Bit set of the languages (by index) a word is a common function word of. */
  languages: ReadonlyMap<number, number>;
  /** How many languages the bit sets speak of. */
  languageCount: number;
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
  languageVotes: new Int32Array(32),
};

/**
 * Reads `text`: adds its hashed words and word pairs into `out[offset .. offset + HASH_BUCKETS)` and counts its
 * statistics; with `lists`, also its valence and the languages its function words belong to.
 */
export function readText(
  text: string,
  seed: number,
  out: Float32Array,
  offset: number,
  lists: WordLists | null = null,
): TextReading {
  const r = reading;
  r.words =
    r.exclamations =
    r.questions =
    r.letters =
    r.capitals =
    r.valence =
      0;
  if (lists) r.languageVotes.fill(0, 0, lists.languageCount);
  let previous = 0;
  let negated = false;
  let h = 0;
  let inWord = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isWordChar(c)) {
      if (!inWord) {
        inWord = true;
        h = 0x811c9dc5 ^ seed;
      }
      const l = lower(c);
      if (c >= 65 && c !== 0x2019) {
        r.letters++;
        if (l !== c) r.capitals++;
      }
      h = Math.imul(h ^ l, 0x01000193);
      continue;
    }
    if (c === 33) r.exclamations++;
    else if (c === 63) r.questions++;
    if (!inWord) continue;
    inWord = false;
    const word = mix(h);
    out[offset + (word & (HASH_BUCKETS - 1))] += word < 0 ? -1 : 1;
    if (r.words > 0) {
      const pair = mix(Math.imul(previous, 0x9e3779b1) ^ word);
      out[offset + (pair & (HASH_BUCKETS - 1))] += pair < 0 ? -1 : 1;
    }
    previous = word;
    r.words++;
    if (lists) {
      const valence = lists.valence.get(word);
      if (valence !== undefined) r.valence += negated ? -valence : valence;
      negated = lists.negators.has(word);
      const languages = lists.languages.get(word);
      if (languages !== undefined) {
        for (let l = 0; l < lists.languageCount; l++) if (languages & (1 << l)) r.languageVotes[l]++;
      }
    }
  }
  return r;
}
