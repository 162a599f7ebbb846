/**
 * How a data loader hands its value to Observable Framework: everything printed on stdout is the data file.
 *
 * @module
 */

/** Writes all of `bytes` to stdout. */
export async function printBytes(bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) written += await Deno.stdout.write(bytes.subarray(written));
}

/** Prints a loader's value as JSON on stdout. */
export async function printJson(value: unknown): Promise<void> {
  await printBytes(new TextEncoder().encode(JSON.stringify(value)));
}
