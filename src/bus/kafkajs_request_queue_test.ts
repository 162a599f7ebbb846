import { equal, notEqual, ok } from "node:assert/strict";
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";
import { installIdleQueueFix, ORIGINAL_SCHEDULE, type RequestQueueInstance } from "./kafkajs_request_queue.ts";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const newQueue = () =>
  new (RequestQueue as unknown as new (options: object) => RequestQueueInstance & { checkPendingRequests(): void })({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: true,
    clientId: "test",
    broker: "127.0.0.1:9092",
    logger: silent,
  });

/** Timers the queue's checks set in 50 ms, counted by wrapping `setTimeout`. */
async function checksScheduledIn50Ms(queue: ReturnType<typeof newQueue>): Promise<number> {
  const original = globalThis.setTimeout;
  let scheduled = 0;
  globalThis.setTimeout = ((fn: () => void, ms?: number) => {
    scheduled++;
    return original(fn, ms);
  }) as typeof setTimeout;
  try {
    queue.checkPendingRequests(); // what kafkajs does after each answered request
    await new Promise((resolve) => original(resolve, 50));
  } finally {
    globalThis.setTimeout = original;
    clearTimeout(queue.throttleCheckTimeoutId as number);
  }
  return scheduled;
}

Deno.test("kafkajs's idle request queue polls for ever (a timer after a timer); with the fix it schedules nothing", async () => {
  const idle = newQueue();
  const before = await checksScheduledIn50Ms(idle);
  ok(before >= 3, `kafkajs's own queue scheduled ${before} checks in 50 ms`);

  equal(installIdleQueueFix(), true);
  equal(installIdleQueueFix(), true, "installing twice is harmless");
  notEqual(Object.getPrototypeOf(idle).scheduleCheckPendingRequests, ORIGINAL_SCHEDULE);
  equal(await checksScheduledIn50Ms(newQueue()), 0);
});

Deno.test("with the fix, a throttled queue or one with a request pending still schedules its check", () => {
  installIdleQueueFix();
  const throttled = newQueue();
  throttled.throttledUntil = Date.now() + 1_000;
  throttled.scheduleCheckPendingRequests();
  ok(throttled.throttleCheckTimeoutId !== null, "a check when the throttling ends");
  clearTimeout(throttled.throttleCheckTimeoutId as number);

  const waiting = newQueue();
  waiting.pending.push({});
  waiting.scheduleCheckPendingRequests();
  ok(waiting.throttleCheckTimeoutId !== null, "a check for the pending request");
  clearTimeout(waiting.throttleCheckTimeoutId as number);
});
