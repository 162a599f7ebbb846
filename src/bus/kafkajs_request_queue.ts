/**
 * Stopping kafkajs 2.2.4's idle polling. After every request, each broker connection's request queue schedules a
 * check of its pending requests; with none pending and no throttling the delay is negative (`throttledUntil` starts
 * at -1), so the check runs a millisecond later and schedules the next: a timer a millisecond on every connection
 * for as long as it lives (kafkajs issues #1556 and #1704, with the fix of pull request #1667, never released), and
 * Deno's `TimeoutNegativeWarning` in the log. The replacement schedules nothing when nothing is pending and the
 * queue is not throttled; a request that cannot go at once is pending, and schedules its own check.
 *
 * Importing this module changes nothing: `bus/open.ts` calls {@linkcode installIdleQueueFix} when a Kafka bus
 * starts, and it installs only over the method it was written against.
 *
 * @module
 */
import RequestQueue from "kafkajs/src/network/requestQueue/index.js";

/** The parts of kafkajs's RequestQueue the fix reads. */
export interface RequestQueueInstance {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: unknown;
  scheduleCheckPendingRequests(): void;
}
const prototype = (RequestQueue as unknown as { prototype: RequestQueueInstance }).prototype;

/** kafkajs's own method, kept for the check below and for the tests. */
export const ORIGINAL_SCHEDULE = prototype.scheduleCheckPendingRequests;

/** What kafkajs 2.2.4's method reads, to recognise it (whitespace aside). */
const EXPECTED_SOURCE_PARTS = [
  "let scheduleAt = this.throttledUntil - Date.now()",
  "if (!this.throttleCheckTimeoutId) {",
  "if (this.pending.length > 0) {",
  "scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL",
  "this.throttleCheckTimeoutId = setTimeout(",
];

/** kafkajs's method, unless nothing is pending and the queue is not throttled: then there is nothing to check. */
function scheduleWhenNeeded(this: RequestQueueInstance): void {
  if (this.pending.length === 0 && this.throttledUntil <= Date.now()) return;
  ORIGINAL_SCHEDULE.call(this);
}

/**
 * Installs the fix if kafkajs's method is the one it was written for. Answers whether it did (idempotent).
 */
export function installIdleQueueFix(): boolean {
  if (prototype.scheduleCheckPendingRequests === scheduleWhenNeeded) return true;
  const source = ORIGINAL_SCHEDULE.toString();
  if (!EXPECTED_SOURCE_PARTS.every((part) => source.includes(part))) return false;
  prototype.scheduleCheckPendingRequests = scheduleWhenNeeded;
  return true;
}
