/**
 * The SQL models, read from `sql/`, each written once for every engine: staging models (`sql/staging/`, views),
 * marts (`sql/marts/`, tables) and custom data tests (`sql/tests/`, each returns failing rows), plus the generic
 * tests declared beside a model in `<model>.yml` (see `data_tests.ts`). Names come from file names, so adding a
 * mart is adding a file. A model reads another as dbt's models do, through `{{ ref('name') }}`: that declares what
 * it reads, and the build order follows (a model is built after the models it refers to).
 *
 * @module
 */
import { PRIORITIES } from "../ticket/schema.ts";
import { type DataTest, genericTests } from "./data_tests.ts";

const SQL_DIR = new URL("../../sql/", import.meta.url);

/** The layers of models, in the order a tie in the build order is broken. */
const LAYERS = ["staging", "marts"] as const;

/** A named piece of SQL from `sql/`. */
export interface SqlModel {
  name: string;
  /** `staging` models are made readable by the build's session; `marts` are published tables. */
  layer: typeof LAYERS[number];
  sql: string;
  /** The other models it reads. */
  refs: string[];
}

/** Every model of the marts build. */
export interface MartModels {
  /** Staging models and marts, each after the models it reads. */
  models: SqlModel[];
  /** Generic tests (from `<model>.yml`), then custom tests (`sql/tests/*.sql`), each by name. */
  tests: DataTest[];
}

async function readSql(dir: string): Promise<{ name: string; sql: string }[]> {
  const files: { name: string; sql: string }[] = [];
  for await (const entry of Deno.readDir(new URL(`${dir}/`, SQL_DIR))) {
    if (!entry.isFile || !entry.name.endsWith(".sql")) continue;
    const sql = await Deno.readTextFile(new URL(`${dir}/${entry.name}`, SQL_DIR));
    files.push({ name: entry.name.slice(0, -4), sql: sql.trim().replace(/;$/, "") });
  }
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** SQL without its comments (a placeholder written in one must not become SQL). */
function withoutComments(sql: string): string {
  return sql.replace(/--[^\n]*/g, " ").replace(/\/\*[\s\S]*?\*\//g, " ");
}

/** `{{ ref('name') }}`: a model's reference to another model. */
const REF = /\{\{\s*ref\('(\w+)'\)\s*\}\}/g;

/**
 * `sql` with its `{{ ref('name') }}` made plain names, and the names it refers to, each once, in order.
 *
 * @throws {Error} for a name that is not among `names`, naming `where`.
 */
export function resolveRefs(sql: string, names: ReadonlySet<string>, where: string): { sql: string; refs: string[] } {
  const refs: string[] = [];
  const resolved = sql.replace(REF, (_, name: string) => {
    if (!names.has(name)) throw new Error(`${where}: ref('${name}') names no model of sql/staging or sql/marts`);
    if (!refs.includes(name)) refs.push(name);
    return name;
  });
  return { sql: resolved, refs };
}

/** The `priorities` model's rows: the priority classes of the ticket schema, in order, ranked from 1. */
const PRIORITY_ROWS = PRIORITIES.map((p, i) =>
  i === 0 ? `SELECT '${p}' AS priority, ${i + 1} AS priority_rank` : `UNION ALL SELECT '${p}', ${i + 1}`
).join("\n");

/**
 * Orders models so that each comes after the models it reads (ties: staging before marts, then by name).
 *
 * @throws {Error} naming the models of a cycle.
 */
export function buildOrder(models: SqlModel[]): SqlModel[] {
  const byName = new Map(models.map((m) => [m.name, m]));
  const ordered: SqlModel[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (model: SqlModel, path: string[]) => {
    if (state.get(model.name) === "done") return;
    if (state.get(model.name) === "visiting") {
      throw new Error(`sql/: models read each other in a cycle: ${[...path, model.name].join(" → ")}`);
    }
    state.set(model.name, "visiting");
    for (const ref of model.refs) visit(byName.get(ref)!, [...path, model.name]);
    state.set(model.name, "done");
    ordered.push(model);
  };
  const rank = (m: SqlModel) => LAYERS.indexOf(m.layer);
  for (const model of [...models].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name))) {
    visit(model, []);
  }
  return ordered;
}

/**
 * Reads the models and tests. `{{source_tickets}}` and `{{source_overrides}}` in staging SQL become what the
 * engine names them (see `Store.sources`).
 */
export async function loadMartModels(sources: { tickets: string; overrides: string }): Promise<MartModels> {
  const files: { name: string; layer: SqlModel["layer"]; sql: string }[] = [];
  for (const layer of LAYERS) {
    for (const { name, sql } of await readSql(layer)) files.push({ name, layer, sql: withoutComments(sql) });
  }
  const names = new Set(files.map((m) => m.name));
  const models = buildOrder(files.map(({ name, layer, sql }) => {
    const rendered = sql.replaceAll("{{source_tickets}}", sources.tickets)
      .replaceAll("{{source_overrides}}", sources.overrides)
      .replaceAll("{{ priority_rows }}", PRIORITY_ROWS);
    return { name, layer, ...resolveRefs(rendered, names, `sql/${layer}/${name}.sql`) };
  }));
  const custom = (await readSql("tests")).map(({ name, sql }) => ({
    name,
    sql: resolveRefs(withoutComments(sql), names, `sql/tests/${name}.sql`).sql,
  }));
  return { models, tests: [...await genericTests(SQL_DIR, models), ...custom] };
}

/** The names of the marts, for checking a name that came from outside (an API path, a data file). */
export async function martNames(): Promise<Set<string>> {
  return new Set((await readSql("marts")).map((m) => m.name));
}
