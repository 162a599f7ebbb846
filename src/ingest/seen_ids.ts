/**
 * Which ticket ids an upload has already seen, so that a repeated id is noticed however far apart its rows are.
 * Each id is kept as a 64-bit fingerprint (two different 32-bit hashes) in an open-addressing table: 8 bytes per
 * slot, at most 16 bytes per distinct id, where a `Set` of the strings measured about 60 bytes per id. Two
 * different ids share a fingerprint with probability about n² / 2⁶⁵ (one in 37 million for a million-ticket
 * upload); the cost of that is one ticket reported as a repeat that was not.
 *
 * @module
 */

/** FNV-1a, then murmur3's finaliser so that close ids land far apart. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return finalise(h);
}

/** A multiply-rotate hash of a different family, so its collisions are not FNV's. */
function mulRotate(text: string): number {
  let h = 0x9747b28c ^ text.length;
  for (let i = 0; i < text.length; i++) {
    h = Math.imul(h ^ text.charCodeAt(i), 0x5bd1e995);
    h = (h << 13) | (h >>> 19);
  }
  return finalise(h);
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
  #high = new Uint32Array(1024);
  #low = new Uint32Array(1024);
  #size = 0;

  /** How many distinct ids were added. */
  get size(): number {
    return this.#size;
  }

  /** Adds `id`; answers false when it was seen before. */
  add(id: string): boolean {
    // (0, 0) marks an empty slot, so no fingerprint may be that.
    const high = fnv1a(id), low = mulRotate(id) || 1;
    if (!this.#insert(high, low)) return false;
    this.#size++;
    if (this.#size * 4 > this.#high.length * 3) this.#grow();
    return true;
  }

  /** Puts a fingerprint in its slot (linear probing); false when it is there already. */
  #insert(high: number, low: number): boolean {
    const mask = this.#high.length - 1;
    for (let slot = (high ^ low) & mask;; slot = (slot + 1) & mask) {
      if (this.#low[slot] === 0) {
        this.#high[slot] = high;
        this.#low[slot] = low;
        return true;
      }
      if (this.#high[slot] === high && this.#low[slot] === low) return false;
    }
  }

  #grow(): void {
    const [high, low] = [this.#high, this.#low];
    this.#high = new Uint32Array(high.length * 2);
    this.#low = new Uint32Array(low.length * 2);
    for (let slot = 0; slot < high.length; slot++) if (low[slot] !== 0) this.#insert(high[slot], low[slot]);
  }
}
