/**
 * Matching an upload's header row to the ticket schema: by name, ignoring case, surrounding spaces and a BOM,
 * in any column order. Missing required columns refuse the upload, all of them named at once.
 *
 * @module
 */
import { type ColumnSpec, PERSONAL_HEADERS, UPLOAD_COLUMNS } from "../ticket/schema.ts";
import { UploadError } from "./errors.ts";

/** An upload column of the schema and where it sits in this file's rows. */
export interface MappedColumn {
  spec: ColumnSpec;
  index: number;
}

/** How this file's fields map onto the schema. */
export interface HeaderMap {
  /** Schema columns present in the file. */
  columns: MappedColumn[];
  /** The number of fields every row must have. */
  width: number;
  /** Header names the schema does not know; they are ignored (and reported). */
  ignored: string[];
}

function normalise(name: string): string {
  return name.replace(/^\uFEFF/, "").trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * Maps a header row.
 *
 * @throws {UploadError} 422 naming every missing required column, or a column given twice.
 */
export function mapHeader(header: readonly string[]): HeaderMap {
  const positions = new Map<string, number[]>();
  header.forEach((name, index) => {
    const key = normalise(name);
    positions.set(key, [...(positions.get(key) ?? []), index]);
  });

  const columns: MappedColumn[] = [];
  const missing: string[] = [];
  const duplicated: string[] = [];
  for (const spec of UPLOAD_COLUMNS) {
    const found = positions.get(normalise(spec.header!));
    if (!found) {
      if (spec.requiredColumn) missing.push(spec.header!);
      continue;
    }
    if (found.length > 1) duplicated.push(spec.header!);
    columns.push({ spec, index: found[0] });
  }
  if (missing.length > 0) {
    throw new UploadError(
      422,
      `The header is missing ${missing.length === 1 ? "a required column" : "required columns"}: ${missing.join(", ")}`,
      { missing_columns: missing },
    );
  }
  if (duplicated.length > 0) {
    throw new UploadError(422, `The header names a column more than once: ${duplicated.join(", ")}`, {
      duplicated_columns: duplicated,
    });
  }
  const known = new Set([...UPLOAD_COLUMNS.map((c) => c.header!), ...PERSONAL_HEADERS].map(normalise));
  const ignored = header.filter((name) => !known.has(normalise(name)) && name.trim() !== "");
  return { columns, width: header.length, ignored };
}
