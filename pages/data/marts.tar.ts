/**
 * Every mart as a data file of the site, in one archive: a page attaches `data/marts/<mart name>.json` (for example
 * `FileAttachment("data/marts/mart_overview.json")`) and Framework takes it out of the archive this loader prints
 * (`loaders/marts.ts`). A name that is not a mart in `sql/marts/` fails the build.
 *
 * @module
 */
import { printMartsArchive } from "../../loaders/marts.ts";

await printMartsArchive();
