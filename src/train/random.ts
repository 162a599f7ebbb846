/**
 * The one random number generator of the project (bootstrap intervals, generated tickets in tests and benchmarks):
 * seeded, so the same seed always gives the same numbers.
 *
 * @module
 */

/**
 * A seeded generator of numbers in [0, 1) (mulberry32).
 *
 * @example
 * ```ts
 * const random = seededRandom(1);
 * random(); // the same first number for seed 1, every time
 * ```
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
