import { deepStrictEqual, equal, rejects, throws } from "node:assert/strict";
import { genericTests } from "./data_tests.ts";
import { buildOrder, loadMartModels, referencedNames, type SqlModel } from "./models.ts";

const model = (name: string, layer: SqlModel["layer"], refs: string[] = []): SqlModel => ({
  name,
  layer,
  sql: "",
  refs,
});

Deno.test("a model reads the names in its SQL, not those in comments or strings", () => {
  const sql = `-- built from stg_old\nSELECT 'mart_b' AS label FROM stg_tickets JOIN priorities USING (x) /* mart_c */`;
  deepStrictEqual(referencedNames(sql, ["stg_tickets", "priorities", "stg_old", "mart_b", "mart_c"]), [
    "stg_tickets",
    "priorities",
  ]);
  deepStrictEqual(referencedNames("SELECT * FROM stg_tickets_extra", ["stg_tickets"]), []);
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
