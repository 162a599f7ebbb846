/**
 * Matching an upload's header row to the ticket schema through a mapping (`mapping.ts`; a preset recognised from
 * the header when the upload names none): by name, ignoring case, surrounding spaces and a BOM, in any column
 * order. Only a ticket id and some text (a subject or a description) are required; every other column may be
 * missing and is then stored empty. Headers the mapping does not read are ignored, and those of personal data are
 * dropped; the summary lists both.
 *
 * @module
 */
import { type ColumnSpec, type Priority, UPLOAD_COLUMNS } from "../ticket/schema.ts";
import { UploadError } from "./errors.ts";
import { type Mapping, normaliseName, PERSONAL_HEADER, priorityTable } from "./mapping.ts";
import { detectPreset } from "./presets.ts";

/** An upload column of the schema and where it sits in this file's rows. */
export interface MappedColumn {
  spec: ColumnSpec;
  /** The file's own header for it (named in rejections and warnings). */
  header: string;
  /** Its field in each row; several when the export repeats the header (the first non-empty one is read). */
  indices: number[];
}

/** Which mapping an upload was read with, and how it was chosen. */
export interface MappingUsed {
  name: string;
  /** `detected` from the header, or `requested` by the upload. */
  chosen: "detected" | "requested";
}

/** How this file's fields map onto the schema. */
export interface HeaderMap {
  /** Schema columns present in the file. */
  columns: MappedColumn[];
  /** The number of fields every row must have. */
  width: number;
  mapping: MappingUsed;
  /** The mapping's priority values → ours, or null for "no priority" (`priorityTable`). */
  priorities: ReadonlyMap<string, Priority | null>;
  /** Schema columns the file does not have: stored empty. */
  missing: string[];
  /** Header names the mapping does not read; they are ignored. */
  ignored: string[];
  /** Header names of personal data: dropped, never read. */
  personal: string[];
}

/**
 * Maps a header row with `mapping`, or with the preset the header fits best when none is given.
 *
 * @throws {UploadError} 422 when no preset fits, when the id or every text column is missing, or when a column
 * the mapping reads is given twice (and the export does not repeat it by design).
 */
export function mapHeader(header: readonly string[], mapping?: Mapping): HeaderMap {
  const chosen = mapping ? "requested" : "detected";
  mapping ??= detectPreset(header);
  const positions = new Map<string, number[]>();
  header.forEach((name, index) => {
    const key = normaliseName(name);
    positions.set(key, [...(positions.get(key) ?? []), index]);
  });
  const repeatable = new Set(mapping.repeated.map(normaliseName));

  const columns: MappedColumn[] = [];
  const missing: string[] = [];
  const duplicated: string[] = [];
  const read = new Set<number>();
  for (const spec of UPLOAD_COLUMNS) {
    const headers = mapping.columns[spec.name as keyof Mapping["columns"]] ?? [];
    const found = headers.map(normaliseName).find((h) => positions.has(h));
    if (found === undefined) {
      missing.push(spec.name);
      continue;
    }
    const indices = positions.get(found)!;
    if (indices.length > 1 && !repeatable.has(found)) duplicated.push(header[indices[0]].trim());
    for (const i of indices) read.add(i);
    columns.push({ spec, header: header[indices[0]].trim(), indices });
  }
  const needed = (name: string) => mapping.columns[name as keyof Mapping["columns"]]?.join(" or ") ?? name;
  if (missing.includes("ticket_id")) {
    throw new UploadError(422, `The header has no ticket id column (${mapping.name}: ${needed("ticket_id")})`, {
      missing_columns: ["ticket_id"],
      mapping: mapping.name,
    });
  }
  if (missing.includes("ticket_subject") && missing.includes("ticket_description")) {
    throw new UploadError(
      422,
      `The header has no text to triage: a subject or a description column is needed (${mapping.name}: ` +
        `${needed("ticket_subject")}, ${needed("ticket_description")})`,
      { missing_columns: ["ticket_subject", "ticket_description"], mapping: mapping.name },
    );
  }
  if (duplicated.length > 0) {
    throw new UploadError(422, `The header names a column more than once: ${duplicated.join(", ")}`, {
      duplicated_columns: duplicated,
    });
  }
  const ignored: string[] = [], personal: string[] = [];
  header.forEach((name, index) => {
    const trimmed = name.trim(); // a byte-order mark is white space to trim()
    if (read.has(index) || trimmed === "") return;
    const list = PERSONAL_HEADER.test(trimmed) ? personal : ignored;
    if (!list.includes(trimmed)) list.push(trimmed);
  });
  return {
    columns,
    width: header.length,
    mapping: { name: mapping.name, chosen },
    priorities: priorityTable(mapping),
    missing,
    ignored,
    personal,
  };
}
