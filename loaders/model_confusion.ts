/** Data loader: the rows of `mart_model_confusion` (see `sql/marts/mart_model_confusion.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_model_confusion");

if (import.meta.main) await printJson(await load());
