/**
 * The site builds offline from fixture marts: every page is there, the data files carry the marts' numbers, and
 * nothing in the output points at another host. A broken marts file fails the build without throwing and keeps
 * the previous site.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join, relative } from "node:path";
import { loadConfig } from "../src/config.ts";
import { buildMarts } from "../src/marts/build.ts";
import { load as loadModelCard } from "../loaders/model_card.ts";
import { martsArchive } from "../loaders/marts.ts";
import { extract } from "tar-stream";
import { buildSite } from "../src/site/build.ts";
import { MARTS_SNAPSHOT_FILE, openDuckDbStore } from "../src/store/duckdb_store.ts";
import { scoredTickets } from "./support/tickets.ts";

const TICKETS = 1234;
const PAGES = ["index", "distributions", "products", "customers", "open-tickets", "model", "upload"];
/** XML namespace names: identifiers in SVG/DOM code, never fetched. The only absolute URLs allowed. */
const NAMESPACES = /^http:\/\/www\.w3\.org\/(2000\/svg|1999\/xhtml|1999\/xlink|XML\/1998\/namespace|2000\/xmlns\/)$/;

async function* walk(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* walk(path);
    else if (entry.isFile) yield path;
  }
}

async function fixtureDataDir(): Promise<string> {
  const dataDir = await Deno.makeTempDir({ prefix: "site_build_test_" });
  const store = await openDuckDbStore(dataDir);
  try {
    await store.writeScored(scoredTickets(TICKETS));
    const report = await buildMarts(store);
    assert.ok(report.ok, report.error ?? "marts build failed");
  } finally {
    await store.close();
  }
  return dataDir;
}

Deno.test("the site builds offline from the marts, with every page, the marts' numbers and no external host", async () => {
  const dataDir = await fixtureDataDir();
  try {
    const config = loadConfig({ DATA_DIR: dataDir });
    const result = await buildSite(config, { denyNet: true });
    assert.ok(result.ok, `site build failed:\n${result.log}`);
    assert.equal(result.outputDir, join(dataDir, "site"));

    for (const page of PAGES) {
      const html = await Deno.readTextFile(join(result.outputDir, `${page}.html`));
      assert.match(html, /<title>[^<]*Ticket Triage<\/title>/, `${page}.html has the site title`);
      // The step after the build (src/site/accessible_html.ts) ran on every page.
      assert.match(html, /<html lang="en">/, `${page}.html names its language`);
      assert.ok(!html.includes("maximum-scale"), `${page}.html lets people zoom`);
    }

    const dataFiles = [];
    for await (const path of walk(join(result.outputDir, "_file", "data"))) {
      dataFiles.push(relative(result.outputDir, path));
    }
    const overviewFile = dataFiles.find((f) => /^_file\/data\/marts\/mart_overview\.[0-9a-f]+\.json$/.test(f));
    assert.ok(overviewFile, `overview data in ${dataFiles.join(", ")}`);
    const [overview] = JSON.parse(await Deno.readTextFile(join(result.outputDir, overviewFile)));
    assert.equal(overview.tickets, TICKETS);
    const index = await Deno.readTextFile(join(result.outputDir, "index.html"));
    assert.ok(index.includes(`./${overviewFile}`), "the overview page loads the built overview data");
    assert.match(index, /id="kpi-tickets"/);

    const modelCard = dataFiles.find((f) => /^_file\/data\/model_card\.[0-9a-f]+\.json$/.test(f));
    assert.ok(modelCard, "the model card is built (null when there is no model metadata)");

    const external: string[] = [];
    for await (const path of walk(result.outputDir)) {
      if (!/\.(html|js|css|json)$/.test(path)) continue;
      const text = await Deno.readTextFile(path);
      for (const [url] of text.matchAll(/(?:https?:)?\/\/[a-z0-9-]+(?:\.[a-z0-9-]+)+[^\s"'`()<>\\]*/gi)) {
        if (!NAMESPACES.test(url)) external.push(`${relative(result.outputDir, path)}: ${url}`);
      }
    }
    assert.deepEqual(external, [], "no built file references another host");
    assert.equal(await Deno.stat(join(result.outputDir, "_npm")).catch(() => null), null, "no CDN modules");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("a failed site build answers ok:false with the log and keeps the previous site", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "site_build_test_" });
  try {
    await Deno.writeTextFile(join(dataDir, MARTS_SNAPSHOT_FILE), "not a DuckDB file");
    const previous = join(dataDir, "site");
    await Deno.mkdir(previous);
    await Deno.writeTextFile(join(previous, "index.html"), "previous site");

    const result = await buildSite(loadConfig({ DATA_DIR: dataDir }));
    assert.equal(result.ok, false);
    assert.match(result.log, /loader exited with code 1/);
    assert.equal(await Deno.readTextFile(join(previous, "index.html")), "previous site");
    const leftovers = [...Deno.readDirSync(dataDir)].map((e) => e.name).filter((n) => n.startsWith("site."));
    assert.deepEqual(leftovers, [], "no half-built site is left behind");
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("without model metadata the model card loader answers null (the Model page then says so)", async () => {
  const dir = await Deno.makeTempDir({ prefix: "site_build_test_" });
  try {
    assert.equal(await loadModelCard(join(dir, "priority.json")), null);
    await Deno.writeTextFile(join(dir, "priority.json"), JSON.stringify({ model_version: "m-1" }));
    assert.deepEqual(await loadModelCard(join(dir, "priority.json")), { model_version: "m-1" });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the marts archive holds one <mart>.json per mart, each its rows as JSON", async () => {
  const marts = new Map([
    ["mart_overview", [{ tickets: 3, note: 'ünïcode & "quotes"' }]],
    ["mart_empty", []],
  ]);
  const entries = new Map<string, unknown>();
  const reader = extract();
  const read = (async () => {
    for await (const entry of reader) {
      const chunks: Uint8Array[] = [];
      for await (const chunk of entry) chunks.push(chunk as Uint8Array);
      entries.set(
        entry.header.name,
        JSON.parse(new TextDecoder().decode(await new Blob(chunks as BlobPart[]).bytes())),
      );
    }
  })();
  reader.end(await martsArchive(marts));
  await read;
  assert.deepEqual(entries, new Map([["mart_overview.json", marts.get("mart_overview")], ["mart_empty.json", []]]));
});
