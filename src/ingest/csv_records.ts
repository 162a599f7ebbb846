/**
 * Streaming CSV records out of a byte stream, each with the physical line it starts on: UTF-8 decoding (a BOM
 * dropped, anything else not UTF-8 refused), a guard against binary bodies, the scanner (`csv_scanner.ts`), and
 * errors an uploader can act on. Memory is bounded by one chunk and the largest record, never by the file.
 *
 * @module
 */
import { CsvScanner, type ScannedRecord } from "./csv_scanner.ts";
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

/** Refuses a body that is plainly not text before a single row is read. */
function assertText(firstBytes: Uint8Array): void {
  if (firstBytes.subarray(0, 8192).includes(0)) {
    throw new UploadError(415, "The upload is binary data, not CSV text (it contains NUL bytes)");
  }
}

/**
 * Yields the records of a CSV byte stream, a chunk's worth at a time (an await per record would cost more than
 * scanning it). Ends with a {@linkcode CsvBreak} as its return value when the file
 * breaks off in a way no later row can recover from (an unclosed quote, a record over
 * {@linkcode MAX_RECORD_BYTES}); `undefined` when it was read to the end. Every record before a break is
 * yielded.
 *
 * @throws {UploadError} 415 for binary or non-UTF-8 bodies.
 */
export async function* csvRecords(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<CsvRecord[], CsvBreak | undefined> {
  const scanner = new CsvScanner(MAX_RECORD_BYTES);
  const decoder = new TextDecoder("utf-8", { fatal: true }); // also drops a leading BOM
  let first = true;
  let line = 1;
  const reader = body.getReader();
  // One read ahead: the next chunk arrives while this one is scanned, rather than after.
  let next = reader.read();
  try {
    while (true) {
      const { done, value: bytes } = await next;
      if (done) break;
      next = reader.read();
      if (first) assertText(bytes), first = false;
      const found: ScannedRecord[] = [];
      scanner.push(decoder.decode(bytes, { stream: true }), found);
      if (found.length > 0) yield found, line = found[found.length - 1].line;
      if (scanner.broken) break;
    }
    if (!scanner.broken) {
      const found: ScannedRecord[] = [];
      scanner.push(decoder.decode(), found, true);
      if (found.length > 0) yield found;
    }
  } catch (error) {
    if (error instanceof TypeError && /decode|encoded|invalid/i.test(error.message)) {
      throw new UploadError(415, `The upload is not UTF-8 text (after line ${line}); export the CSV as UTF-8`);
    }
    throw error;
  } finally {
    // Stopped early (a break, an error, the caller gone): the read ahead is not wanted, nor the rest of the body.
    next.catch(() => {});
    reader.cancel().catch(() => {});
  }
  const broken = scanner.broken;
  if (!broken) return undefined;
  if (broken.reason === "unclosed_quote") {
    return { line: broken.line, reason: "a quoted field opened on this line is never closed" };
  }
  return {
    line: broken.line,
    reason:
      `the record starting on this line is over ${MAX_RECORD_BYTES} characters (an unclosed quote?); reading stopped`,
  };
}
