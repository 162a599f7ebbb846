import { deepStrictEqual, equal, match } from "node:assert/strict";
import { join } from "node:path";
import { openRegistry, SHIPPED_MODEL_DIR } from "./registry.ts";

const shippedVersion = async () =>
  JSON.parse(await Deno.readTextFile(join(SHIPPED_MODEL_DIR, "priority.json"))).model_version as string;

Deno.test("a new registry starts with the shipped model live; opening it again changes nothing", async () => {
  const dir = await Deno.makeTempDir({ prefix: "registry-test-" });
  try {
    const lines: string[] = [];
    const registry = await openRegistry(dir, { log: (line) => lines.push(line) });
    equal((await registry.live()).version, await shippedVersion());
    const since = (await registry.live()).since;
    await openRegistry(dir, { log: (line) => lines.push(line) });
    equal((await registry.live()).since, since);
    deepStrictEqual(lines, []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("after an upgrade, a live model of another feature spec gives way to the shipped one, and the log says so", async () => {
  const dir = await Deno.makeTempDir({ prefix: "registry-test-" });
  try {
    const registry = await openRegistry(dir);
    // A model an earlier release trained: its own version folder, an older feature spec, live.
    const old = join(dir, "priority-old");
    await Deno.mkdir(old);
    const meta = JSON.parse(await Deno.readTextFile(join(SHIPPED_MODEL_DIR, "priority.json")));
    await Deno.writeTextFile(
      join(old, "priority.json"),
      JSON.stringify({ ...meta, model_version: "priority-old", feature_spec_version: "ticket-features-v2" }),
    );
    await Deno.writeTextFile(
      join(dir, "live.json"),
      JSON.stringify({ version: "priority-old", since: "", history: [] }),
    );
    const lines: string[] = [];
    await openRegistry(dir, { log: (line) => lines.push(line) });
    equal((await registry.live()).version, await shippedVersion());
    equal(lines.length, 1);
    match(lines[0], /priority-old reads tickets as ticket-features-v2.*deno task train/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
