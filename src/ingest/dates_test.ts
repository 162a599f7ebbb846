import { equal } from "node:assert/strict";
import fc from "fast-check";
import { DateOrderDetector, orderEvidence, parseDate, parseDateTime } from "./dates.ts";

Deno.test("ISO dates read the same whatever the file's order", () => {
  equal(parseDate("2021-06-07", "DMY"), "2021-06-07");
  equal(parseDate("2021-06-07", "MDY"), "2021-06-07");
  equal(parseDateTime("2023-06-01 19:11:14", "MDY"), "2023-06-01 19:11:14");
  equal(parseDateTime("2023-06-01T19:11:14+02:00", "DMY"), "2023-06-01 17:11:14");
});

Deno.test("day-first spreadsheet exports, two- and four-digit years", () => {
  equal(parseDate("22-03-21", "DMY"), "2021-03-22");
  equal(parseDate("22-03-2021", "DMY"), "2021-03-22");
  equal(parseDateTime("01-06-23 12:15", "DMY"), "2023-06-01 12:15:00");
  equal(parseDateTime("01-06-23 12:15", "MDY"), "2023-01-06 12:15:00");
  equal(parseDate("14/07/99", "DMY"), "1999-07-14");
});

Deno.test("impossible dates are unreadable, never swapped", () => {
  equal(parseDate("31-02-21", "DMY"), null);
  equal(parseDate("03-25-21", "DMY"), null); // would only make sense month-first
  equal(parseDate("2021-13-01", "DMY"), null);
  equal(parseDateTime("01-06-23 25:00", "DMY"), null);
  equal(parseDate("yesterday", "DMY"), null);
  equal(parseDate("29-02-2020", "DMY"), "2020-02-29"); // leap years: every 4th, not centuries, but 400s
  equal(parseDate("29-02-2021", "DMY"), null);
  equal(parseDate("1900-02-29", "DMY"), null);
  equal(parseDate("2000-02-29", "DMY"), "2000-02-29");
});

Deno.test("date order: inferred from values that can only be read one way", () => {
  equal(orderEvidence("22-03-21"), "DMY");
  equal(orderEvidence("03-22-21"), "MDY");
  equal(orderEvidence("01-06-23 12:15"), null);
  equal(orderEvidence("2021-06-07"), null);

  const detector = new DateOrderDetector();
  for (const v of ["01-06-23", "03-22-21", "2021-06-07", "04-30-21"]) detector.observe(v);
  const report = detector.decide();
  equal(report.order, "MDY");
  equal(report.source, "inferred");
  equal(report.evidence.MDY, 2);

  equal(new DateOrderDetector().decide().source, "default");
  equal(detector.decide("DMY").source, "override");
});

/** parseDateTime as it was before its fast path for the usual shapes: the regular expressions only. */
function regexParseDateTime(value: string, order: "DMY" | "MDY"): string | null {
  const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
  const NUMERIC = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
  const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  const validDate = (y: number, m: number, d: number) =>
    m >= 1 && m <= 12 && d >= 1 &&
    d <= DAYS[m - 1] + (m === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 1 : 0);
  const validTime = (h: number, mi: number, s: number) => h <= 23 && mi <= 59 && s <= 59;
  const text = value.trim();
  let year: number, month: number, day: number, hour = 0, minute = 0, second = 0;
  const iso = ISO.exec(text);
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    [hour, minute, second] = [Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0)];
    if (!validDate(year, month, day) || !validTime(hour, minute, second)) return null;
    if (iso[7]) {
      const instant = new Date(text.replace(" ", "T"));
      if (Number.isNaN(instant.getTime())) return null;
      return instant.toISOString().slice(0, 19).replace("T", " ");
    }
  } else {
    const num = NUMERIC.exec(text);
    if (!num) return null;
    const [a, b] = [Number(num[1]), Number(num[2])];
    [day, month] = order === "DMY" ? [a, b] : [b, a];
    year = num[3].length === 4 ? Number(num[3]) : Number(num[3]) < 70 ? 2000 + Number(num[3]) : 1900 + Number(num[3]);
    [hour, minute, second] = [Number(num[4] ?? 0), Number(num[5] ?? 0), Number(num[6] ?? 0)];
    if (!validDate(year, month, day) || !validTime(hour, minute, second)) return null;
  }
  const p = (n: number) => String(n).padStart(2, "0");
  return `${String(year).padStart(4, "0")}-${p(month)}-${p(day)} ${p(hour)}:${p(minute)}:${p(second)}`;
}

const agree = (value: string) => {
  for (const order of ["DMY", "MDY"] as const) {
    const expected = regexParseDateTime(value, order);
    equal(parseDateTime(value, order), expected, value);
    equal(parseDate(value, order), expected?.slice(0, 10) ?? null, value);
  }
};

Deno.test("the usual shapes, read without a regular expression, read as the regular expression reads them", () => {
  const two = (n: number) => String(n).padStart(2, "0");
  for (const year of ["0000", "1900", "2000", "2021", "2024", "9999"]) {
    for (let month = 0; month < 100; month++) {
      for (let day = 0; day < 100; day++) {
        const date = `${year}-${two(month)}-${two(day)}`;
        agree(date);
        agree(`${date} 10:20:30`);
        agree(`${date}T23:59:59`);
      }
    }
  }
  for (let hour = 0; hour < 100; hour += 1) {
    for (let minute = 0; minute < 100; minute += 3) {
      for (const second of [0, 59, 60, 99]) agree(`2024-02-29 ${two(hour)}:${two(minute)}:${two(second)}`);
    }
  }
});

Deno.test("property: whatever the text, the fast path and the regular expression read it alike", () => {
  const char = fc.constantFrom(..."0123456789-:/. TZ+x");
  const near = fc.tuple(
    fc.constantFrom("2021-06-15", "2021-06-15 10:20:30", "2021-06-15T10:20:30", " 2024-02-29 ", "01-06-23 12:15"),
    fc.array(fc.tuple(fc.nat(20), char), { maxLength: 3 }),
  ).map(([base, edits]) => {
    const chars = [...base];
    for (const [at, c] of edits) chars[at % chars.length] = c;
    return chars.join("");
  });
  fc.assert(fc.property(fc.oneof(near, fc.string({ maxLength: 25 })), agree), { numRuns: 20_000 });
});

Deno.test("an offset that carries the instant out of years 0000 to 9999 makes it unreadable, not a six-digit year", () => {
  equal(parseDateTime("0000-01-01 00:00:00+14:00", "DMY"), null);
  equal(parseDateTime("9999-12-31T23:00:00-05:00", "DMY"), null);
  equal(parseDate("0000-01-01 00:00:00+14:00", "DMY"), null);
  equal(parseDateTime("9999-12-31T23:00:00+05:00", "DMY"), "9999-12-31 18:00:00");
});
