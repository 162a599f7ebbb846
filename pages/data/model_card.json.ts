/** The model's metadata as a data file of the site (`loaders/model_card.ts`). @module */
import { load } from "../../loaders/model_card.ts";
import { printJson } from "../../loaders/output.ts";

await printJson(await load());
