/** Data loader: the rows of `mart_gender_priority` (see `sql/marts/mart_gender_priority.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_gender_priority");

if (import.meta.main) await printJson(await load());
