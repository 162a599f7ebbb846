/**
 * A ticket's text as a 64-bit SimHash, to find similar tickets among many without reading their text: each weighted
 * term (the text layer's TF-IDF weights, `text_layer.ts`) votes with its weight on every bit of a 64-bit hash of its
 * bucket, and the signature keeps the sign of each bit's vote. Two texts' signatures differ in few bits when their
 * weighted terms mostly agree (the share of differing bits estimates the angle between the two term vectors), so a
 * store finds near texts by counting differing bits, one integer operation per stored ticket, and the exact
 * similarity is then computed for those candidates only (`web/similar.ts`).
 *
 * The signature is stored as two unsigned 32-bit halves (`simhash_high`, `simhash_low` in `ticket/schema.ts`):
 * JSON and JavaScript numbers carry them exactly, and both engines count the bits of an integer.
 *
 * @module
 */
import { mix } from "./text.ts";

/** A signature: the high and low 32 bits, each an unsigned whole number. */
export interface Signature {
  high: number;
  low: number;
}

/** Nibbles of the 64-bit hash; each has 16 values. */
const NIBBLES = 16;

/**
 * Sums one text's weighted terms into a signature. The votes are kept per nibble value rather than per bit (16
 * additions per term instead of 64), and turned into per-bit votes once, in {@linkcode SimHasher.finish}.
 */
export class SimHasher {
  /** For each nibble of the hash and each of its 16 values, the weight of the terms whose hash has it there. */
  readonly #votes = new Float64Array(NIBBLES * 16);

  /** Adds a term (a text-layer bucket) with its weight in this text. */
  add(bucket: number, weight: number): void {
    const votes = this.#votes;
    const high = mix(bucket ^ 0x5bd1e995), low = mix((bucket + 0x27d4eb2f) | 0);
    for (let n = 0; n < 8; n++) {
      votes[n * 16 + ((high >>> (4 * n)) & 15)] += weight;
      votes[(8 + n) * 16 + ((low >>> (4 * n)) & 15)] += weight;
    }
  }

  /**
   * Writes the signature of the terms added since the last call into `out[at]` (high half) and `out[at + 1]` (low
   * half); starts the next text.
   */
  finish(out: Uint32Array, at: number): void {
    const votes = this.#votes;
    let high = 0, low = 0;
    for (let n = 0; n < NIBBLES; n++) {
      // A bit's vote is the weight of the values with the bit set less that of the others: 2 × set − all.
      let all = 0, bit0 = 0, bit1 = 0, bit2 = 0, bit3 = 0;
      for (let value = 0, cell = n * 16; value < 16; value++, cell++) {
        const weight = votes[cell];
        all += weight;
        if (value & 1) bit0 += weight;
        if (value & 2) bit1 += weight;
        if (value & 4) bit2 += weight;
        if (value & 8) bit3 += weight;
        votes[cell] = 0;
      }
      const bits = (2 * bit0 > all ? 1 : 0) | (2 * bit1 > all ? 2 : 0) | (2 * bit2 > all ? 4 : 0) |
        (2 * bit3 > all ? 8 : 0);
      if (n < 8) high |= bits << (4 * n);
      else low |= bits << (4 * (n - 8));
    }
    out[at] = high >>> 0;
    out[at + 1] = low >>> 0;
  }
}
