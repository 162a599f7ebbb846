/**
 * Column mappings over HTTP: the list the Upload page offers (`GET /api/mappings`), one mapping
 * (`GET /api/mappings/:name`), saving a team's own from a JSON or YAML body (`PUT /api/mappings/:name`, what
 * `deno task upload --mapping FILE` does first) and removing it (`DELETE`). Uploads name one with `?mapping=`.
 *
 * @module
 */
import type { Hono } from "hono";
import { UploadError } from "../ingest/errors.ts";
import { type MappingLibrary, MAX_MAPPING_BYTES, savedForm } from "../ingest/mapping_library.ts";

/** Adds the mapping routes to `app`. */
export function mappingRoutes(app: Hono, library: MappingLibrary, log: (line: string) => void): void {
  app.get("/api/mappings", async (c) => {
    const mappings = await library.list(log);
    return c.json({ rows: mappings.map((m) => ({ ...savedForm(m), source: m.source })) });
  });

  app.get("/api/mappings/:name", async (c) => {
    const mapping = await library.find(c.req.param("name"));
    if (!mapping) return c.json({ error: "no mapping of that name" }, 404);
    return c.json({ ...savedForm(mapping), source: mapping.source });
  });

  app.put("/api/mappings/:name", async (c) => {
    const declared = Number(c.req.header("content-length") ?? 0);
    if (declared > MAX_MAPPING_BYTES) {
      throw new UploadError(413, `A mapping file is at most ${MAX_MAPPING_BYTES} bytes`);
    }
    const text = await c.req.text();
    if (new TextEncoder().encode(text).length > MAX_MAPPING_BYTES) {
      throw new UploadError(413, `A mapping file is at most ${MAX_MAPPING_BYTES} bytes`);
    }
    // A saved file that no longer reads as a mapping can still be replaced.
    const existed = await library.find(c.req.param("name")).then((m) => m !== null, () => true);
    const mapping = await library.save(c.req.param("name"), text);
    log(`mapping ${mapping.name} ${existed ? "replaced" : "saved"}`);
    return c.json({ ...savedForm(mapping), source: mapping.source }, existed ? 200 : 201);
  });

  app.delete("/api/mappings/:name", async (c) => {
    const removed = await library.remove(c.req.param("name"));
    if (!removed) return c.json({ error: "no saved mapping of that name (presets cannot be removed)" }, 404);
    log(`mapping ${c.req.param("name")} removed`);
    return c.body(null, 204);
  });
}
