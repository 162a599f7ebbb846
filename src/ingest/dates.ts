/**
 * Reading dates from ticket exports: ISO 8601 (`2021-06-07`, `2023-06-01 19:11:14`) and spreadsheet exports
 * that write day and month as numbers (`22-03-21`, `22-03-2021`, `01-06-23 12:15`), or name the month in English
 * (Jira's default, `25/Feb/26 10:17 PM`). Whether a file of numeric dates is
 * day-first or month-first is decided once per file, from evidence in the data (a first number above 12 can only
 * be a day), and reported; it is never guessed value by value.
 *
 * @module
 */

/** How a numeric date names its parts. ISO dates are always year-month-day whatever the file's order. */
export type DateOrder = "DMY" | "MDY";

/** The date order an upload used, and why. */
export interface DateOrderReport {
  order: DateOrder;
  /**
   * `override`: the uploader said so; `inferred`: the data showed it; `default`: no value in the file told
   * day from month (every number ≤ 12, or only ISO dates), so the default (day-first) was used.
   */
  source: "override" | "inferred" | "default";
  /** Values that could only be read one way, per order, among those examined. */
  evidence: Record<DateOrder, number>;
}

/** The order used when a file's numeric dates never tell day from month. */
export const DEFAULT_DATE_ORDER: DateOrder = "DMY";

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/;
const NUMERIC = /^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
/** Day, month name, year, and a time on the 24- or 12-hour clock: `25/Feb/26 10:17 PM`, `5 January 2024 09:30`. */
const NAMED =
  /^(\d{1,2})[-/ ]([A-Za-z]{3,9})\.?[-/ ](\d{4}|\d{2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp])\.?[Mm]\.?)?)?$/;
const MONTHS = "january february march april may june july august september october november december".split(" ");

/** 1-12 for a month's English name or its abbreviation (`Feb`, `Sept`), 0 for anything else. */
function monthOfName(name: string): number {
  const lower = name.toLowerCase();
  return MONTHS.findIndex((month) => month.startsWith(lower) || (lower === "sept" && month === "september")) + 1;
}

/**
 * Which order a value proves, if any: `"DMY"` for `22-03-21`, `"MDY"` for `03-22-21`, `null` for `01-06-23`
 * (could be either) or for anything that is not a numeric date.
 */
export function orderEvidence(value: string): DateOrder | null {
  const m = NUMERIC.exec(value.trim());
  if (!m) return null;
  const first = Number(m[1]), second = Number(m[2]);
  if (first > 12 && second >= 1 && second <= 12) return "DMY";
  if (second > 12 && first >= 1 && first <= 12) return "MDY";
  return null;
}

/** Collects evidence about a file's date order from its first rows, then decides. */
export class DateOrderDetector {
  readonly #evidence: Record<DateOrder, number> = { DMY: 0, MDY: 0 };

  /** Looks at one date cell. */
  observe(value: string): void {
    const order = orderEvidence(value);
    if (order) this.#evidence[order]++;
  }

  /** The order the evidence supports (the majority), or the default when there is none. */
  decide(override?: DateOrder): DateOrderReport {
    const evidence = { ...this.#evidence };
    if (override) return { order: override, source: "override", evidence };
    if (evidence.DMY === 0 && evidence.MDY === 0) return { order: DEFAULT_DATE_ORDER, source: "default", evidence };
    return { order: evidence.MDY > evidence.DMY ? "MDY" : "DMY", source: "inferred", evidence };
  }
}

/** Two-digit strings for 0–59, so formatting a date builds no temporary strings. */
const TWO_DIGITS = Array.from({ length: 60 }, (_, n) => String(n).padStart(2, "0"));
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(year: number, month: number, day: number): boolean {
  if (month < 1 || month > 12 || day < 1) return false;
  const leap = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= DAYS_IN_MONTH[month - 1] + (leap ? 1 : 0);
}

function validTime(hour: number, minute: number, second: number): boolean {
  return hour <= 23 && minute <= 59 && second <= 59;
}

/** Two-digit years: 00–69 are 2000–2069, 70–99 are 1970–1999 (the POSIX `strptime` rule). */
function fullYear(text: string): number {
  const year = Number(text);
  if (text.length === 4) return year;
  return year < 70 ? 2000 + year : 1900 + year;
}

/**
 * Reads a date or date-time. Returns `YYYY-MM-DD HH:MM:SS` (midnight for a date alone), or `null` when the value
 * is not a date, or names a day that does not exist under `order` (`31-02-21`, or `03-25-21` read day-first).
 * A value with a UTC offset is converted to UTC.
 */
export function parseDateTime(value: string, order: DateOrder): string | null {
  const text = value.trim();
  const canonical = canonicalShape(text);
  if (canonical === 19) {
    if (!validCanonical(text, 19)) return null;
    return text.charCodeAt(10) === 32 ? text : `${text.slice(0, 10)} ${text.slice(11)}`;
  }
  if (canonical === 10) return validCanonical(text, 10) ? `${text} 00:00:00` : null;
  let year: number, month: number, day: number, hour = 0, minute = 0, second = 0;
  const iso = ISO.exec(text);
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
    [hour, minute, second] = [Number(iso[4] ?? 0), Number(iso[5] ?? 0), Number(iso[6] ?? 0)];
    if (!validDate(year, month, day) || !validTime(hour, minute, second)) return null;
    if (iso[7]) {
      const instant = new Date(text.replace(" ", "T"));
      if (Number.isNaN(instant.getTime())) return null;
      const utc = instant.toISOString();
      // The offset can carry year 0000 or 9999 out of four digits (`-000001-12-31T…`): not a date the store takes.
      if (utc.length !== 24) return null;
      return utc.slice(0, 19).replace("T", " ");
    }
  } else if (NUMERIC.test(text)) {
    const num = NUMERIC.exec(text)!;
    const [a, b] = [Number(num[1]), Number(num[2])];
    [day, month] = order === "DMY" ? [a, b] : [b, a];
    year = fullYear(num[3]);
    [hour, minute, second] = [Number(num[4] ?? 0), Number(num[5] ?? 0), Number(num[6] ?? 0)];
    if (!validDate(year, month, day) || !validTime(hour, minute, second)) return null;
  } else {
    const named = NAMED.exec(text);
    if (!named) return null;
    month = monthOfName(named[2]);
    [day, year] = [Number(named[1]), fullYear(named[3])];
    [hour, minute, second] = [Number(named[4] ?? 0), Number(named[5] ?? 0), Number(named[6] ?? 0)];
    if (named[7]) {
      if (hour < 1 || hour > 12) return null;
      hour = (hour % 12) + (named[7].toLowerCase() === "p" ? 12 : 0);
    }
    if (!validDate(year, month, day) || !validTime(hour, minute, second)) return null;
  }
  const d = TWO_DIGITS;
  return `${String(year).padStart(4, "0")}-${d[month]}-${d[day]} ${d[hour]}:${d[minute]}:${d[second]}`;
}

/** Reads a calendar date: like {@linkcode parseDateTime}, returning `YYYY-MM-DD` (a time part is dropped). */
export function parseDate(value: string, order: DateOrder): string | null {
  const text = value.trim();
  if (canonicalShape(text) === 10) return validCanonical(text, 10) ? text : null;
  return parseDateTime(value, order)?.slice(0, 10) ?? null;
}

/** Where `YYYY-MM-DD HH:MM:SS` has its digits. */
const CANONICAL_DIGITS = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18];

/**
 * 10 for `YYYY-MM-DD`, 19 for `YYYY-MM-DD HH:MM:SS` (or with a `T`), 0 for any other text. These shapes, what
 * exports and the app itself write, are read without a regular expression: {@linkcode ISO} reads them the same way,
 * but its match arrays and the numbers taken out of them were a fifth of everything an upload allocated.
 */
function canonicalShape(text: string): 0 | 10 | 19 {
  const length = text.length;
  if (length !== 10 && length !== 19) return 0;
  for (const at of CANONICAL_DIGITS) {
    if (at >= length) break;
    const c = text.charCodeAt(at);
    if (c < 48 || c > 57) return 0;
  }
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45) return 0;
  if (length === 10) return 10;
  const separator = text.charCodeAt(10);
  if (separator !== 32 && separator !== 84) return 0;
  return text.charCodeAt(13) === 58 && text.charCodeAt(16) === 58 ? 19 : 0;
}

/** The number written by the digits of `text` from `at` to `end`. */
function digitsAt(text: string, at: number, end: number): number {
  let n = 0;
  for (let i = at; i < end; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/** Whether a text of {@linkcode canonicalShape} `length` names a day (and time) that exists. */
function validCanonical(text: string, length: 10 | 19): boolean {
  if (!validDate(digitsAt(text, 0, 4), digitsAt(text, 5, 7), digitsAt(text, 8, 10))) return false;
  return length === 10 || validTime(digitsAt(text, 11, 13), digitsAt(text, 14, 16), digitsAt(text, 17, 19));
}
