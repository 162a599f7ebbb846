/**
 * Which ticket ids an upload has already seen, so that a repeated id is noticed however far apart its rows are.
 * Each id is kept as a 64-bit fingerprint (two different 32-bit hashes) in an open-addressing table: 8 bytes per
 * slot, at most 16 bytes per distinct id, a fraction of what a `Set` of the strings takes. Two
 * different ids share a fingerprint with probability about n² / 2⁶⁵ (one in 37 million for a million-ticket
 * upload); the cost of that is one ticket reported as a repeat that was not.
 *
 * @module
 */

/**
 * The id's fingerprint, two 32-bit hashes of different families computed in one pass (FNV-1a, and a
 * multiply-rotate one, each through murmur3's finaliser so that close ids land far apart), in `out[0]` and `out[1]`.
 */
function fingerprint(text: string, out: Uint32Array): void {
  let fnv = 0x811c9dc5, rotated = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    fnv = Math.imul(fnv ^ c, 0x01000193);
    rotated = Math.imul(rotated ^ c, 0x5bd1e995);
    rotated = (rotated << 13) | (rotated >>> 19);
  }
  out[0] = finalise(fnv);
  out[1] = finalise(rotated);
}

function finalise(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A set of ids, seen by fingerprint. */
export class SeenIds {
  /** Slot `i`'s fingerprint is at `2i` and `2i + 1`: side by side, so that a probe touches one cache line. */
  #slots = new Uint32Array(2 * 1024);
  #size = 0;
  readonly #print = new Uint32Array(2);

  /** How many distinct ids were added. */
  get size(): number {
    return this.#size;
  }

  /** Adds `id`; answers false when it was seen before. */
  add(id: string): boolean {
    fingerprint(id, this.#print);
    // (0, 0) marks an empty slot, so no fingerprint may be that.
    const high = this.#print[0], low = this.#print[1] || 1;
    if (!this.#insert(this.#slots, high, low)) return false;
    this.#size++;
    if (this.#size * 8 > this.#slots.length * 3) this.#grow();
    return true;
  }

  /** Puts a fingerprint in its slot (linear probing); false when it is there already. */
  #insert(slots: Uint32Array, high: number, low: number): boolean {
    const mask = (slots.length >>> 1) - 1;
    for (let slot = (high ^ low) & mask;; slot = (slot + 1) & mask) {
      const at = slot << 1;
      if (slots[at + 1] === 0) {
        slots[at] = high;
        slots[at + 1] = low;
        return true;
      }
      if (slots[at] === high && slots[at + 1] === low) return false;
    }
  }

  #grow(): void {
    const old = this.#slots;
    this.#slots = new Uint32Array(old.length * 2);
    for (let at = 0; at < old.length; at += 2) if (old[at + 1] !== 0) this.#insert(this.#slots, old[at], old[at + 1]);
  }
}
