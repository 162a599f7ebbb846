import { equal } from "node:assert/strict";
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
