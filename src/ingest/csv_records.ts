/**
 * Streaming CSV records out of a byte stream, each with the physical line it starts on. Parsing is csv-parse's
 * (RFC 4180 quoting, quoted newlines, CRLF or LF, a BOM); this module adds line numbers, a guard against binary
 * bodies, and errors an uploader can act on. Memory is bounded by the largest record, never by the file.
 *
 * @module
 */
import { parse } from "csv-parse/stream";
import { UploadError } from "./errors.ts";

/** One CSV record and the 1-based line where it starts. */
export interface CsvRecord {
  fields: string[];
  line: number;
}

/** The largest record read before the file is judged broken (an unclosed quote swallowing the rest, say). */
export const MAX_RECORD_BYTES = 1024 * 1024;

/** What ended the stream early, when it did: the records before it were delivered. */
export interface CsvBreak {
  line: number;
  reason: string;
}

function countNewlines(fields: readonly string[]): number {
  let count = 0;
  for (const field of fields) {
    for (let i = field.indexOf("\n"); i !== -1; i = field.indexOf("\n", i + 1)) count++;
  }
  return count;
}

/** Refuses a body that is plainly not text before a single row is read. */
function assertText(firstBytes: Uint8Array): void {
  if (firstBytes.subarray(0, 8192).includes(0)) {
    throw new UploadError(415, "The upload is binary data, not CSV text (it contains NUL bytes)");
  }
}

/**
 * Yields the records of a CSV byte stream. Ends with a {@linkcode CsvBreak} as its return value when the file
 * breaks off in a way no later row can recover from (an unclosed quote, a record over
 * {@linkcode MAX_RECORD_BYTES}); `undefined` when it was read to the end.
 *
 * Records are taken from the parser as it finds them (`on_record`), not from its output stream: a stream that
 * errors drops what it had queued, and every record before a break must still be counted.
 *
 * @throws {UploadError} 415 for binary or non-UTF-8 bodies.
 */
export async function* csvRecords(body: ReadableStream<Uint8Array>): AsyncGenerator<CsvRecord, CsvBreak | undefined> {
  const found: { fields: string[]; emptyLines: number }[] = [];
  const parser = parse({
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: ["\r\n", "\n"],
    max_record_size: MAX_RECORD_BYTES,
    on_record: (fields: string[], info: { empty_lines: number }) => {
      found.push({ fields, emptyLines: info.empty_lines });
      return null; // taken here; nothing goes to the output stream
    },
  });
  const writer = parser.writable.getWriter();
  parser.readable.pipeTo(new WritableStream()).catch(() => {});
  const utf8 = new TextDecoder("utf-8", { fatal: true }); // only to refuse text that is not UTF-8

  let consumed = 0; // physical lines taken by the records so far
  let line = 1; // where the next record starts, as far as known
  let parseError: unknown = null;
  function* drain(): Generator<CsvRecord> {
    for (const record of found) {
      line = 1 + consumed + record.emptyLines;
      consumed += 1 + countNewlines(record.fields);
      yield { fields: record.fields, line };
      line = 1 + consumed + record.emptyLines;
    }
    found.length = 0;
  }

  let first = true;
  try {
    for await (const bytes of body) {
      if (first) assertText(bytes), first = false;
      utf8.decode(bytes, { stream: true });
      await writer.write(bytes).catch((error) => parseError = error);
      yield* drain();
      if (parseError) break;
    }
    if (!parseError) {
      utf8.decode();
      await writer.close().catch((error) => parseError = error);
      yield* drain();
    }
  } catch (error) {
    if (error instanceof TypeError && /decode|encoded|invalid/i.test(error.message)) {
      throw new UploadError(415, `The upload is not UTF-8 text (from line ${line} on); export the CSV as UTF-8`);
    }
    throw error;
  }
  if (!parseError) return undefined;
  const code = (parseError as { code?: string }).code;
  if (code === "CSV_QUOTE_NOT_CLOSED") return { line, reason: "a quoted field opened on this line is never closed" };
  if (code === "CSV_MAX_RECORD_SIZE") {
    return {
      line,
      reason:
        `the record starting on this line is over ${MAX_RECORD_BYTES} bytes (an unclosed quote?); reading stopped`,
    };
  }
  throw parseError;
}
