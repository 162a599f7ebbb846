/**
 * The mappings an app knows: the presets, and the teams' own mappings saved as files in one folder
 * (`DATA_DIR/mappings/`, one `NAME.json`, `NAME.yaml` or `NAME.yml` each; put there by `PUT /api/mappings/NAME` or
 * by hand). Uploads name one with `?mapping=NAME`; the Upload page lists them.
 *
 * @module
 */
import { join } from "node:path";
import { UploadError } from "./errors.ts";
import { type Mapping, MAPPING_NAME, parseMapping } from "./mapping.ts";
import { PRESETS } from "./presets.ts";

/** The largest mapping file taken (they are a few lines). */
export const MAX_MAPPING_BYTES = 64 * 1024;

const EXTENSIONS = [".json", ".yaml", ".yml"];

/** Presets and saved mappings, by name. */
export class MappingLibrary {
  readonly #dir: string;

  /** @param dir where saved mappings live (made when the first one is saved). */
  constructor(dir: string) {
    this.#dir = dir;
  }

  /** Every mapping: presets first, then the saved ones by name. A saved file that cannot be read is skipped. */
  async list(log?: (line: string) => void): Promise<Mapping[]> {
    const saved: Mapping[] = [];
    const names = new Set<string>();
    try {
      for await (const entry of Deno.readDir(this.#dir)) {
        const name = entry.name.replace(/\.(json|ya?ml)$/i, "");
        if (!entry.isFile || name === entry.name || names.has(name) || !MAPPING_NAME.test(name)) continue;
        names.add(name);
        try {
          const mapping = await this.find(name);
          if (mapping) saved.push(mapping);
        } catch (error) {
          log?.(`mapping ${entry.name} cannot be used: ${(error as Error).message}`);
        }
      }
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    return [...PRESETS, ...saved.sort((a, b) => (a.name < b.name ? -1 : 1))];
  }

  /**
   * The mapping named `name`, or null when there is none.
   *
   * @throws {UploadError} 422 when its file is not a usable mapping.
   */
  async find(name: string): Promise<Mapping | null> {
    const preset = PRESETS.find((p) => p.name === name);
    if (preset) return preset;
    if (!MAPPING_NAME.test(name)) return null;
    for (const extension of EXTENSIONS) {
      let text: string;
      try {
        text = await Deno.readTextFile(join(this.#dir, `${name}${extension}`));
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue;
        throw error;
      }
      // A saved mapping is known by its file's name, whatever name the file gives itself.
      return { ...parseMapping(text, name, PRESETS), name };
    }
    return null;
  }

  /**
   * Saves a team's mapping (JSON or YAML text) under `name`, replacing one of that name.
   *
   * @throws {UploadError} 422 for a text that is not a usable mapping, 409 for a preset's name, 400 for a name that
   * cannot name a file.
   */
  async save(name: string, text: string): Promise<Mapping> {
    if (!MAPPING_NAME.test(name)) {
      throw new UploadError(400, "A mapping's name is letters, digits, - and _ (up to 64 characters)");
    }
    if (PRESETS.some((p) => p.name === name)) {
      throw new UploadError(409, `"${name}" is a built-in preset; save your mapping under another name`);
    }
    const mapping = { ...parseMapping(text, name, PRESETS), name };
    await Deno.mkdir(this.#dir, { recursive: true });
    for (const extension of EXTENSIONS) await Deno.remove(join(this.#dir, `${name}${extension}`)).catch(() => {});
    // Written whole, then renamed: a reader never finds half a file.
    const file = join(this.#dir, `${name}.json`);
    await Deno.writeTextFile(`${file}.tmp`, JSON.stringify(savedForm(mapping), null, 2) + "\n");
    await Deno.rename(`${file}.tmp`, file);
    return mapping;
  }

  /** Removes a saved mapping; false when there was none of that name. */
  async remove(name: string): Promise<boolean> {
    if (!MAPPING_NAME.test(name) || PRESETS.some((p) => p.name === name)) return false;
    let removed = false;
    for (const extension of EXTENSIONS) {
      await Deno.remove(join(this.#dir, `${name}${extension}`)).then(() => removed = true, () => {});
    }
    return removed;
  }
}

/** A mapping as a file holds it (and as the API shows it): everything but where it came from. */
export function savedForm(mapping: Mapping): Record<string, unknown> {
  const { name, description, columns, priorities, repeated } = mapping;
  return { name, description, columns, priorities, repeated };
}
