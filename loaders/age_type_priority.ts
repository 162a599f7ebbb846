/** Data loader: the rows of `mart_age_type_priority` (see `sql/marts/mart_age_type_priority.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_age_type_priority");

if (import.meta.main) await printJson(await load());
