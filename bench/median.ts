/**
 * The median the benchmarks report: of a few timed runs, the middle one (the mean of the two middle ones for an
 * even count), so one run slowed by the machine does not move the figure.
 *
 * @module
 */

/** The median of `values` (not changed). NaN for none. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
