import { deepStrictEqual, equal } from "node:assert/strict";
import { SignInLimiter } from "./security.ts";

Deno.test("the sign-in limiter blocks an address after its failures, for the rest of the window", () => {
  const limiter = new SignInLimiter(3, 60_000);
  const waits = [];
  for (let i = 0; i < 4; i++) {
    waits.push(limiter.wait("a", 1_000));
    limiter.failed("a", 1_000);
  }
  deepStrictEqual(waits, [0, 0, 0, 60]);
  equal(limiter.wait("b", 1_000), 0, "another address is not held up");
  equal(limiter.wait("a", 61_000), 0, "the window passes");
  limiter.succeeded("a");
  equal(limiter.size, 0);
});

Deno.test("the sign-in limiter remembers at most its bound of addresses, the expired and the oldest forgotten", () => {
  const limiter = new SignInLimiter(5, 60_000, 100);
  for (let i = 0; i < 50; i++) limiter.failed(`old-${i}`, 0);
  for (let i = 0; i < 1_000; i++) limiter.failed(`new-${i}`, 70_000);
  equal(limiter.size, 100);
  for (let i = 0; i < 5; i++) limiter.failed("guesser", 70_000);
  equal(limiter.wait("guesser", 70_000), 60, "the newest failures are kept");
  equal(limiter.size, 100);
});
