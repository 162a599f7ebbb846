/**
 * The step after the site build that makes Framework's own markup accessible, where Framework 1.13.4 has no setting
 * for it (each one a WCAG 2 rule that axe-core checks, `tests/support/accessibility.ts`, run by `tests/browser_test.ts`):
 *
 * - `<html>` names the page's language (`html-has-lang`, WCAG 3.1.1);
 * - the viewport lets people zoom: Framework writes `maximum-scale=1` (`meta-viewport`, WCAG 1.4.4);
 * - the sidebar's list holds list items only: Framework puts the sidebar's close toggle, a `<label>`, inside the
 *   `<ol>` (`list`, WCAG 1.3.1); it moves just before the list, where the theme's styles (by id) still place it.
 *
 * Every rewrite must find exactly what it expects: a Framework upgrade that changes this markup fails the build
 * loudly rather than shipping pages that quietly lost a fix.
 *
 * @module
 */
import { join } from "node:path";

/** The language of every page. */
export const SITE_LANGUAGE = "en";

const REWRITES: { name: string; from: string; to: string }[] = [
  { name: "page language", from: "<!DOCTYPE html>\n<html>\n", to: `<!DOCTYPE html>\n<html lang="${SITE_LANGUAGE}">\n` },
  {
    name: "zoomable viewport",
    from: '<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">',
    to: '<meta name="viewport" content="width=device-width, initial-scale=1">',
  },
  {
    name: "sidebar list of list items only",
    from: '<ol>\n    <label id="observablehq-sidebar-close" for="observablehq-sidebar-toggle"></label>\n',
    to: '<label id="observablehq-sidebar-close" for="observablehq-sidebar-toggle"></label>\n  <ol>\n',
  },
];

/**
 * Rewrites one built page's markup.
 *
 * @example
 * ```ts
 * import { accessibleHtml } from "./accessible_html.ts";
 * const page = '<!DOCTYPE html>\n<html>\n<head>\n' +
 *   '<meta name="viewport" content="width=device-width, initial-scale=1, maximum-scale=1">\n</head>\n' +
 *   '<nav id="observablehq-sidebar">\n  <ol>\n' +
 *   '    <label id="observablehq-sidebar-close" for="observablehq-sidebar-toggle"></label>\n' +
 *   "    <li>Home</li>\n  </ol>\n</nav>";
 * const fixed = accessibleHtml(page, "index.html");
 * if (!fixed.includes('<html lang="en">') || fixed.includes("maximum-scale")) throw new Error("not rewritten");
 * ```
 *
 * @throws {Error} when the page lacks markup a rewrite expects (naming the page and the rewrite).
 */
export function accessibleHtml(html: string, page: string): string {
  let out = html;
  for (const { name, from, to } of REWRITES) {
    if (!out.includes(from)) throw new Error(`${page}: Framework's markup changed, cannot apply "${name}"`);
    out = out.replace(from, to);
  }
  return out;
}

/** Rewrites every built page (`*.html` at the top of `dir`, as Framework writes them); answers how many. */
export async function makePagesAccessible(dir: string): Promise<number> {
  let pages = 0;
  for await (const entry of Deno.readDir(dir)) {
    if (!entry.isFile || !entry.name.endsWith(".html")) continue;
    const path = join(dir, entry.name);
    await Deno.writeTextFile(path, accessibleHtml(await Deno.readTextFile(path), entry.name));
    pages++;
  }
  return pages;
}
