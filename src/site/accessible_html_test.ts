import { equal, throws } from "node:assert/strict";
import { accessibleHtml } from "./accessible_html.ts";

/** The head and sidebar of a page as Framework 1.13.4 writes them. */
const BUILT = `<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">
</head>
<body>
<nav id="observablehq-sidebar">
  <ol>
    <label id="observablehq-sidebar-close" for="observablehq-sidebar-toggle"></label>
    <li class="observablehq-link"><a href="./">Ticket Triage</a></li>
  </ol>
</nav>`;

Deno.test("a built page names its language, lets people zoom, and its sidebar list holds list items only", () => {
  equal(
    accessibleHtml(BUILT, "index.html"),
    `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
</head>
<body>
<nav id="observablehq-sidebar">
  <label id="observablehq-sidebar-close" for="observablehq-sidebar-toggle"></label>
  <ol>
    <li class="observablehq-link"><a href="./">Ticket Triage</a></li>
  </ol>
</nav>`,
  );
});

Deno.test("markup that changed under a Framework upgrade fails loudly, naming the page and the fix", () => {
  throws(
    () => accessibleHtml(BUILT.replace("maximum-scale=1", "maximum-scale=5"), "model.html"),
    /model\.html: Framework's markup changed, cannot apply "zoomable viewport"/,
  );
});
