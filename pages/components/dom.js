// Building DOM from templates with htl.

import { html } from "htl";

/**
 * htl's `html` for one element, with the whitespace around it trimmed: `html` wraps a template of several nodes
 * (whitespace included, as a formatter lays out a long one) in a <span>, which is no place for a row or a list item.
 * (Tagged `el`, not `html`, so that `deno fmt` leaves these templates as written.)
 */
export function el(strings, ...values) {
  const trimmed = [...strings];
  trimmed[0] = trimmed[0].trimStart();
  trimmed[trimmed.length - 1] = trimmed[trimmed.length - 1].trimEnd();
  return html(Object.assign(trimmed, { raw: trimmed }), ...values);
}
