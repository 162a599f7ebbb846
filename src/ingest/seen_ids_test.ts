import { equal } from "node:assert/strict";
import { SeenIds } from "./seen_ids.ts";

Deno.test("a repeated id is seen again, however many ids came between", () => {
  const seen = new SeenIds();
  equal(seen.add("TCK-1"), true);
  for (let i = 2; i <= 5000; i++) seen.add(`TCK-${i}`);
  equal(seen.add("TCK-1"), false);
  equal(seen.add("TCK-5000"), false);
  equal(seen.add("TCK-5001"), true);
  equal(seen.size, 5001);
});

Deno.test("two million ids that differ in one character are all told apart", () => {
  const seen = new SeenIds();
  let distinct = 0;
  for (let i = 0; i < 1_000_000; i++) distinct += Number(seen.add(String(i)));
  for (let i = 0; i < 1_000_000; i++) distinct += Number(seen.add(`T${String(i).padStart(7, "0")}`));
  equal(distinct, 2_000_000);
  equal(seen.size, 2_000_000);
});
