/** Data loader: the rows of `mart_model_metrics` (see `sql/marts/mart_model_metrics.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_model_metrics");

if (import.meta.main) await printJson(await load());
