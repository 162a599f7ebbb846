/**
 * Streaming CSV records out of a byte stream, each with the physical line it starts on. Parsing is csv-parse's
 * (RFC 4180 quoting, quoted newlines, CRLF or LF, a BOM); this module adds line numbers, a guard against binary
 * bodies, and errors an uploader can act on. Memory is bounded by the largest record, never by the file.
 *
 * @module
 */
import { parse } from "csv-parse";
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
 * @throws {UploadError} 415 for binary or non-UTF-8 bodies.
 */
export async function* csvRecords(body: ReadableStream<Uint8Array>): AsyncGenerator<CsvRecord, CsvBreak | undefined> {
  const parser = parse({
    bom: true,
    info: true,
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
    record_delimiter: ["\r\n", "\n"],
    max_record_size: MAX_RECORD_BYTES,
  });

  const decoder = new TextDecoder("utf-8", { fatal: true });
  let feedError: unknown = null;
  const feeding = (async () => {
    let first = true;
    try {
      for await (const bytes of body) {
        if (first) assertText(bytes), first = false;
        const text = decoder.decode(bytes, { stream: true });
        if (!parser.write(text)) await new Promise((resolve) => parser.once("drain", resolve));
      }
      decoder.decode();
      parser.end();
    } catch (error) {
      feedError = error instanceof TypeError && /decode|encoded/i.test(error.message)
        ? new UploadError(415, "The upload is not UTF-8 text; export the CSV as UTF-8")
        : error;
      parser.destroy();
    }
  })();

  let consumed = 0; // physical lines taken by the records so far
  let line = 1;
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { empty_lines: number } }>) {
      line = 1 + consumed + info.empty_lines;
      consumed += 1 + countNewlines(record);
      yield { fields: record, line };
      line = 1 + consumed + info.empty_lines;
    }
  } catch (error) {
    if (feedError) throw feedError;
    const code = (error as { code?: string }).code;
    if (code === "CSV_QUOTE_NOT_CLOSED") {
      return { line, reason: "a quoted field opened on this line is never closed" };
    }
    if (code === "CSV_MAX_RECORD_SIZE") {
      return {
        line,
        reason:
          `the record starting on this line is over ${MAX_RECORD_BYTES} bytes (an unclosed quote?); reading stopped`,
      };
    }
    throw error;
  } finally {
    parser.destroy();
    await feeding;
  }
  if (feedError) throw feedError;
  return undefined;
}
