/**
 * Sending a CSV file to the upload API from a script (`deno task upload`, the benchmark), streamed from disk, and
 * waiting until its tickets are stored.
 *
 * It uses `node:http` rather than `fetch`: Deno's `fetch` with a streamed request body stalls each time the server
 * stops reading for a moment (several times slower than `node:http` or curl; `bench/HISTORY.md`, "Figures behind the
 * code"), and an upload server pauses whenever a batch is being stored.
 *
 * @module
 */
import { createReadStream } from "node:fs";
import http from "node:http";
import https from "node:https";
import { authHeaders, fetchApp } from "./app.ts";

/** The server's answer to an upload. */
export interface UploadAnswer {
  status: number;
  /** The bytes sent (the file's size). */
  bytes: number;
  // deno-lint-ignore no-explicit-any
  json: any;
}

/**
 * POSTs the file at `path` to `url` as `text/csv` with its length, streaming it from disk (with the token of
 * `AUTH_TOKEN`, when set).
 *
 * @example
 * ```ts
 * const { status, json } = await postCsvFile("http://localhost:8000/api/uploads", "tickets.csv");
 * console.log(status, json.accepted);
 * ```
 */
export async function postCsvFile(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<UploadAnswer> {
  const { size } = await Deno.stat(path);
  const target = new URL(url);
  const client = target.protocol === "https:" ? https : http;
  return await new Promise<UploadAnswer>((resolve, reject) => {
    const request = client.request(target, {
      method: "POST",
      headers: { "content-type": "text/csv", "content-length": String(size), ...authHeaders(), ...headers },
    }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("error", reject);
      response.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({ status: response.statusCode ?? 0, bytes: size, json: JSON.parse(text) });
        } catch {
          reject(new Error(`${url} answered ${response.statusCode} with text that is not JSON: ${text.slice(0, 200)}`));
        }
      });
    });
    request.on("error", reject);
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    file.on("error", (error) => request.destroy(error));
    file.pipe(request);
  });
}

/** What the upload API says about an upload once it was received (`GET /api/uploads/:id`). */
export interface UploadStatus {
  upload_id: string;
  status: "receiving" | "done" | "failed";
  accepted: number;
  /** Distinct tickets among the accepted rows (a ticket id repeated in the file counts once). */
  tickets?: number;
  /** Distinct tickets of the upload stored with their scores so far. */
  scored: number;
  /** Distinct tickets of the upload a stage could not use (dead letters, each with its reason in the store). */
  dead_lettered?: number;
  // deno-lint-ignore no-explicit-any
  [field: string]: any;
}

/**
 * Waits until every ticket of an upload is accounted for, stored with its score or dead-lettered, asking the API
 * every `intervalMs`.
 *
 * @example
 * ```ts
 * const done = await waitForUpload("http://localhost:8000", uploadId, { onProgress: (s) => console.log(s.scored) });
 * ```
 * @throws {Error} when the upload failed, or is not done after `timeoutMs`.
 */
export async function waitForUpload(
  base: string,
  uploadId: string,
  options: { intervalMs?: number; timeoutMs?: number; onProgress?: (status: UploadStatus) => void } = {},
): Promise<UploadStatus> {
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  while (true) {
    const response = await fetchApp(`${base}/api/uploads/${encodeURIComponent(uploadId)}`);
    const status: UploadStatus = await response.json();
    if (!response.ok) throw new Error(`upload ${uploadId}: ${status.error ?? response.status}`);
    options.onProgress?.(status);
    if (status.status === "failed") throw new Error(`upload ${uploadId} failed: ${status.failure}`);
    const expected = status.tickets ?? status.accepted;
    const accounted = status.scored + (status.dead_lettered ?? 0);
    if (status.status === "done" && accounted >= expected) return status;
    if (Date.now() > deadline) {
      throw new Error(
        `upload ${uploadId}: ${status.scored} of ${expected} stored and ${status.dead_lettered ?? 0} dead-lettered ` +
          "after the time allowed",
      );
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 500));
  }
}
