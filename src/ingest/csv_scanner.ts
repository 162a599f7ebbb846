/**
 * An incremental RFC 4180 scanner: text chunks in, records out, each with the physical line it starts on.
 *
 * Why not a library: of the streaming CSV parsers measured here, csv-parse is correct but several times slower than
 * the whole upload may take (`bench/HISTORY.md`, "Figures behind the code"), and uDSV, the fast one,
 * silently merges a row that has too few or too many fields into its neighbours, which would lose rows without a
 * trace. This scanner does only what uploads need, and its tests check it against csv-parse on generated input.
 *
 * Accepted: quoted fields with `""` escapes and embedded commas, LF or CRLF newlines (also inside quotes), LF or
 * CRLF line ends mixed in one file, empty lines (skipped but counted), a quote inside an unquoted field (kept as
 * text), text after a closing quote (kept as text). A leading BOM is the caller's to strip.
 *
 * @module
 */

/** A record and the 1-based line it starts on. */
export interface ScannedRecord {
  fields: string[];
  line: number;
}

/** Why scanning stopped before the end, with the line of the record that broke off. */
export interface ScanBreak {
  line: number;
  reason: "unclosed_quote" | "record_too_large";
}

const QUOTE = 34; // "
const COMMA = 44;
const CR = 13;
const LF = 10;

/** Scans CSV text handed over in chunks. */
export class CsvScanner {
  readonly #maxRecordChars: number;
  #pending = ""; // the start of a record whose end has not arrived yet
  #line = 1; // the line the next record starts on
  #broken: ScanBreak | null = null;

  /** @param maxRecordChars a record longer than this stops the scan (an unclosed quote swallowing the file). */
  constructor(maxRecordChars: number) {
    this.#maxRecordChars = maxRecordChars;
  }

  /** Why the scan stopped, once it has. */
  get broken(): ScanBreak | null {
    return this.#broken;
  }

  /**
   * Scans the next chunk (or, with `final`, what is left) and appends complete records to `out`.
   * After a break, further input is ignored.
   */
  push(chunk: string, out: ScannedRecord[], final = false): void {
    if (this.#broken) return;
    const text = this.#pending === "" ? chunk : this.#pending + chunk;
    let at = 0;
    while (at < text.length) {
      const end = this.#record(text, at, out, final);
      if (end === -1) break; // incomplete: wait for more text
      at = end;
    }
    this.#pending = at < text.length ? text.slice(at) : "";
    if (this.#pending.length > this.#maxRecordChars) {
      this.#broken = { line: this.#line, reason: "record_too_large" };
    } else if (final && this.#pending !== "") {
      this.#broken = { line: this.#line, reason: "unclosed_quote" };
    }
  }

  /** Scans one record starting at `start`; answers where the next one starts, or -1 if it is not complete yet. */
  #record(text: string, start: number, out: ScannedRecord[], final: boolean): number {
    const length = text.length;
    // An empty line (LF or CRLF) is no record, but it is a line.
    if (text.charCodeAt(start) === LF) return this.#line++, start + 1;
    if (text.charCodeAt(start) === CR && text.charCodeAt(start + 1) === LF) return this.#line++, start + 2;

    const fields: string[] = [];
    let newlines = 0;
    let at = start;
    let lineEnd = text.indexOf("\n", at);
    while (true) {
      let value: string;
      if (text.charCodeAt(at) === QUOTE) {
        // Quoted: runs up to a quote not followed by another quote; "" stands for one quote.
        let from = at + 1;
        value = "";
        while (true) {
          const quote = text.indexOf('"', from);
          if (quote === -1) return -1;
          if (text.charCodeAt(quote + 1) === QUOTE) {
            value += text.slice(from, quote + 1);
            from = quote + 2;
            continue;
          }
          if (quote + 1 === length && !final) return -1; // the next chunk might start with a quote
          value += text.slice(from, quote);
          at = quote + 1;
          break;
        }
        for (let i = value.indexOf("\n"); i !== -1; i = value.indexOf("\n", i + 1)) newlines++;
        lineEnd = text.indexOf("\n", at);
        // Text after the closing quote, up to the next delimiter, is kept as it stands.
        const next = text.charCodeAt(at);
        if (at < length && next !== COMMA && next !== LF && !(next === CR && text.charCodeAt(at + 1) === LF)) {
          const stop = this.#fieldEnd(text, at, lineEnd);
          if (stop === -1 && !final) return -1;
          const tailEnd = stop === -1 ? length : stop;
          value += this.#trimCr(text, at, tailEnd, lineEnd);
          at = tailEnd;
        }
      } else {
        const stop = this.#fieldEnd(text, at, lineEnd);
        if (stop === -1 && !final) return -1;
        const fieldEnd = stop === -1 ? length : stop;
        value = this.#trimCr(text, at, fieldEnd, lineEnd);
        at = fieldEnd;
      }
      fields.push(value);
      const delimiter = text.charCodeAt(at);
      if (delimiter === COMMA) {
        at++;
        if (at === length && !final) return -1;
        continue;
      }
      if (delimiter === CR) at++; // CRLF after a quoted field
      out.push({ fields, line: this.#line });
      this.#line += 1 + newlines;
      return at >= length ? length : at + 1;
    }
  }

  /** Where an unquoted field ends: the next comma or line end, or -1 when neither has arrived. */
  #fieldEnd(text: string, from: number, lineEnd: number): number {
    const comma = text.indexOf(",", from);
    if (comma !== -1 && (lineEnd === -1 || comma < lineEnd)) return comma;
    return lineEnd;
  }

  /** The field's text, without the CR of a CRLF line end. */
  #trimCr(text: string, from: number, to: number, lineEnd: number): string {
    return to === lineEnd && to > from && text.charCodeAt(to - 1) === CR
      ? text.slice(from, to - 1)
      : text.slice(from, to);
  }
}
