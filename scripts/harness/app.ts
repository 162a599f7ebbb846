/**
 * The app in the test process, built by the same wiring as `deno task start` (`src/app.ts`) minus the site build
 * and the cron schedule: upload API, scorer (unless `RUN_SCORER=false`), store sink, dead-letter log and marts, on
 * a free port with its own data directory. With `KAFKA_BROKERS` in `env` the bus is Kafka, otherwise in-process.
 *
 * @module
 */
import { buildApp, type WebApp } from "../../src/app.ts";
import type { Bus } from "../../src/bus/bus.ts";
import { loadConfig } from "../../src/config.ts";

/** A running test app. */
export interface TestApp {
  base: string;
  /** Its temporary data directory (the model registry is `models/` in it). */
  dataDir: string;
  bus: Bus;
  app: WebApp;
  close(): Promise<void>;
}

/** Starts the app; `env` overrides configuration (e.g. `MAX_UPLOAD_BYTES`, `KAFKA_BROKERS`, `RUN_SCORER`). */
export async function startApp(env: Record<string, string> = {}): Promise<TestApp> {
  const dataDir = await Deno.makeTempDir({ prefix: "triage-app-test-" });
  const config = loadConfig({ DATA_DIR: dataDir, ...env });
  // Kafka's own diagnostics are worth seeing when a test fails; the request log is not.
  const log = (line: string) => {
    if (/^(kafka|consumer|dead letter)/.test(line)) console.error(`test app: ${line}`);
  };
  const app = await buildApp(config, { site: false, clientId: "test-app", log });
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen: () => {} }, app.http.fetch);
  return {
    base: `http://127.0.0.1:${server.addr.port}`,
    dataDir,
    bus: app.bus,
    app,
    async close() {
      await server.shutdown();
      await app.close();
      await Deno.remove(dataDir, { recursive: true });
    },
  };
}

/** POSTs an upload body; answers the status and JSON. */
export async function upload(
  base: string,
  body: BodyInit,
  headers: Record<string, string> = { "content-type": "text/csv" },
  // deno-lint-ignore no-explicit-any
): Promise<{ status: number; json: Record<string, any> }> {
  const response = await fetch(`${base}/api/uploads`, { method: "POST", body, headers });
  return { status: response.status, json: await response.json() };
}

/**
 * POSTs `body` in two parts: the bytes before `holdAt` at once, the rest only after `release()`. Until then the
 * upload is still receiving, whatever the machine's speed, so a test can act in the middle of it.
 */
export function heldUpload(base: string, body: Uint8Array, holdAt: number): {
  sending: ReturnType<typeof upload>;
  release: () => void;
} {
  const { promise: released, resolve: release } = Promise.withResolvers<void>();
  const sending = upload(
    base,
    ReadableStream.from((async function* () {
      yield body.subarray(0, holdAt);
      await released;
      yield body.subarray(holdAt);
    })()),
  );
  return { sending, release: () => release() };
}

/**
 * Starts `POST /api/uploads` of a CSV of `declaredBytes` bytes on a raw connection to the app at `base`, and sends
 * only `sent` of it: an upload still receiving for as long as the test likes, however fast the server. Answers the
 * open connection; closing it is the client going away.
 */
export async function startPartialUpload(
  base: string,
  sent: Uint8Array | string,
  declaredBytes: number,
): Promise<Deno.TcpConn> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(base).port) });
  const head = `POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: text/csv\r\n` +
    `Content-Length: ${declaredBytes}\r\n\r\n`;
  const encoder = new TextEncoder();
  for (const chunk of [encoder.encode(head), typeof sent === "string" ? encoder.encode(sent) : sent]) {
    for (let written = 0; written < chunk.length;) written += await connection.write(chunk.subarray(written));
  }
  return connection;
}

/**
 * Starts a multipart form upload sent in chunks (no Content-Length, as a browser streaming a form may do) whose
 * file part holds `sent`, and sends nothing more: a client that stalls inside the file. The connection answers
 * once the server gives up on it.
 */
export async function startStalledMultipart(base: string, sent: string): Promise<Deno.TcpConn> {
  const connection = await Deno.connect({ hostname: "127.0.0.1", port: Number(new URL(base).port) });
  const boundary = "stalled-form-boundary";
  const part = `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="tickets.csv"\r\n` +
    `Content-Type: text/csv\r\n\r\n${sent}`;
  const encoder = new TextEncoder();
  const body = encoder.encode(part);
  const head = `POST /api/uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
    `Content-Type: multipart/form-data; boundary=${boundary}\r\nTransfer-Encoding: chunked\r\n\r\n` +
    `${body.length.toString(16)}\r\n`;
  for (const chunk of [encoder.encode(head), body, encoder.encode("\r\n")]) {
    for (let written = 0; written < chunk.length;) written += await connection.write(chunk.subarray(written));
  }
  return connection;
}

/** The size of `text` in UTF-8, as a Content-Length counts it. */
export const utf8Bytes = (text: string): number => new TextEncoder().encode(text).length;

/** Refreshes marts (and site, where the app builds one); fails with the report unless it answered 200. */
// deno-lint-ignore no-explicit-any
export async function refreshMarts(base: string): Promise<Record<string, any>> {
  const refresh = await fetch(`${base}/api/marts/refresh`, { method: "POST" });
  const report = await refresh.json();
  if (refresh.status !== 200) {
    throw new Error(`refresh answered ${refresh.status}: ${JSON.stringify(report).slice(0, 2000)}`);
  }
  return report;
}

/** Sum of `tickets` in `mart_priority_distribution` after a refresh. */
export async function refreshedTotal(base: string): Promise<number> {
  await refreshMarts(base);
  const { rows } = await (await fetch(`${base}/api/marts/mart_priority_distribution`)).json();
  return rows.reduce((sum: number, r: { tickets: number }) => sum + r.tickets, 0);
}

/**
 * Polls `check` until it answers true. The deadline only keeps a broken run from hanging CI; it is not a
 * performance assertion.
 */
export async function eventually(what: string, check: () => Promise<boolean>, deadlineMs = 300_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`gave up waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
