/**
 * A model's `.yml`, beside it (as dbt's are): `sql/<layer>/<model>.yml` says what the model holds, column by
 * column, and the generic data tests each column must pass. Each test becomes a query that returns the failing rows,
 * run with the custom tests of `sql/tests/` after every build; one failing row fails the build and keeps the previous
 * marts. A column is either its list of tests, or its description and tests:
 *
 * ```yaml
 * description: One clean row per ticket.
 * columns:
 *   ticket_id: [not_null, unique]
 *   priority_pred:
 *     description: the predicted priority
 *     tests:
 *       - not_null
 *       - relationships: { to: priorities, field: priority }   # every value is one of priorities.priority
 *   priority_label:
 *     tests: [{ accepted_values: [Low, Medium, High, Critical] }]   # or null
 *   tickets:
 *     tests: [{ sums_to_rows_of: stg_tickets }]                    # sum(tickets) = the rows of stg_tickets
 * ```
 *
 * @module
 */
import { parse } from "yaml";

/** A data test: a query whose rows are failures. */
export interface DataTest {
  name: string;
  sql: string;
}

/** The query that finds the rows of `model` breaking a generic test on `column`; `isModel` checks a named model. */
type Generic = (model: string, column: string, argument: unknown, isModel: (name: unknown) => string) => string;

/** The generic tests, by name. */
const GENERIC: Record<string, Generic> = {
  not_null: (model, column) => `SELECT * FROM ${model} WHERE ${column} IS NULL`,
  unique: (model, column) =>
    `SELECT ${column}, count(*) AS copies FROM ${model} WHERE ${column} IS NOT NULL GROUP BY ${column} HAVING count(*) > 1`,
  accepted_values: (model, column, values) => {
    if (!Array.isArray(values) || values.length === 0) throw new Error("accepted_values needs a list of values");
    const list = values.map((v) => `'${String(v).replaceAll("'", "''")}'`).join(", ");
    return `SELECT ${column} FROM ${model} WHERE ${column} IS NOT NULL AND ${column} NOT IN (${list})`;
  },
  relationships: (model, column, argument, isModel) => {
    const { to, field } = (argument ?? {}) as { to?: unknown; field?: unknown };
    if (!isName(field)) throw new Error("relationships needs { to: <model>, field: <column> }");
    return `SELECT ${column} FROM ${model} WHERE ${column} IS NOT NULL
      AND ${column} NOT IN (SELECT ${field} FROM ${isModel(to)})`;
  },
  sums_to_rows_of: (model, column, other, isModel) =>
    `SELECT total, expected FROM (SELECT coalesce(sum(${column}), 0) AS total FROM ${model}) AS s
      CROSS JOIN (SELECT count(*) AS expected FROM ${isModel(other)}) AS r WHERE total <> expected`,
};

function isName(value: unknown): value is string {
  return typeof value === "string" && /^\w+$/.test(value);
}

/**
 * The generic tests declared for `models` (each `<layer>/<name>.yml` that exists), named `<model>.<column>.<test>`.
 *
 * @throws {Error} naming the file and what is wrong with a declaration.
 */
export async function genericTests(
  sqlDir: URL,
  models: readonly { name: string; layer: string }[],
): Promise<DataTest[]> {
  const known = new Set(models.map((m) => m.name));
  const isModel = (name: unknown) => {
    if (isName(name) && known.has(name)) return name;
    throw new Error(`${JSON.stringify(name ?? null)} is not a model`);
  };
  const tests: DataTest[] = [];
  for (const model of models) {
    const file = new URL(`${model.layer}/${model.name}.yml`, sqlDir);
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) continue;
      throw error;
    }
    const where = `sql/${model.layer}/${model.name}.yml`;
    const declared = parse(text) as { columns?: Record<string, unknown> } | null;
    for (const [column, entry] of Object.entries(declared?.columns ?? {})) {
      const list = Array.isArray(entry) ? entry : (entry as { tests?: unknown } | null)?.tests ?? [];
      if (!isName(column) || !Array.isArray(list)) throw new Error(`${where}: ${column} needs a list of tests`);
      for (const entry of list) {
        const [kind, argument] = typeof entry === "string" ? [entry, undefined] : Object.entries(entry ?? {})[0] ?? [];
        if (!Object.hasOwn(GENERIC, String(kind))) {
          throw new Error(`${where}: ${column}: unknown test ${JSON.stringify(kind)} (known: ${Object.keys(GENERIC)})`);
        }
        try {
          const sql = GENERIC[String(kind)](model.name, column, argument, isModel);
          tests.push({ name: `${model.name}.${column}.${kind}`, sql });
        } catch (error) {
          throw new Error(`${where}: ${column}: ${(error as Error).message}`);
        }
      }
    }
  }
  return tests;
}

/** The description of each column of a model, from its `.yml` (empty without one). */
export async function columnDescriptions(
  sqlDir: URL,
  model: { name: string; layer: string },
): Promise<Map<string, string>> {
  let text: string;
  try {
    text = await Deno.readTextFile(new URL(`${model.layer}/${model.name}.yml`, sqlDir));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return new Map();
    throw error;
  }
  const declared = parse(text) as { columns?: Record<string, { description?: unknown } | unknown[]> } | null;
  const described = new Map<string, string>();
  for (const [column, entry] of Object.entries(declared?.columns ?? {})) {
    const description = Array.isArray(entry) ? undefined : entry?.description;
    if (typeof description === "string" && description.trim() !== "") described.set(column, description);
  }
  return described;
}
