/**
 * The error for an upload that cannot be read at all (as opposed to single rows, which are rejected and
 * reported). It carries the HTTP status the web layer answers with.
 *
 * @module
 */

/** An upload refused as a whole: wrong header, not CSV text, too large, empty. */
export class UploadError extends Error {
  override name = "UploadError";
  /**
   * @param status the HTTP status that describes the problem (400, 413, 415, 422...).
   * @param message what is wrong, in words the uploader can act on.
   * @param details machine-readable specifics, e.g. `{ missing_columns: [...] }`.
   */
  constructor(readonly status: number, message: string, readonly details: Record<string, unknown> = {}) {
    super(message);
  }
}
