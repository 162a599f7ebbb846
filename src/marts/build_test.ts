import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { openDuckDbStore } from "../store/duckdb_store.ts";
import { scoredTickets } from "../../tests/support/tickets.ts";
import { buildMarts } from "./build.ts";
import { columnDescriptions } from "./data_tests.ts";

Deno.test("marts count every stored ticket once and pass their data tests", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await store.writeScored(scoredTickets(100));
    const report = await buildMarts(store);
    equal(report.error, null);
    ok(report.ok);
    ok(report.tests.length >= 5 && report.tests.every((t) => t.passed));
    const distribution = await store.readMart("mart_priority_distribution");
    deepStrictEqual(distribution.map((r) => [r.priority, r.tickets]), [
      ["Low", 25],
      ["Medium", 25],
      ["High", 25],
      ["Critical", 25],
    ]);
    deepStrictEqual(distribution.map((r) => r.share), [0.25, 0.25, 0.25, 0.25]);
    // 25 tickets per product: too few to be ranked by critical rate.
    const products = await store.readMart("mart_top_products_critical");
    deepStrictEqual(products.map((r) => [r.rank, r.tickets]), [[null, 25], [null, 25], [null, 25], [null, 25]]);
  } finally {
    await store.close();
  }
});

Deno.test("re-storing the same tickets replaces them instead of adding", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await store.writeScored(scoredTickets(40));
    await store.writeScored(scoredTickets(40, { priority_pred: "Critical", scored_at: "2023-06-03T00:00:00.000Z" }));
    // An older score redelivered late must not win over the newer one.
    await store.writeScored(scoredTickets(40, { priority_pred: "Low", scored_at: "2023-06-01T00:00:00.000Z" }));
    await buildMarts(store);
    const rows = await store.readMart("mart_priority_distribution");
    deepStrictEqual(rows.map((r) => r.tickets), [0, 0, 0, 40]);
    // After the build, the older copies are compacted away.
    equal((await store.readMart("tickets")).length, 40);
  } finally {
    await store.close();
  }
});

Deno.test("a failing data test fails the build and keeps the previous marts", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await store.writeScored(scoredTickets(8));
    ok((await buildMarts(store)).ok);
    // Probabilities that do not sum to one break a data test.
    await store.writeScored(scoredTickets(12, { p_low: 0.9, p_medium: 0.9, scored_at: "2023-07-01T00:00:00.000Z" }));
    const report = await buildMarts(store);
    equal(report.ok, false);
    ok(report.error?.includes("stg_tickets_probabilities"), report.error ?? "");
    const kept = await store.readMart("mart_priority_distribution");
    equal(kept.reduce((sum, r) => sum + Number(r.tickets), 0), 8);
  } finally {
    await store.close();
  }
});

Deno.test("model metrics: accuracy and macro-F1 from the confusion of labels and predictions", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    // 3 of 4 right: Low→Low, Medium→Medium, High→High, Critical→Low
    await store.writeScored([
      ...scoredTickets(1, { ticket_id: "a", priority_label: "Low", priority_pred: "Low" }),
      ...scoredTickets(1, { ticket_id: "b", priority_label: "Medium", priority_pred: "Medium" }),
      ...scoredTickets(1, { ticket_id: "c", priority_label: "High", priority_pred: "High" }),
      ...scoredTickets(1, { ticket_id: "d", priority_label: "Critical", priority_pred: "Low" }),
      ...scoredTickets(1, { ticket_id: "e", priority_label: null, priority_pred: "Critical" }),
    ]);
    ok((await buildMarts(store)).ok);
    const [metrics] = await store.readMart("mart_model_metrics");
    equal(metrics.labelled_tickets, 4);
    equal(metrics.accuracy, 0.75);
    // F1: Low 2/3, Medium 1, High 1, Critical 0 → mean 2/3 + 2 over 4
    ok(Math.abs(Number(metrics.macro_f1) - (2 / 3 + 2) / 4) < 1e-12);
  } finally {
    await store.close();
  }
});

Deno.test("a generic data test declared beside a model fails the build when its rows break it", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    // A predicted priority that is not one of the four classes.
    await store.writeScored(scoredTickets(3, { priority_pred: "Urgent" as "High" }));
    const report = await buildMarts(store);
    equal(report.ok, false);
    const failed = report.tests.filter((t) => !t.passed).map((t) => t.name);
    ok(failed.includes("stg_tickets.priority_pred.relationships"), failed.join(", "));
  } finally {
    await store.close();
  }
});

Deno.test("every mart's .yml describes each of its columns, and only those", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await store.writeScored(scoredTickets(100));
    await store.overridePriority("1", "Critical", "ana"); // so the overrides' mart has a row to read columns from
    const report = await buildMarts(store);
    ok(report.ok, report.error ?? "");
    const sqlDir = new URL("../../sql/", import.meta.url);
    for (const { name } of report.marts) {
      const [row] = await store.readMart(name);
      ok(row, `${name} has a row`);
      const described = await columnDescriptions(sqlDir, { name, layer: "marts" });
      deepStrictEqual([...described.keys()].sort(), Object.keys(row).sort(), `sql/marts/${name}.yml`);
    }
  } finally {
    await store.close();
  }
});
