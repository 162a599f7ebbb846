import { equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { HEADER } from "../../scripts/samples/paths.ts";
import { type ColumnType, INGESTED_SOURCES, UPLOAD_COLUMNS } from "../ticket/schema.ts";
import { readTicket } from "../ticket/validate.ts";
import { mapHeader } from "./header.ts";
import { RowReader } from "./row.ts";

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/** Text shaped like a date or a date and time, right or wrong: the cells that come closest to the rules. */
const dateLike = fc.record({
  year: fc.oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(0, 1, 9999)),
  month: fc.integer({ min: 0, max: 13 }),
  day: fc.integer({ min: 0, max: 32 }),
  hour: fc.integer({ min: 0, max: 25 }),
  minute: fc.integer({ min: 0, max: 61 }),
  second: fc.integer({ min: 0, max: 61 }),
  offset: fc.constantFrom("", "Z", "+14:00", "-12:00", "+0530", "-23:59"),
  shape: fc.constantFrom("iso-date", "iso-time", "iso-T", "dmy", "dmy-short", "dmy-time"),
}).map(({ year, month, day, hour, minute, second, offset, shape }) => {
  const time = `${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}`;
  const iso = `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}`;
  const numeric = `${pad(day, 2)}-${pad(month, 2)}`;
  switch (shape) {
    case "iso-date":
      return iso;
    case "iso-time":
      return `${iso} ${time}${offset}`;
    case "iso-T":
      return `${iso}T${time}${offset}`;
    case "dmy":
      return `${numeric}-${pad(year, 4)}`;
    case "dmy-short":
      return `${numeric}-${pad(year % 100, 2)}`;
    case "dmy-time":
      return `${numeric}-${pad(year, 4)} ${pad(hour, 2)}:${pad(minute, 2)}`;
  }
});

const numberLike = fc.oneof(
  fc.integer({ min: -10, max: 200 }).map(String),
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom("", " 3 ", "1e1", "0x10", "4.0", "Infinity", "-0", "5.000001", "0.999"),
);

/** A cell for a column of each type: valid, nearly valid, or anything at all. */
function cell(type: ColumnType): fc.Arbitrary<string> {
  const any = fc.string({ unit: "grapheme", maxLength: 30 });
  // Mostly cells that come close, so that most rows are accepted and their tickets checked; some of anything.
  const mostly = (near: fc.Arbitrary<string>) =>
    fc.oneof({ arbitrary: near, weight: 9 }, { arbitrary: any, weight: 1 });
  switch (type) {
    case "age":
    case "rating":
    case "number":
    case "probability":
      return mostly(numberLike);
    case "priority":
      return mostly(fc.constantFrom("low", "HIGH", " Critical ", "Medium", "urgent", ""));
    case "flag":
      return mostly(fc.constantFrom("yes", "No", "1", "0", "TRUE", "maybe"));
    case "date":
    case "instant":
      return mostly(dateLike);
    default:
      return fc.oneof(any, fc.constantFrom("", "  ", "T-1"));
  }
}

const header = mapHeader(HEADER.split(","));
const cells = header.columns.map(({ spec }) => cell(spec.type));

Deno.test("property: every ticket ingest accepts passes the schema check a stage makes of a message", () => {
  equal(header.columns.length, UPLOAD_COLUMNS.length, "the sample header should carry every upload column");
  let accepted = 0;
  fc.assert(
    fc.property(fc.tuple(...cells), fc.constantFrom("DMY", "MDY") as fc.Arbitrary<"DMY" | "MDY">, (values, order) => {
      const record = new Array<string>(header.width).fill("");
      header.columns.forEach(({ indices }, i) => record[indices[0]] = values[i]);
      const reader = new RowReader(header, { order, source: "override", evidence: { DMY: 0, MDY: 0 } });
      const result = reader.read(record, 2);
      if (!("ticket" in result)) return;
      // As the upload publishes it: the ticket and its origin.
      const message = { ...result.ticket, upload_id: crypto.randomUUID(), ingested_at: new Date().toISOString() };
      accepted++;
      const read = readTicket(message, INGESTED_SOURCES);
      ok("ticket" in read, `${"problem" in read ? read.problem : ""} (row ${JSON.stringify(record)})`);
    }),
    { numRuns: 20_000 },
  );
  ok(accepted > 2_000, `only ${accepted} of 20,000 rows were accepted: too few tickets were checked`);
});
