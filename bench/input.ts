/**
 * Benchmark inputs: the ISO sample (`samples/tickets_iso.csv`) resampled to any number of tickets with fresh ids, written to a
 * temporary file (never committed). Deterministic: the same count gives the same file.
 *
 * @module
 */

import { seededRandom } from "../src/train/random.ts";
import { ISO_SAMPLE } from "../scripts/samples/paths.ts";

/** Writes `tickets` resampled tickets to a new temporary CSV file and answers its path. */
export async function resampledCsv(tickets: number): Promise<string> {
  const [header, ...rows] = (await Deno.readTextFile(ISO_SAMPLE)).trimEnd().split("\n");
  const path = await Deno.makeTempFile({ prefix: `tickets-${tickets}-`, suffix: ".csv" });
  const random = seededRandom(1);
  let lines = [header];
  for (let id = 1; id <= tickets; id++) {
    const row = rows[Math.floor(random() * rows.length)];
    lines.push(`bench-${id}${row.slice(row.indexOf(","))}`);
    if (lines.length === 10_000 || id === tickets) {
      await Deno.writeTextFile(path, lines.join("\n") + "\n", { append: true });
      lines = [];
    }
  }
  return path;
}
