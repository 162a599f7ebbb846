/** Data loader: the rows of `mart_top_products_critical` (see `sql/marts/mart_top_products_critical.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_top_products_critical");

if (import.meta.main) await printJson(await load());
