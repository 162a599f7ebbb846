import { equal } from "node:assert/strict";
import { Hono } from "hono";
import { siteFiles } from "./app.ts";

Deno.test("the site's pages are checked again each time, its hashed files cached for a year, wherever it lives", async () => {
  const parent = await Deno.makeTempDir({ prefix: "_site-under-underscore-" });
  const site = `${parent}/_data/site`;
  try {
    await Deno.mkdir(`${site}/_file`, { recursive: true });
    await Deno.writeTextFile(`${site}/index.html`, "<!doctype html><title>t</title>");
    await Deno.writeTextFile(`${site}/model.html`, "<!doctype html><title>m</title>");
    await Deno.writeTextFile(`${site}/_file/data.0123abcd.json`, "{}");
    await Deno.writeTextFile(`${parent}/_data/secret.txt`, "outside the site");
    const app = new Hono();
    for (const files of siteFiles(site)) app.get("*", files);
    app.get("*", (c) => c.text("not in the site", 404));
    const answer = async (path: string) => {
      const response = await app.request(path);
      return { status: response.status, cache: response.headers.get("cache-control"), text: await response.text() };
    };
    equal((await answer("/")).cache, "no-cache");
    equal((await answer("/model")).text, "<!doctype html><title>m</title>", "a clean URL is its .html page");
    equal((await answer("/model")).cache, "no-cache");
    equal((await answer("/_file/data.0123abcd.json")).cache, "public, max-age=31536000, immutable");
    equal((await answer("/_file/data.0123abcd.json")).text, "{}");
    for (const path of ["/../secret.txt", "/..%2Fsecret.txt", "/%2e%2e/secret.txt", "/nothing"]) {
      equal((await answer(path)).status, 404, `${path} reaches nothing outside the site`);
    }
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
