/** Data loader: the rows of `mart_overview` (see `sql/marts/mart_overview.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_overview");

if (import.meta.main) await printJson(await load());
