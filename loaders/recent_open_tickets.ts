/** Data loader: the rows of `mart_recent_open_tickets` (see `sql/marts/mart_recent_open_tickets.sql`). @module */
import { printJson, readMartRows } from "./mart.ts";

/** The mart's rows. */
export const load = () => readMartRows("mart_recent_open_tickets");

if (import.meta.main) await printJson(await load());
