import { deepStrictEqual } from "node:assert/strict";
import { parse } from "csv-parse/sync";
import fc from "fast-check";
import { CsvScanner, type ScannedRecord } from "./csv_scanner.ts";

function scan(text: string, cuts: number[] = []): { records: ScannedRecord[]; broken: unknown } {
  const scanner = new CsvScanner(1 << 20);
  const records: ScannedRecord[] = [];
  let from = 0;
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    scanner.push(text.slice(from, cut), records);
    from = cut;
  }
  scanner.push(text.slice(from), records);
  scanner.push("", records, true);
  return { records, broken: scanner.broken };
}

Deno.test("quoted fields, doubled quotes, CRLF and LF, empty lines, line numbers", () => {
  const text = 'a,"b ""x"", c"\r\n\r\n1,"two\r\nlines"\n"",\nend';
  deepStrictEqual(scan(text).records, [
    { fields: ["a", 'b "x", c'], line: 1 },
    { fields: ["1", "two\r\nlines"], line: 3 },
    { fields: ["", ""], line: 5 },
    { fields: ["end"], line: 6 },
  ]);
});

Deno.test("stray quotes are text; an unclosed quote breaks off where its record starts", () => {
  deepStrictEqual(scan('ab"c,"d"e\n').records, [{ fields: ['ab"c', "de"], line: 1 }]);
  const { records, broken } = scan('ok\n"never closed,\nmore\n');
  deepStrictEqual(records, [{ fields: ["ok"], line: 1 }]);
  deepStrictEqual(broken, { line: 2, reason: "unclosed_quote" });
});

Deno.test("a record longer than the limit stops the scan", () => {
  const scanner = new CsvScanner(10);
  const records: ScannedRecord[] = [];
  scanner.push('x\n"aaaaaaaaaaaaaaaaaaaa', records);
  deepStrictEqual(records.map((r) => r.fields), [["x"]]);
  deepStrictEqual(scanner.broken, { line: 2, reason: "record_too_large" });
});

/** A CSV field and how it is written. */
const field = fc.oneof(
  fc.stringMatching(/^[a-z0-9 ]{0,6}$/).map((v) => ({ value: v, text: v })),
  fc.array(fc.constantFrom("a", ",", '"', "\n", "\r\n", " "), { maxLength: 6 }).map((parts) => {
    const value = parts.join("");
    return { value, text: `"${value.replaceAll('"', '""')}"` };
  }),
);
const record = fc.array(field, { minLength: 1, maxLength: 5 }).map((fields) =>
  // A lone empty unquoted field would be an empty line, which CSV cannot tell from one.
  fields.length === 1 && fields[0].text === "" ? [{ value: "", text: '""' }] : fields
);
const csv = fc.array(
  fc.record({ fields: record, end: fc.constantFrom("\n", "\r\n"), blankBefore: fc.boolean() }),
  { minLength: 1, maxLength: 12 },
);

Deno.test("any well-formed CSV, cut into any chunks, reads back as written and as csv-parse reads it", () => {
  fc.assert(
    fc.property(csv, fc.array(fc.nat(), { maxLength: 6 }), (rows, rawCuts) => {
      let text = "";
      let line = 1;
      const expected: ScannedRecord[] = [];
      for (const row of rows) {
        if (row.blankBefore) text += row.end, line++;
        expected.push({ fields: row.fields.map((f) => f.value), line });
        const written = row.fields.map((f) => f.text).join(",");
        text += written + row.end;
        line += 1 + (written.match(/\n/g)?.length ?? 0);
      }
      const cuts = rawCuts.map((c) => c % (text.length + 1));
      const { records, broken } = scan(text, cuts);
      deepStrictEqual(broken, null);
      deepStrictEqual(records, expected);
      const oracle = parse(text, {
        relax_column_count: true,
        skip_empty_lines: true,
        record_delimiter: ["\r\n", "\n"],
      }) as string[][];
      deepStrictEqual(records.map((r) => r.fields), oracle);
    }),
    { numRuns: 2000 },
  );
});
