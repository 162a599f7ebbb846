/**
 * The built-in mappings (`mapping.ts`): the bundled export, and the CSV exports of Zendesk, Freshdesk and Jira as
 * each product documents them (`docs/exports.md` has the headers and where they come from), and how an upload's
 * header picks one of them.
 *
 * @module
 */
import { UPLOAD_COLUMNS } from "../ticket/schema.ts";
import { UploadError } from "./errors.ts";
import {
  COMMON_PRIORITIES,
  type Mapping,
  MAPPING_NAME,
  normaliseName,
  parseMapping,
  type UploadColumnName,
} from "./mapping.ts";

/** The bundled export's own headers (`samples/tickets.csv`), which the ticket schema is named after. */
const BUNDLED: Mapping = {
  name: "bundled",
  description: "The bundled export's columns (Ticket ID, Ticket Subject, Ticket Description, Ticket Priority...)",
  source: "preset",
  columns: Object.fromEntries(UPLOAD_COLUMNS.map((c) => [c.name, [c.header!]])),
  priorities: COMMON_PRIORITIES,
  repeated: [],
};

/** Zendesk Support's CSV export: the text is in the subject alone (the export has no description). */
const ZENDESK: Mapping = {
  name: "zendesk",
  description: "Zendesk Support's CSV export (Id, Subject, Priority, Status, Via, Ticket type...; no description)",
  source: "preset",
  columns: {
    ticket_id: ["Id"],
    ticket_subject: ["Subject"],
    ticket_description: ["Description"],
    priority_label: ["Priority"],
    ticket_status: ["Status"],
    ticket_channel: ["Via"],
    ticket_type: ["Ticket type"],
    resolved_at: ["Solved at"],
  },
  // Zendesk writes "-" in a ticket without a priority.
  priorities: { ...COMMON_PRIORITIES, "-": null },
  repeated: [],
};

/** Freshdesk's ticket export (the fields ticked when exporting; contact fields may follow). */
const FRESHDESK: Mapping = {
  name: "freshdesk",
  description:
    "Freshdesk's ticket export (Ticket ID, Subject, Description, Priority, Status, Source, Type, Product...)",
  source: "preset",
  columns: {
    ticket_id: ["Ticket ID"],
    ticket_subject: ["Subject"],
    ticket_description: ["Description"],
    priority_label: ["Priority"],
    ticket_status: ["Status"],
    ticket_channel: ["Source"],
    ticket_type: ["Type"],
    product_purchased: ["Product"],
    first_response_at: ["Initial response time"],
    resolved_at: ["Resolved time"],
  },
  priorities: COMMON_PRIORITIES,
  repeated: [],
};

/** Jira's "Export Excel CSV", Cloud or Data Center, Jira Software or Service Management. */
const JIRA: Mapping = {
  name: "jira",
  description:
    "Jira's Excel CSV export (Issue key, Summary, Description, Priority, Status, Issue Type, Component/s...)",
  source: "preset",
  columns: {
    ticket_id: ["Issue key"],
    ticket_subject: ["Summary"],
    ticket_description: ["Description"],
    priority_label: ["Priority"],
    ticket_status: ["Status"],
    ticket_type: ["Issue Type"],
    product_purchased: ["Component/s", "Components"],
    resolution: ["Resolution"],
    resolved_at: ["Resolved"],
  },
  // Older Jira schemes: Blocker, Critical, Major (their default), Minor, Trivial.
  priorities: { ...COMMON_PRIORITIES, Major: "Medium" },
  repeated: ["Component/s", "Components", "Labels", "Watchers", "Watchers Id", "Comment", "Attachment", "Sprint"],
};

/** The built-in mappings, in the order they are listed. */
export const PRESETS: readonly Mapping[] = [BUNDLED, ZENDESK, FRESHDESK, JIRA];

/** How many of a mapping's headers a header row has; 0 when it lacks the id or any text column. */
function fit(mapping: Mapping, present: ReadonlySet<string>): number {
  const has = (column: UploadColumnName) => mapping.columns[column]?.some((h) => present.has(normaliseName(h)));
  if (!has("ticket_id") || !(has("ticket_subject") || has("ticket_description"))) return 0;
  return Object.keys(mapping.columns).filter((column) => has(column as UploadColumnName)).length;
}

/**
 * The preset an export's header fits best: one whose id column and a text column are present, with the most of
 * its headers present (the first listed wins a tie); failing that, one whose id column is present (the header is
 * then refused for lacking text).
 *
 * @throws {UploadError} 422 when no preset's id column is there, saying what each looks for and how to give a
 * mapping.
 */
export function detectPreset(header: readonly string[]): Mapping {
  const present = new Set(header.map(normaliseName));
  let best: Mapping | null = null, bestFit = 0;
  for (const preset of PRESETS) {
    const score = fit(preset, present);
    if (score > bestFit) [best, bestFit] = [preset, score];
  }
  if (best) return best;
  // A known id column without any text column: that preset, so that the header is refused for what it lacks.
  const byId = PRESETS.find((p) => p.columns.ticket_id!.some((h) => present.has(normaliseName(h))));
  if (byId) return byId;
  const wanted = PRESETS.map((p) =>
    `${p.name} (${p.columns.ticket_id!.join("/")} and ${
      [...(p.columns.ticket_subject ?? []), ...(p.columns.ticket_description ?? [])].join(" or ")
    })`
  );
  throw new UploadError(
    422,
    `The header is not one of a known export: a ticket id column and a subject or description column are needed. ` +
      `Looked for: ${wanted.join("; ")}. Name your columns with a mapping (?mapping=NAME; see GET /api/mappings).`,
    { presets: PRESETS.map((p) => p.name) },
  );
}

/**
 * The mapping a command line names: a preset's name, or the path of a mapping file (JSON or YAML).
 *
 * @throws {UploadError} 422 when the file is not a usable mapping; `Deno.errors.NotFound` when there is no such
 * preset or file.
 */
export async function mappingOfOption(option: string): Promise<Mapping> {
  const preset = PRESETS.find((p) => p.name === option);
  if (preset) return preset;
  let text: string;
  try {
    text = await Deno.readTextFile(option);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new Deno.errors.NotFound(
      `--mapping ${option}: neither a preset (${PRESETS.map((p) => p.name).join(", ")}) nor a file`,
    );
  }
  const name = option.replace(/^.*[\\/]/, "").replace(/\.(json|ya?ml)$/i, "");
  return parseMapping(text, MAPPING_NAME.test(name) ? name : "mapping", PRESETS);
}
