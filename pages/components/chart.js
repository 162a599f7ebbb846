// Charts a screen reader can use. A Plot chart becomes one image with a name that says what it shows (its title,
// or a label given), Plot's own labels on its internal groups removed (ARIA does not allow them on an SVG <g>
// without a role, and they would only read "bar", "rule"); and the numbers behind it follow in a table that can be
// expanded, so nothing a chart shows lives in its colours or shapes alone. Pages draw with `plot` instead of
// `Plot.plot`.

import * as Plot from "@observablehq/plot";

/**
 * `Plot.plot(options)`, described for assistive technology (see {@link described}).
 * @param {object} options Plot's options
 * @param {string} [label] what the chart shows; defaults to its title
 */
export function plot(options, label) {
  // While a card is still being laid out, `resize` can hand a chart a width below its margins: the scale's range
  // turns negative and Plot writes negative bar widths (a console error). It is drawn no narrower than its margins
  // plus a readable plot area, and drawn again when the card has its width.
  const least = (options.marginLeft ?? 40) + (options.marginRight ?? 20) + 120;
  const width = options.width == null ? undefined : Math.max(options.width, least);
  return described(Plot.plot({ ...options, width }), label);
}

/**
 * Marks up a figure made by `Plot.plot` (call it inside `resize`, so every re-render is marked up too).
 * @param {Element} plot what `Plot.plot` answered (an <svg>, or a <figure> when it has a title or legend)
 * @param {string} [label] what the chart shows; defaults to its title
 */
export function described(plot, label) {
  const title = plot.querySelector?.("h2")?.textContent;
  const name = label ?? title ?? "Chart";
  const charts = plot.tagName.toLowerCase() === "svg" ? [plot] : [...plot.querySelectorAll("svg")];
  for (const svg of charts) {
    for (const element of svg.querySelectorAll("[aria-label], [aria-description]")) {
      element.removeAttribute("aria-label");
      element.removeAttribute("aria-description");
    }
    svg.removeAttribute("aria-description");
    svg.setAttribute("role", "img");
    // A colour legend drawn as an SVG ramp is named as the legend; the chart itself carries the name.
    const legend = [...svg.classList].some((c) => c.endsWith("-ramp"));
    svg.setAttribute("aria-label", legend ? `Legend of ${name}` : name);
  }
  return plot;
}

/**
 * A table of `rows`, one column per entry of `columns`, built with the DOM API: every value is set as text (category
 * names come from uploads, and are shown as text only).
 * @param {object[]} rows
 * @param {{caption: string, columns: {key: string, label: string, format?: (value: unknown) => string}[]}} options
 */
export function dataTable(rows, { caption, columns }) {
  const table = document.createElement("table");
  table.appendChild(document.createElement("caption")).textContent = caption;
  const head = table.appendChild(document.createElement("thead")).appendChild(document.createElement("tr"));
  for (const column of columns) {
    const th = head.appendChild(document.createElement("th"));
    th.scope = "col";
    th.textContent = column.label;
  }
  const body = table.appendChild(document.createElement("tbody"));
  for (const row of rows) {
    const tr = body.appendChild(document.createElement("tr"));
    for (const column of columns) {
      const value = row[column.key];
      tr.appendChild(document.createElement("td")).textContent = value == null
        ? "–"
        : column.format
        ? column.format(value)
        : String(value);
    }
  }
  return table;
}

/**
 * The numbers behind a chart, in a table inside a <details> that can be expanded.
 * @param {object[]} rows the rows the chart draws
 * @param {{caption: string, columns: {key: string, label: string, format?: (value: unknown) => string}[]}} options
 */
export function numbersTable(rows, options) {
  const details = document.createElement("details");
  details.className = "chart-numbers";
  details.appendChild(document.createElement("summary")).textContent = `The numbers: ${options.caption}`;
  details.appendChild(dataTable(rows, options));
  return details;
}

/**
 * A table that scrolls (as `Inputs.table` does) made reachable from the keyboard: a named region in the tab order,
 * so its rows can be scrolled with the arrow keys.
 * @param {HTMLElement} table
 * @param {string} label what the table lists
 */
export function scrollableTable(table, label) {
  table.tabIndex = 0;
  table.setAttribute("role", "region");
  table.setAttribute("aria-label", label);
  return table;
}
