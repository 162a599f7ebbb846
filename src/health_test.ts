import { deepStrictEqual, equal, match } from "node:assert/strict";
import type { ConsumerHealth } from "./bus/bus.ts";
import { checkReadiness, consumerProblems, FAILING_FOR_MS, STALLED_FOR_MS } from "./health.ts";

const NOW = 1_700_000_000_000;
const consumer = (overrides: Partial<ConsumerHealth> = {}): ConsumerHealth => ({
  topic: "tickets",
  group: "scorer",
  state: "running",
  failingSince: null,
  lastError: null,
  lastProgressAt: NOW - 1000,
  lag: 0,
  ...overrides,
});

Deno.test("a consumer that keeps up, or has just started failing, leaves the process ready", () => {
  deepStrictEqual(consumerProblems([consumer()], NOW), []);
  deepStrictEqual(consumerProblems([consumer({ lag: 5000 })], NOW), [], "behind, but handling messages");
  deepStrictEqual(consumerProblems([consumer({ failingSince: NOW - 2000, lastError: "broker gone" })], NOW), []);
  deepStrictEqual(consumerProblems([consumer({ lastProgressAt: NOW - 10 * STALLED_FOR_MS })], NOW), [], "idle");
});

Deno.test("a crashed, failing or stalled consumer makes the process not ready, saying which and why", () => {
  const problems = consumerProblems([
    consumer({ state: "crashed" }),
    consumer({ group: "store-sink", topic: "tickets_scored", failingSince: NOW - FAILING_FOR_MS }),
    consumer({ group: "other", lag: 120, lastProgressAt: NOW - STALLED_FOR_MS }),
  ], NOW);
  equal(problems.length, 3);
  match(problems[0], /scorer consumer of tickets has stopped/);
  match(problems[1], /store-sink consumer of tickets_scored has failed to handle its messages for 15 s/);
  match(problems[2], /stalled: 120 messages wait and none was handled for 60 s/);
});

Deno.test("a store that does not answer is reported without its error text (the log has it)", async () => {
  const logged: string[] = [];
  const down = await checkReadiness(
    () => Promise.reject(new Error("ECONNREFUSED 10.0.0.7:8123")),
    [],
    (l) => logged.push(l),
  );
  deepStrictEqual(down, { ready: false, problems: ["the store does not answer"] });
  match(logged[0], /ECONNREFUSED/, "the log has the details");
  deepStrictEqual(await checkReadiness(() => Promise.resolve(), [], () => {}), { ready: true, problems: [] });
});
