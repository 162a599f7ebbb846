/**
 * Every data file of the site, `data/<name>.json`, comes from `loaders/<name>.ts` (Framework passes
 * `--name=<name>`). Only the names listed here are loaded; anything else fails the build.
 *
 * @module
 */
import { printJson } from "../../loaders/mart.ts";

const LOADERS: Record<string, () => Promise<{ load: () => Promise<unknown> }>> = {
  age_type_priority: () => import("../../loaders/age_type_priority.ts"),
  confidence_distribution: () => import("../../loaders/confidence_distribution.ts"),
  gender_priority: () => import("../../loaders/gender_priority.ts"),
  model_card: () => import("../../loaders/model_card.ts"),
  model_confusion: () => import("../../loaders/model_confusion.ts"),
  model_metrics: () => import("../../loaders/model_metrics.ts"),
  overview: () => import("../../loaders/overview.ts"),
  priority_distribution: () => import("../../loaders/priority_distribution.ts"),
  recent_open_tickets: () => import("../../loaders/recent_open_tickets.ts"),
  status_distribution: () => import("../../loaders/status_distribution.ts"),
  ticket_channel_distribution: () => import("../../loaders/ticket_channel_distribution.ts"),
  ticket_type_distribution: () => import("../../loaders/ticket_type_distribution.ts"),
  top_products_critical: () => import("../../loaders/top_products_critical.ts"),
};

const name = Deno.args.find((arg) => arg.startsWith("--name="))?.slice("--name=".length) ?? "";
if (!Object.hasOwn(LOADERS, name)) {
  console.error(`no data loader named "${name}"; known: ${Object.keys(LOADERS).join(", ")}`);
  Deno.exit(1);
}
const { load } = await LOADERS[name]();
await printJson(await load());
