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

Deno.test("a version clearly worse on one segment is refused promotion, unless forced, though not worse overall", async () => {
  const dir = await Deno.makeTempDir({ prefix: "registry-test-" });
  try {
    const registry = await openRegistry(dir);
    const segment = (live: number, candidate: number) => ({
      by: "channel" as const,
      value: "Email",
      tickets: 120,
      live: { macro_f1: live },
      candidate: { macro_f1: candidate },
    });
    const version = await registry.add(SHIPPED_MODEL_DIR, {
      live_version: await shippedVersion(),
      held_out_tickets: 1000,
      challenger_macro_f1: 0.81,
      live_macro_f1: 0.8,
      difference: 0.01,
      difference_ci95: [-0.01, 0.03],
      clearly_worse: false,
      segments: [segment(0.8, 0.7), segment(0.8, 0.79)],
      worse_segments: [segment(0.8, 0.7)],
    });
    const refused = await registry.promote(version).then(() => null, (error: Error) => error);
    equal(refused?.name, "PromotionRefused");
    match(refused!.message, /channel Email \(120 tickets: macro-F1 0\.7 vs 0\.8\)/);
    equal((await registry.live()).version, await shippedVersion(), "the live model stays");
    equal((await registry.promote(version, { force: true })).version, version);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
