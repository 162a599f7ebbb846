/**
 * Getting the CSV bytes out of an upload request, whatever its shape (a raw `text/csv` body, or a multipart form
 * with a `file` field), without holding the file in memory, and within the size limit.
 *
 * @module
 */
import busboy from "busboy";
import { Readable } from "node:stream";
import { UploadError } from "../ingest/errors.ts";

/** Media types accepted as CSV text. Browsers label CSV files inconsistently, hence the spreadsheet ones. */
const CSV_TYPES = new Set([
  "text/csv",
  "text/plain",
  "application/csv",
  "text/comma-separated-values",
  "application/vnd.ms-excel",
]);

/** The CSV stream of a request and what the request said about it. */
export interface UploadBody {
  stream: ReadableStream<Uint8Array>;
  filename: string | null;
  /** The declared size, when the client sent one. */
  bytes: number | null;
}

/** The `X-Filename` header, percent-decoded (the upload page encodes non-ASCII names), at most 255 characters. */
function headerFilename(raw: string | null): string | null {
  if (!raw) return null;
  try {
    return decodeURIComponent(raw).slice(0, 255);
  } catch {
    return raw.slice(0, 255);
  }
}

/**
 * The request body, failing with a 413 once more than `limit` bytes have passed, with a 408 when the client sends
 * nothing for `idleMs` (a stalled client must not hold an upload slot for ever), and with a plain reason (not the
 * network layer's text) when the client goes away before the end.
 */
function readWithin(body: ReadableStream<Uint8Array>, limit: number, idleMs: number): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  return new ReadableStream({
    async pull(controller) {
      let next: ReadableStreamReadResult<Uint8Array> | "idle";
      let timer: ReturnType<typeof setTimeout> | undefined;
      try {
        const idle = new Promise<"idle">((resolve) => timer = setTimeout(() => resolve("idle"), idleMs));
        next = await Promise.race([reader.read(), idle]);
      } catch {
        controller.error(
          new UploadError(400, "The upload was cut off: the connection closed before the end of the file"),
        );
        return;
      } finally {
        clearTimeout(timer);
      }
      if (next === "idle") {
        controller.error(new UploadError(408, `The upload stalled: nothing arrived for ${idleMs / 1000} s`));
        reader.cancel().catch(() => {});
        return;
      }
      if (next.done) return controller.close();
      seen += next.value.byteLength;
      if (seen > limit) {
        controller.error(new UploadError(413, `The upload is larger than the limit of ${limit} bytes`));
        reader.cancel().catch(() => {});
        return;
      }
      controller.enqueue(next.value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/**
 * Streams the `file` field of a multipart form. The body's own failures (stalled, too large, cut off: see
 * {@linkcode readWithin}) end the file stream with the same error, so a multipart upload meets the same limits as
 * a `text/csv` one.
 */
function multipartFile(request: Request, body: ReadableStream<Uint8Array>): Promise<UploadBody> {
  return new Promise((resolve, reject) => {
    let file: Readable | null = null;
    const fail = (error: Error) => file ? file.destroy(error) : reject(error);
    const parser = busboy({ headers: Object.fromEntries(request.headers), limits: { files: 1 } });
    parser.on("file", (field, stream, info) => {
      if (field !== "file" || file) return void stream.resume();
      file = stream;
      resolve({
        stream: Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>,
        filename: info.filename ?? null,
        bytes: null,
      });
    });
    parser.on("error", (error) => {
      fail(new UploadError(400, `The multipart body could not be read: ${(error as Error).message}`));
    });
    parser.on("close", () => {
      if (!file) reject(new UploadError(400, 'The form has no file field named "file"'));
    });
    Readable.fromWeb(body as import("node:stream/web").ReadableStream).on("error", fail).pipe(parser);
  });
}

/**
 * Opens the CSV stream of an upload request.
 *
 * @throws {UploadError} 413 over the size limit (up front when Content-Length says so, otherwise while
 * streaming), 415 for a media type that is not CSV text, 400 for a missing body or file field; while streaming,
 * 408 when the client sends nothing for `idleMs`, 400 when it goes away.
 */
export async function openUploadBody(request: Request, maxBytes: number, idleMs: number): Promise<UploadBody> {
  const declared = request.headers.get("content-length");
  const bytes = declared === null ? null : Number(declared);
  if (bytes !== null && bytes > maxBytes) {
    throw new UploadError(413, `The upload is ${bytes} bytes; the limit is ${maxBytes} bytes`, {
      limit_bytes: maxBytes,
    });
  }
  if (request.body === null) throw new UploadError(400, "The request has no body: send the CSV file");
  const limited = readWithin(request.body, maxBytes, idleMs);
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type === "multipart/form-data") return await multipartFile(request, limited);
  if (!CSV_TYPES.has(type)) {
    throw new UploadError(
      415,
      `Content-Type "${
        type || "(none)"
      }" is not CSV text; send the file as text/csv or as a multipart form field "file"`,
    );
  }
  return { stream: limited, filename: headerFilename(request.headers.get("x-filename")), bytes };
}
