import { equal, ok } from "node:assert/strict";
import { openDuckDbStore } from "../store/duckdb_store.ts";
import { scoredTickets } from "../../tests/support/tickets.ts";
import { Refresher } from "./refresher.ts";

Deno.test("scheduled refreshes skip when nothing changed since the last good one", async () => {
  const store = await openDuckDbStore(":memory:");
  const refresher = new Refresher(store, null, () => {});
  try {
    ok((await refresher.refreshIfChanged())?.marts.ok, "the first one always runs");
    equal(await refresher.refreshIfChanged(), null);
    await store.writeScored(scoredTickets(3));
    refresher.changed(60_000);
    const report = await refresher.refreshIfChanged();
    equal(report?.marts.marts.find((m) => m.name === "mart_overview")?.rows, 1);
    equal((await store.readMart("mart_overview"))[0].tickets, 3);
    equal(await refresher.refreshIfChanged(), null);
  } finally {
    await refresher.stop();
    await store.close();
  }
});
