/** Data loader: the rows of `mart_confidence_distribution` (see `sql/marts/mart_confidence_distribution.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_confidence_distribution");

if (import.meta.main) await printJson(await load());
