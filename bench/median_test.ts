import { deepEqual, equal, ok } from "node:assert/strict";
import { median } from "./median.ts";

Deno.test("median: the middle run, the mean of the two middle ones for an even count, the input untouched", () => {
  const runs = [3.2, 1.0, 9.9];
  equal(median(runs), 3.2);
  deepEqual(runs, [3.2, 1.0, 9.9]);
  equal(median([4, 1, 3, 2]), 2.5);
  equal(median([10, 2]), 6);
  ok(Number.isNaN(median([])));
});
