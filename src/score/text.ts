/**
 * Reading a ticket's text as numbers: its words as hashed unigrams and bigrams, and simple statistics. Part of the
 * feature spec (`features.ts`), used alike by training and scoring.
 *
 * Words are runs of letters and digits, lower-cased (ASCII and Latin-1). Each word is hashed (FNV-1a, finished
 * with MurmurHash3's mixer) and each pair of neighbouring words too; a hash picks one of {@linkcode HASH_BUCKETS}
 * buckets and, from a bit the bucket does not use, a sign (+1 or -1), so that colliding words tend to cancel
 * rather than add up (signed feature hashing). A bucket holds the signed count of its words in the ticket (term
 * frequency). Nothing is allocated per word: this runs on every ticket of every upload.
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

/** Adds one hashed term: its bucket gets +1 or -1. */
function add(out: Float32Array, offset: number, hash: number): void {
  out[offset + (hash & (HASH_BUCKETS - 1))] += hash < 0 ? -1 : 1;
}

/** True for a character of a word: ASCII letters and digits, and letters beyond ASCII (not punctuation). */
function isWordChar(c: number): boolean {
  if (c < 0x80) return (c >= 48 && c <= 57) || (c >= 97 && c <= 122) || (c >= 65 && c <= 90);
  // Latin-1 punctuation and symbols, general punctuation, CJK punctuation: not words.
  return !(c < 0xc0 || c === 0xd7 || c === 0xf7 || (c >= 0x2000 && c <= 0x2bff) || (c >= 0x3000 && c <= 0x303f));
}

/** Lower case for ASCII and Latin-1 capitals (the rest is hashed as written). */
function lower(c: number): number {
  return (c >= 65 && c <= 90) || (c >= 0xc0 && c <= 0xde && c !== 0xd7) ? c + 32 : c;
}

/**
 * Adds the hashed words and word pairs of `text` into `out[offset .. offset + HASH_BUCKETS)`.
 *
 * @returns how many words the text has.
 */
export function hashWords(text: string, seed: number, out: Float32Array, offset: number): number {
  let words = 0;
  let previous = 0;
  let h = 0;
  let inWord = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (isWordChar(c)) {
      if (!inWord) {
        inWord = true;
        h = 0x811c9dc5 ^ seed;
      }
      h = Math.imul(h ^ lower(c), 0x01000193);
    } else if (inWord) {
      inWord = false;
      const word = mix(h);
      add(out, offset, word);
      if (words > 0) add(out, offset, mix(Math.imul(previous, 0x9e3779b1) ^ word));
      previous = word;
      words++;
    }
  }
  return words;
}

/** Statistics of a text: what an agent sees at a glance (how long, how loud). */
export interface TextStats {
  words: number;
  /** `!` marks. */
  exclamations: number;
  /** `?` marks. */
  questions: number;
  /** Share of letters written in capitals (0 when there are no letters). */
  capitals: number;
}

/** Counts the statistics of `text` in one pass. */
export function textStats(text: string): TextStats {
  let words = 0, exclamations = 0, questions = 0, letters = 0, capitals = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 33) exclamations++;
    else if (c === 63) questions++;
    if (isWordChar(c)) {
      if (!inWord) words++;
      inWord = true;
      if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c >= 0xc0) {
        letters++;
        if (lower(c) !== c) capitals++;
      }
    } else {
      inWord = false;
    }
  }
  return { words, exclamations, questions, capitals: letters === 0 ? 0 : capitals / letters };
}
