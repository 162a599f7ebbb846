import { deepStrictEqual, equal, ok, rejects, throws } from "node:assert/strict";
import { genericTests } from "./data_tests.ts";
import { buildOrder, loadMartModels, resolveRefs, type SqlModel } from "./models.ts";

const model = (name: string, layer: SqlModel["layer"], refs: string[] = []): SqlModel => ({
  name,
  layer,
  sql: "",
  refs,
});

Deno.test("a model declares what it reads with ref(): plain names in the SQL, each once; an unknown one refused", () => {
  const names = new Set(["stg_tickets", "priorities", "mart_b"]);
  const sql = "SELECT 'mart_b' AS label FROM {{ ref('stg_tickets') }} AS t JOIN {{ref('priorities')}} USING (x) " +
    "WHERE t.id IN (SELECT id FROM {{ ref('stg_tickets') }})";
  deepStrictEqual(resolveRefs(sql, names, "sql/marts/mart_a.sql"), {
    sql: "SELECT 'mart_b' AS label FROM stg_tickets AS t JOIN priorities USING (x) " +
      "WHERE t.id IN (SELECT id FROM stg_tickets)",
    refs: ["stg_tickets", "priorities"],
  });
  throws(
    () => resolveRefs("SELECT * FROM {{ ref('stg_nowhere') }}", names, "sql/marts/mart_a.sql"),
    /sql\/marts\/mart_a\.sql: ref\('stg_nowhere'\) names no model/,
  );
});

Deno.test("models are built after the models they read; a cycle is refused by name", () => {
  const order = buildOrder([
    model("mart_b", "marts", ["mart_a"]),
    model("mart_a", "marts", ["stg_tickets"]),
    model("stg_tickets", "staging", ["priorities"]),
    model("priorities", "staging"),
  ]);
  deepStrictEqual(order.map((m) => m.name), ["priorities", "stg_tickets", "mart_a", "mart_b"]);
  throws(
    () => buildOrder([model("mart_a", "marts", ["mart_b"]), model("mart_b", "marts", ["mart_a"])]),
    /cycle: mart_a → mart_b → mart_a/,
  );
});

Deno.test("the project's models: staging before the marts that read it, generic tests from the .yml files", async () => {
  const { models, tests } = await loadMartModels({ tickets: "tickets_current", overrides: "overrides" });
  const at = (name: string) => models.findIndex((m) => m.name === name);
  equal(at("priorities") < at("stg_tickets"), true);
  deepStrictEqual(models.find((m) => m.name === "stg_tickets")?.refs, ["priorities"]);
  ok(!models.some((m) => m.sql.includes("{{")), "every placeholder rendered");
  ok(models.find((m) => m.name === "priorities")?.sql.includes("UNION ALL SELECT 'Critical', 4"));
  equal(models.filter((m) => m.layer === "marts").every((m) => at(m.name) > at("stg_tickets")), true);
  const names = tests.map((t) => t.name);
  for (const name of ["stg_tickets.ticket_id.unique", "mart_overview.tickets.sums_to_rows_of"]) {
    equal(names.includes(name), true, name);
  }
});

Deno.test("a generic test that is unknown, or names no model, is refused with its file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(`${dir}/marts`);
    const sqlDir = new URL(`file://${dir}/`);
    const models = [{ name: "mart_x", layer: "marts" }];
    await Deno.writeTextFile(`${dir}/marts/mart_x.yml`, "columns:\n  tickets: [sometimes_null]\n");
    await rejects(genericTests(sqlDir, models), /sql\/marts\/mart_x\.yml: tickets: unknown test "sometimes_null"/);
    await Deno.writeTextFile(`${dir}/marts/mart_x.yml`, "columns:\n  tickets:\n    - sums_to_rows_of: stg_nowhere\n");
    await rejects(genericTests(sqlDir, models), /mart_x\.yml: tickets: "stg_nowhere" is not a model/);
    await Deno.writeTextFile(`${dir}/marts/mart_x.yml`, "columns:\n  label:\n    - accepted_values: [it's, ok]\n");
    const [test] = await genericTests(sqlDir, models);
    deepStrictEqual(test, {
      name: "mart_x.label.accepted_values",
      sql: "SELECT label FROM mart_x WHERE label IS NOT NULL AND label NOT IN ('it''s', 'ok')",
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
