import { equal } from "node:assert/strict";
import { serveSite } from "./app.ts";

Deno.test("the site's pages are checked again each time, its hashed files cached for a year, wherever it lives", async () => {
  const parent = await Deno.makeTempDir({ prefix: "_site-under-underscore-" });
  const site = `${parent}/_data/site`;
  try {
    await Deno.mkdir(`${site}/_file`, { recursive: true });
    await Deno.writeTextFile(`${site}/index.html`, "<!doctype html><title>t</title>");
    await Deno.writeTextFile(`${site}/model.html`, "<!doctype html><title>m</title>");
    await Deno.writeTextFile(`${site}/_file/data.0123abcd.json`, "{}");
    const cacheOf = async (path: string) => {
      const answer = await serveSite(site, path);
      await answer?.body?.cancel();
      return answer?.headers.get("cache-control");
    };
    equal(await cacheOf("/"), "no-cache");
    equal(await cacheOf("/model"), "no-cache");
    equal(await cacheOf("/_file/data.0123abcd.json"), "public, max-age=31536000, immutable");
    equal(await serveSite(site, "/../../etc/passwd"), null);
  } finally {
    await Deno.remove(parent, { recursive: true });
  }
});
