/** The model registry's versions as a data file of the site (`loaders/model_versions.ts`). @module */
import { load } from "../../loaders/model_versions.ts";
import { printJson } from "../../loaders/output.ts";

await printJson(await load());
