// The one priority colour scale of the site, ordered Low → Critical, light to dark. Every chart that colours by
// priority uses `priorityColor` (or the domain and range below) so a class has the same colour on every page.

/** The four priorities, in order. */
export const PRIORITY_DOMAIN = ["Low", "Medium", "High", "Critical"];

/** Their colours (ColorBrewer OrRd, a single ordered hue that stays readable for colour-blind readers). */
export const PRIORITY_RANGE = ["#fdcc8a", "#fc8d59", "#e34a33", "#b30000"];

/** A Plot `color` scale for predicted priority, with its legend. */
export function priorityColor(options = {}) {
  return { type: "ordinal", domain: PRIORITY_DOMAIN, range: PRIORITY_RANGE, legend: true, ...options };
}

/** Sorts rows with a `priority_rank` (1 = Low ... 4 = Critical) into priority order. */
export function byPriority(a, b) {
  return a.priority_rank - b.priority_rank;
}
