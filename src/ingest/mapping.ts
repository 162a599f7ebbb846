/**
 * Column mappings: how a helpdesk export names the ticket schema's columns and its priorities. A mapping says, for
 * each schema column, which header(s) of the export hold it, and which of the export's priority values mean which
 * of ours. Built-in presets (`presets.ts`) are recognised from an upload's header; a team's own mapping is a small
 * JSON or YAML file of the same shape ({@linkcode parseMapping}), kept by the app under `DATA_DIR/mappings/`.
 *
 * A mapping file:
 * ```yaml
 * name: our-desk            # optional: the file's name otherwise
 * extends: freshdesk        # optional: start from a preset, change what follows
 * columns:                  # schema column: the export's header, or a list of headers (the first present wins)
 *   ticket_id: Case Number
 *   ticket_subject: Title
 *   ticket_description: [Body, Details]
 *   priority_label: Severity
 * priorities:               # the export's value (any case): Low, Medium, High, Critical, or null (unlabelled)
 *   Sev1: Critical
 *   Sev2: High
 * ```
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { PRIORITIES, type Priority, UPLOAD_COLUMNS } from "../ticket/schema.ts";
import { UploadError } from "./errors.ts";

/** The name of a column an upload can carry (`ticket_id`, `ticket_subject`...). */
export type UploadColumnName = typeof UPLOAD_COLUMNS[number]["name"];

/** How one export is read. */
export interface Mapping {
  /** How uploads and summaries name it: a preset's name, or a team's. */
  readonly name: string;
  /** One line for people choosing a mapping. */
  readonly description: string;
  /** Where it comes from: built in, or a team's file. */
  readonly source: "preset" | "file";
  /** Schema column → the headers that may hold it in this export (matched ignoring case and spaces; first wins). */
  readonly columns: Readonly<Partial<Record<UploadColumnName, readonly string[]>>>;
  /**
   * The export's priority values (matched ignoring case and surrounding spaces) → ours; null marks a value that
   * means "no priority". Values not listed here are kept unlabelled, with a warning.
   */
  readonly priorities: Readonly<Record<string, Priority | null>>;
  /** Headers this export writes once per value (Jira's `Component/s`): the first non-empty one is read. */
  readonly repeated: readonly string[];
}

/** Header and value matching: case, surrounding and repeated spaces and a byte-order mark do not matter. */
export function normaliseName(name: string): string {
  return name.replace(/^\uFEFF/, "").trim().replace(/\s+/g, " ").toLowerCase();
}

/**
 * Headers that name personal data: a person's role in the ticket (requester, reporter, assignee...) alone or with
 * its id, e-mail, name or domain, a person's name, an e-mail address, a phone number, a social account. Never read
 * into a ticket, whatever a mapping says, and reported as dropped. ("Requester wait time" is not personal data.)
 */
export const PERSONAL_HEADER = new RegExp(
  [
    String.raw`\b(e-?mail|phone|mobile)\b`,
    String.raw`^(requester|reporter|assignee|submitter|creator|watchers?|project lead|contact|customer|agent)` +
    String.raw`( (id|external id|e-?mail|name|domain))?$`,
    String.raw`\b(full|first|last|customer|contact|user|requester|reporter) name\b`,
    String.raw`\b(twitter|facebook)( id)?\b`,
  ].join("|"),
  "i",
);

/** The priority values every mapping knows (helpdesks' common words), unless it says otherwise. */
export const COMMON_PRIORITIES: Readonly<Record<string, Priority>> = {
  ...Object.fromEntries(PRIORITIES.map((p) => [p, p])),
  Urgent: "Critical",
  Highest: "Critical",
  Blocker: "Critical",
  P1: "Critical",
  P2: "High",
  Normal: "Medium",
  P3: "Medium",
  Lowest: "Low",
  Minor: "Low",
  Trivial: "Low",
  P4: "Low",
  P5: "Low",
};

const COLUMN_NAMES = new Set<string>(UPLOAD_COLUMNS.map((c) => c.name));
const PRIORITY_NAMES = new Map(PRIORITIES.map((p) => [p.toLowerCase(), p]));

/** A mapping name: letters, digits, `-` and `_`, up to 64 characters (it names a file). */
export const MAPPING_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** The schema columns a mapping may fill, for error messages. */
const columnList = () => [...COLUMN_NAMES].join(", ");

/**
 * Reads a mapping file's text (JSON or YAML) and checks it; `presets` are what `extends` may name.
 *
 * @param fallbackName the name when the file gives none (its file name, say).
 * @throws {UploadError} 422 saying what is wrong with the file.
 */
export function parseMapping(text: string, fallbackName: string, presets: readonly Mapping[]): Mapping {
  let raw: unknown;
  try {
    raw = parseYaml(text); // YAML is a superset of JSON: one parser reads both
  } catch (error) {
    throw invalid(`it is neither JSON nor YAML (${(error as Error).message.split("\n")[0]})`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw invalid("expected an object with columns (and optionally name, extends, priorities, repeated)");
  }
  const file = raw as Record<string, unknown>;
  const unknownKeys = Object.keys(file).filter((k) =>
    !["name", "description", "extends", "columns", "priorities", "repeated"].includes(k)
  );
  if (unknownKeys.length > 0) throw invalid(`unknown keys ${unknownKeys.join(", ")}`);
  const name = file.name ?? fallbackName;
  if (typeof name !== "string" || !MAPPING_NAME.test(name)) {
    throw invalid(`name must be letters, digits, - and _ (up to 64), got ${JSON.stringify(name)}`);
  }
  let base: Mapping | undefined;
  if (file.extends !== undefined) {
    base = presets.find((p) => p.name === file.extends);
    if (!base) throw invalid(`extends names no preset (${presets.map((p) => p.name).join(", ")})`);
  }

  const columns: Partial<Record<UploadColumnName, readonly string[]>> = { ...base?.columns };
  if (file.columns !== undefined && (typeof file.columns !== "object" || file.columns === null)) {
    throw invalid("columns must map schema columns to headers");
  }
  for (const [column, headers] of Object.entries(file.columns ?? {})) {
    if (!COLUMN_NAMES.has(column)) throw invalid(`columns: "${column}" is not a ticket column (${columnList()})`);
    const list = typeof headers === "string" ? [headers] : headers;
    if (!Array.isArray(list) || list.length === 0 || list.some((h) => typeof h !== "string" || h.trim() === "")) {
      throw invalid(`columns.${column} must be a header, or a list of headers`);
    }
    const personal = list.find((h) => PERSONAL_HEADER.test(h));
    if (personal) throw invalid(`columns.${column}: "${personal}" holds personal data, which is never stored`);
    columns[column as UploadColumnName] = list;
  }
  if (!columns.ticket_id) throw invalid("columns must name the ticket_id header");
  if (!columns.ticket_subject && !columns.ticket_description) {
    throw invalid("columns must name a ticket_subject or a ticket_description header: triage reads the text");
  }

  const priorities: Record<string, Priority | null> = { ...(base?.priorities ?? COMMON_PRIORITIES) };
  if (file.priorities !== undefined && (typeof file.priorities !== "object" || file.priorities === null)) {
    throw invalid(`priorities must map the export's values to ${PRIORITIES.join(", ")} or null`);
  }
  for (const [value, priority] of Object.entries(file.priorities ?? {})) {
    const ours = priority === null ? null : PRIORITY_NAMES.get(String(priority).toLowerCase());
    if (ours === undefined) {
      throw invalid(
        `priorities.${value} must be one of ${PRIORITIES.join(", ")} or null, got ${JSON.stringify(priority)}`,
      );
    }
    priorities[value] = ours;
  }

  const repeated = file.repeated ?? base?.repeated ?? [];
  if (!Array.isArray(repeated) || repeated.some((h) => typeof h !== "string")) {
    throw invalid("repeated must be a list of headers");
  }
  const description = typeof file.description === "string"
    ? file.description
    : base
    ? `${base.name}, adapted`
    : "a team's own mapping";
  return { name, description, source: "file", columns, priorities, repeated };
}

function invalid(reason: string): UploadError {
  return new UploadError(422, `The mapping cannot be used: ${reason}`);
}

/**
 * A mapping's priority values for lookups: export value (as the mapping writes it, and normalised) → priority, or
 * null for "no priority"; undefined for a value the mapping does not know. The spelling as written is looked up
 * first, so that the usual cell costs no normalising.
 */
export function priorityTable(mapping: Mapping): ReadonlyMap<string, Priority | null> {
  const table = new Map<string, Priority | null>();
  for (const [value, p] of Object.entries(mapping.priorities)) table.set(normaliseName(value), p);
  for (const [value, p] of Object.entries(mapping.priorities)) if (!table.has(value)) table.set(value, p);
  return table;
}
