/**
 * The text layer: a linear model over a ticket's words, whose four class scores the trees then read as features.
 * Trees split on few features at a time and do poorly on thousands of sparse word counts; a linear model over
 * TF-IDF weighted terms is what reads text well (CatBoost's own text estimators do the same). Its weights are
 * learned by `models/train.py` (logistic regression) and shipped beside the model as `text_layer.bin`; scoring
 * them happens here, in the scorer, so the app needs no Python.
 *
 * A ticket's terms are its words and word pairs as `text.ts` hashes them, each put in one of
 * {@linkcode TERM_BUCKETS} buckets. A bucket's weight in a ticket is `(1 + ln count) × idf`, the ticket's weights
 * are scaled to unit length, and class `c` scores `bias[c] + Σ weight × W[bucket][c]`: what scikit-learn's
 * `TfidfTransformer(sublinear_tf=True)` and `LogisticRegression.decision_function` compute, which
 * `models/train.py` checks on held-out tickets and the parity test checks again here.
 *
 * @module
 */
import { HASH_BUCKETS, readText, type Term, type TermSink, TEXT_SEED } from "./text.ts";
import type { SimHasher } from "./simhash.ts";

/** Buckets of the text layer's terms: a power of two, far more than the trees' hashed text has. */
export const TERM_BUCKETS = 1 << 18;

/** Terms kept per ticket; a longer text's later terms are left out (a description of about 4,000 words). */
export const TERMS_PER_TICKET = 8192;

/** A sink sized for one ticket's terms. */
export function termSink(): TermSink {
  return { hashes: new Int32Array(TERMS_PER_TICKET), count: 0 };
}

/** Where {@linkcode collectTerms} lets the trees' hashed words go (it wants the terms only). */
const unused = new Float32Array(HASH_BUCKETS);

/** Appends the terms of `text` to `sink`, as the scorer reads them (for writing a training matrix). */
export function collectTerms(text: string, sink: TermSink): void {
  readText(text, TEXT_SEED, unused, 0, null, sink);
  unused.fill(0);
}

/**
 * A ticket's terms as bucket counts, in bucket order: `buckets[0..n)` and `counts[0..n)`; answers `n`. Sorts
 * `sink.hashes` in place.
 */
export function bucketCounts(sink: TermSink, buckets: Int32Array, counts: Int32Array): number {
  const hashes = sink.hashes.subarray(0, sink.count);
  for (let i = 0; i < hashes.length; i++) hashes[i] &= TERM_BUCKETS - 1;
  hashes.sort();
  let n = 0;
  for (let i = 0; i < hashes.length; i++) {
    if (n > 0 && buckets[n - 1] === hashes[i]) {
      counts[n - 1]++;
    } else {
      buckets[n] = hashes[i];
      counts[n++] = 1;
    }
  }
  return n;
}

/** The layer's description in `priority.json`. */
export interface TextLayerMetadata {
  file: string;
  buckets: number;
  classes: number;
}

/** Raised for a `text_layer.bin` that cannot be read. */
export class TextLayerError extends Error {
  override name = "TextLayerError";
}

/**
 * A loaded text layer. `text_layer.bin`, little-endian: `u32 n` (buckets seen in training), `u32 classes`,
 * `f32 idfUnseen`, `f32 bias[classes]`, `i32 bucket[n]` (ascending), `f32 idf[n]`, `f32 weights[n × classes]`.
 */
export class TextLayer {
  readonly classes: number;
  readonly #idfUnseen: number;
  readonly #bias: Float32Array;
  /** Per trained bucket, its idf then its class weights: one read brings a term's numbers together. */
  readonly #table: Float32Array;
  /**
   * Per bucket, four slots: its row in `#table` (-1 for a bucket training never saw), the ticket it last counted
   * for, and where in that ticket's list it is. Side by side, so that a term costs one cache line, and a ticket's
   * terms are counted without sorting them.
   */
  readonly #slots: Int32Array;
  #ticket = 0;
  readonly #buckets = new Int32Array(TERMS_PER_TICKET);
  readonly #counts = new Int32Array(TERMS_PER_TICKET);
  /** The class sums, in double precision as scikit-learn adds them. */
  readonly #sums: Float64Array;

  constructor(bytes: Uint8Array) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (bytes.byteLength < 12) throw new TextLayerError("text_layer.bin is too short");
    const n = view.getUint32(0, true), classes = view.getUint32(4, true);
    const expected = 12 + 4 * classes + n * (8 + 4 * classes);
    if (bytes.byteLength !== expected || classes < 1 || n > TERM_BUCKETS) {
      throw new TextLayerError(`text_layer.bin has ${bytes.byteLength} bytes; its header says ${expected}`);
    }
    this.classes = classes;
    this.#sums = new Float64Array(classes);
    this.#idfUnseen = view.getFloat32(8, true);
    let at = 12;
    this.#bias = new Float32Array(classes);
    for (let c = 0; c < classes; c++) this.#bias[c] = view.getFloat32(at + 4 * c, true);
    at += 4 * classes;
    this.#slots = new Int32Array(4 * TERM_BUCKETS);
    for (let b = 0; b < TERM_BUCKETS; b++) this.#slots[4 * b] = -1;
    const idfAt = at + 4 * n, weightsAt = idfAt + 4 * n, stride = 1 + classes;
    this.#table = new Float32Array(n * stride);
    for (let i = 0; i < n; i++) {
      const bucket = view.getInt32(at + 4 * i, true);
      if (bucket < 0 || bucket >= TERM_BUCKETS) throw new TextLayerError(`text_layer.bin: bucket ${bucket}`);
      this.#slots[4 * bucket] = i * stride;
      this.#table[i * stride] = view.getFloat32(idfAt + 4 * i, true);
      for (let c = 0; c < classes; c++) {
        this.#table[i * stride + 1 + c] = view.getFloat32(weightsAt + 4 * (i * classes + c), true);
      }
    }
  }

  /** Reads the layer `metadata` names, in `dir`. */
  static async load(dir: string, metadata: TextLayerMetadata): Promise<TextLayer> {
    const layer = new TextLayer(await Deno.readFile(`${dir}/${metadata.file}`));
    if (layer.classes !== metadata.classes) {
      throw new TextLayerError(`text_layer.bin has ${layer.classes} classes, priority.json ${metadata.classes}`);
    }
    return layer;
  }

  /**
   * Writes the class scores of the terms in `sink` into `out[offset .. offset + classes)`; empties the sink. With
   * `hasher`, each term is also added to it with its weight (to sign the text for similar tickets, `simhash.ts`).
   */
  score(sink: TermSink, out: Float32Array, offset: number, hasher?: SimHasher): void {
    // Each bucket counted once per ticket: the slot remembers which ticket last counted it, and where.
    const slots = this.#slots, buckets = this.#buckets, counts = this.#counts, hashes = sink.hashes;
    let ticket = this.#ticket = (this.#ticket + 1) | 0;
    if (ticket === 0) { // wrapped round: no slot may claim the new ticket
      for (let slot = 1; slot < slots.length; slot += 4) slots[slot] = 0;
      ticket = this.#ticket = 1;
    }
    let n = 0;
    for (let i = 0; i < sink.count; i++) {
      const bucket = hashes[i] & (TERM_BUCKETS - 1), slot = 4 * bucket;
      if (slots[slot + 1] === ticket) {
        counts[slots[slot + 2]]++;
      } else {
        slots[slot + 1] = ticket;
        slots[slot + 2] = n;
        buckets[n] = bucket;
        counts[n++] = 1;
      }
    }
    sink.count = 0;
    this.scoreCounts(buckets, counts, n, out, offset, hasher);
  }

  /**
   * What each of a ticket's terms (`termsOf` its text) adds to class `target`'s score against the classes' average:
   * the term's TF-IDF weight times its class weight less its mean class weight. One entry per distinct term, in the
   * order of first appearance; a term's repeats and the terms sharing its bucket count with it. The contributions
   * of all the ticket's terms sum to the layer's score of `target` less its mean score, bias apart.
   */
  contributions(terms: readonly Term[], target: number): { term: string; weight: number }[] {
    const classes = this.classes, slots = this.#slots, table = this.#table;
    const byBucket = new Map<number, { term: string; count: number }>();
    for (const { term, hash } of terms) {
      const bucket = hash & (TERM_BUCKETS - 1), seen = byBucket.get(bucket);
      if (seen) seen.count++;
      else byBucket.set(bucket, { term, count: 1 });
    }
    let norm = 0;
    const weighted: { term: string; w: number; row: number }[] = [];
    for (const [bucket, { term, count }] of byBucket) {
      const row = slots[4 * bucket], w = this.#weight(bucket, count);
      norm += w * w;
      weighted.push({ term, w, row });
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    return weighted.map(({ term, w, row }) => {
      if (row < 0) return { term, weight: 0 };
      let mean = 0;
      for (let c = 0; c < classes; c++) mean += table[row + 1 + c] / classes;
      return { term, weight: w * scale * (table[row + 1 + target] - mean) };
    });
  }

  /**
   * A ticket's terms (`termsOf` its text) as the layer weighs them: each distinct bucket's TF-IDF weight, scaled so
   * that the weights' squares sum to 1. The cosine similarity of two texts is the sum, over their common buckets, of
   * the products of their weights.
   */
  vector(terms: readonly Term[]): Map<number, number> {
    const counts = new Map<number, number>();
    for (const { hash } of terms) {
      const bucket = hash & (TERM_BUCKETS - 1);
      counts.set(bucket, (counts.get(bucket) ?? 0) + 1);
    }
    const vector = new Map<number, number>();
    let norm = 0;
    for (const [bucket, count] of counts) {
      const w = this.#weight(bucket, count);
      norm += w * w;
      vector.set(bucket, w);
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (const [bucket, w] of vector) vector.set(bucket, w * scale);
    return vector;
  }

  /** A bucket's weight in a ticket that has `count` of its terms: `(1 + ln count) × idf`. */
  #weight(bucket: number, count: number): number {
    const row = this.#slots[4 * bucket], tf = count === 1 ? 1 : 1 + Math.log(count);
    return tf * (row < 0 ? this.#idfUnseen : this.#table[row]);
  }

  /** {@linkcode TextLayer.score} of terms already counted: `n` distinct buckets and their counts. */
  scoreCounts(
    buckets: Int32Array,
    counts: Int32Array,
    n: number,
    out: Float32Array,
    offset: number,
    hasher?: SimHasher,
  ): void {
    const classes = this.classes, slots = this.#slots, table = this.#table, sums = this.#sums;
    sums.fill(0);
    let norm = 0;
    for (let i = 0; i < n; i++) {
      const row = slots[4 * buckets[i]], count = counts[i];
      const tf = count === 1 ? 1 : 1 + Math.log(count);
      const w = tf * (row < 0 ? this.#idfUnseen : table[row]);
      norm += w * w;
      hasher?.add(buckets[i], w);
      if (row < 0) continue;
      for (let c = 0; c < classes; c++) sums[c] += w * table[row + 1 + c];
    }
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let c = 0; c < classes; c++) out[offset + c] = this.#bias[c] + sums[c] * scale;
  }
}
