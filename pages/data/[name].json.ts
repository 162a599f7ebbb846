/**
 * Every mart is a data file of the site: a page attaches `data/<mart name>.json` (for example
 * `FileAttachment("data/mart_overview.json")`) and Framework runs this loader with `--name=<mart name>`. A name that
 * is not a mart in `sql/marts/` fails the build.
 *
 * @module
 */
import { printJson, readMartRows } from "../../loaders/mart.ts";

const name = Deno.args.find((arg) => arg.startsWith("--name="))?.slice("--name=".length) ?? "";
await printJson(await readMartRows(name));
