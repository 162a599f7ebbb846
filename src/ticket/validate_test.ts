import { deepStrictEqual, equal, ok } from "node:assert/strict";
import fc from "fast-check";
import { scoredTicket } from "../../tests/support/tickets.ts";
import { markChecked, readTicket, ticketReader } from "./validate.ts";

/** The instant check as it was before its fast path, for comparison. */
const INSTANT = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/;
const slowInstant = (value: string) => INSTANT.test(value) && !Number.isNaN(Date.parse(value.replace(" ", "T")));

const readOrigin = ticketReader(["origin"]);
const fastInstant = (value: string) => "ticket" in readOrigin({ upload_id: "u", ingested_at: value });

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

Deno.test("the instant check's fast path agrees with Date.parse on every month, day and time of day", () => {
  const shapes = [
    (y: string, mo: string, d: string, h: string, mi: string, s: string) => `${y}-${mo}-${d} ${h}:${mi}:${s}`,
    (y: string, mo: string, d: string, h: string, mi: string, s: string) => `${y}-${mo}-${d}T${h}:${mi}:${s}`,
    (y: string, mo: string, d: string, h: string, mi: string, s: string) => `${y}-${mo}-${d}T${h}:${mi}:${s}.123Z`,
  ];
  let checked = 0;
  for (const shape of shapes) {
    for (const year of ["0000", "1900", "2000", "2021", "2024", "9999"]) {
      for (let month = 0; month < 100; month++) {
        for (let day = 0; day < 100; day++) {
          const value = shape(year, pad(month), pad(day), "10", "20", "30");
          equal(fastInstant(value), slowInstant(value), value);
          checked++;
        }
      }
    }
    for (let hour = 0; hour < 100; hour++) {
      for (let minute = 0; minute < 100; minute++) {
        for (const second of [0, 30, 59, 60, 99]) {
          const value = shape("2021", "02", "28", pad(hour), pad(minute), pad(second));
          equal(fastInstant(value), slowInstant(value), value);
          checked++;
        }
      }
    }
  }
  ok(checked > 300_000);
});

Deno.test("property: the instant check agrees with Date.parse on strings shaped almost like instants", () => {
  const char = fc.constantFrom(..."0123456789-: TZ.+x/é");
  const near = fc.tuple(
    fc.constantFrom("2021-06-15 10:20:30", "2021-06-15T10:20:30.123Z", "0000-01-01T00:00:00", "2024-02-29 23:59:59"),
    fc.array(fc.tuple(fc.nat(23), char), { maxLength: 3 }),
  ).map(([base, edits]) => {
    const chars = [...base];
    for (const [at, c] of edits) chars[at % chars.length] = c;
    return chars.join("");
  });
  fc.assert(
    fc.property(fc.oneof(near, fc.string({ maxLength: 30 })), (value) => {
      equal(fastInstant(value), slowInstant(value), value);
    }),
    { numRuns: 20_000 },
  );
});

Deno.test("a ticket marked as checked has only its other columns checked, and still exactly the columns", () => {
  const ticket = scoredTicket() as unknown as Record<string, unknown>;
  const read = ticketReader(["upload", "origin", "score"]);
  // Unmarked, a wrong upload column is found.
  const wrongAge = { ...ticket, customer_age: -1 };
  ok("problem" in read(wrongAge));
  // Marked for the upload and origin columns, they are taken as checked (the mark's promise), the others are not.
  markChecked(wrongAge, ["upload", "origin"]);
  deepStrictEqual(read(wrongAge), { ticket: wrongAge });
  const wrongScore = { ...ticket, p_low: 2 };
  markChecked(wrongScore, ["upload", "origin"]);
  deepStrictEqual(read(wrongScore), { problem: "p_low must be a number from 0 to 1, found 2" });
  // A field added after the check still makes a copy holding exactly the columns.
  const extra = { ...ticket, extra: 1 };
  markChecked(extra, ["upload", "origin"]);
  const copied = read(extra);
  ok("ticket" in copied && !("extra" in (copied.ticket as Record<string, unknown>)));
  // A copy (what a message from outside the process is) is checked in full.
  ok("problem" in readTicket(structuredClone(wrongAge), ["upload", "origin", "score"]));
});
