/**
 * Marts build time, DuckDB vs the ClickHouse engine (chdb, in-process), for the Excel sample ×10 with new ids
 * (84,690 tickets), scored by the model. Both through their Store and the same `buildMarts` (staging views, 12
 * marts, 7 data tests, publish); ClickHouse runs in the test fixture's process and is reached over HTTP, so its
 * figure includes about 45 HTTP round trips. Needs chdb (`deno task setup`).
 *
 *   deno task bench:marts
 *
 * @module
 */
import { readTicketFile } from "../src/ingest/read_file.ts";
import { loadModel } from "../src/score/model.ts";
import { scoreTickets } from "../src/score/scorer.ts";
import { commandLine, runCommand } from "../src/cli.ts";
import { buildMarts } from "../src/marts/build.ts";
import { openDuckDbStore } from "../src/store/duckdb_store.ts";
import { openClickHouseStore } from "../src/store/clickhouse_store.ts";
import { startClickHouseServer } from "../scripts/clickhouse/server.ts";
import type { ScoredTicket } from "../src/ticket/schema.ts";
import { EXCEL_SAMPLE } from "../scripts/samples/paths.ts";

const HELP = `Usage: deno task bench:marts

Times the marts build on DuckDB and on the ClickHouse engine (chdb over HTTP; run deno task setup first)
for the Excel sample ×10 with new ids (84,690 tickets), three builds each.`;
runCommand(async () => {
  commandLine(HELP, {});
  const model = await loadModel();
  const base: ScoredTicket[] = [];
  for await (
    const b of readTicketFile(EXCEL_SAMPLE)
  ) {
    base.push(
      ...await scoreTickets(model, b.map((t) => ({ ...t, upload_id: "bench", ingested_at: new Date().toISOString() }))),
    );
  }
  const all = Array.from({ length: 10 }, (_, k) => base.map((t) => ({ ...t, ticket_id: `c${k}-${t.ticket_id}` })))
    .flat();
  console.log("tickets", all.length);
  const duck = await openDuckDbStore(await Deno.makeTempDir());
  const http = await startClickHouseServer();
  const click = await openClickHouseStore({ url: http.url });
  await click.migrate({ kafkaBrokers: ["127.0.0.1:9"] });
  let t0 = performance.now();
  for (let i = 0; i < all.length; i += 2048) await duck.writeScored(all.slice(i, i + 2048));
  console.log("duckdb load s", ((performance.now() - t0) / 1000).toFixed(2));
  t0 = performance.now();
  for (let i = 0; i < all.length; i += 2048) await click.writeScored(all.slice(i, i + 2048));
  console.log("clickhouse load (HTTP fixture) s", ((performance.now() - t0) / 1000).toFixed(2));
  for (let r = 0; r < 3; r++) {
    const d = await buildMarts(duck);
    const c = await buildMarts(click);
    console.log(
      `run ${r}: duckdb ${d.seconds.toFixed(3)} s ok=${d.ok}; clickhouse ${c.seconds.toFixed(3)} s ok=${c.ok}`,
      c.error ?? "",
    );
  }
  console.log(await http.sql("SELECT count() AS n FROM db_tickets.tickets FINAL"));
  await duck.close();
  await click.close();
  await http.close();
});
