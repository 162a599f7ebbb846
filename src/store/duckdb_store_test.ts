import { equal } from "node:assert/strict";
import { scoredTicket } from "../../tests/support/tickets.ts";
import { openDuckDbStore } from "./duckdb_store.ts";

Deno.test("dates and instants are stored as UTC, nulls as nulls", async () => {
  const store = await openDuckDbStore(":memory:");
  try {
    await store.writeScored([scoredTicket({ resolved_at: null, satisfaction_rating: 4 })]);
    const [row] = await store.readMart("tickets_latest");
    equal(row.date_of_purchase, "2021-03-22T00:00:00.000Z");
    equal(row.first_response_at, "2023-06-01T12:15:00.000Z");
    equal(row.ingested_at, "2023-06-02T10:00:00.000Z");
    equal(row.resolved_at, null);
    equal(row.satisfaction_rating, 4);
  } finally {
    await store.close();
  }
});
