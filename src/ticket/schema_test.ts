import { deepEqual } from "node:assert/strict";
import { emptyTicket, ticketOfValues, UPLOAD_COLUMNS } from "./schema.ts";

Deno.test("ticketOfValues puts each value under its upload column's name, in the schema's order", () => {
  const ticket = ticketOfValues(UPLOAD_COLUMNS.map((_, i) => i));
  deepEqual(Object.entries(ticket), UPLOAD_COLUMNS.map((column, i) => [column.name, i]));
  // The same fields in the same order as an empty ticket: one shape for every ticket ingest makes.
  deepEqual(Object.keys(ticket), Object.keys(emptyTicket()));
});
