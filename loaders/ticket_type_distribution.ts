/** Data loader: the rows of `mart_ticket_type_distribution` (see `sql/marts/mart_ticket_type_distribution.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_ticket_type_distribution");

if (import.meta.main) await printJson(await load());
