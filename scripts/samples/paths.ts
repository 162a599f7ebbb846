/**
 * The sample tickets in `samples/` (see `samples/README.md`), by what tests need them for.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** 8,469 tickets as a spreadsheet re-saved them: CRLF, day-first dates, multi-line descriptions. */
export const EXCEL_SAMPLE: string = fileURLToPath(new URL("../../samples/tickets.csv", import.meta.url));

/** The same 8,469 ticket ids with regenerated values: ISO dates, LF, one-line descriptions. */
export const ISO_SAMPLE: string = fileURLToPath(new URL("../../samples/tickets_iso.csv", import.meta.url));

/** The header row both samples start with. */
export const HEADER =
  "Ticket ID,Customer Name,Customer Email,Customer Age,Customer Gender,Product Purchased,Date of Purchase," +
  "Ticket Type,Ticket Subject,Ticket Description,Ticket Status,Resolution,Ticket Priority,Ticket Channel," +
  "First Response Time,Time to Resolution,Customer Satisfaction Rating";

/** 300 tickets in Zendesk's CSV export shape (no description column), written by `scripts/samples/make_exports.ts`. */
export const ZENDESK_SAMPLE: string = fileURLToPath(new URL("../../samples/zendesk_export.csv", import.meta.url));

/** 300 tickets in Freshdesk's export shape, contact fields included. */
export const FRESHDESK_SAMPLE: string = fileURLToPath(new URL("../../samples/freshdesk_export.csv", import.meta.url));

/** 300 issues in Jira's Excel CSV export shape: CRLF, a repeated Component/s, Jira's dates. */
export const JIRA_SAMPLE: string = fileURLToPath(new URL("../../samples/jira_export.csv", import.meta.url));
