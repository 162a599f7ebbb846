/**
 * A test fixture that answers the part of ClickHouse's HTTP interface that `@clickhouse/client` uses, by running
 * each request on the real ClickHouse engine (chdb, inside the fixture's process). No ClickHouse server can run
 * on these machines; this lets the ClickHouseStore code path (client, query parameters, inserts, settings,
 * errors) run for real.
 *
 * What it does: `GET /ping`; `POST /` with the query in the body, or in the `query` parameter with the body as
 * insert data; `param_<name>` query parameters (bound server-side by chdb, after undoing the client's escaping);
 * `database` (a `USE` before the query); any other URL parameter is applied as a setting for that request
 * and reset afterwards; errors answer 500 with ClickHouse's `Code: N. DB::Exception: ...` text and the
 * `X-ClickHouse-Exception-Code` header.
 *
 * It runs in its own process (`startClickHouseServer` spawns this file), as a server would. With chdb loaded in
 * the test process, one full run saw DuckDB fail with a binder error in later tests (once in five runs): keeping
 * the two engines in separate processes rules that out, and gives each test a fresh engine.
 *
 * Limits: no authentication (user and password are ignored); no sessions (`session_id` is ignored: every request
 * shares one chdb session), no compression, no streaming (the whole body is read, and the whole result is
 * answered at once), no progress headers, no multipart or query cancellation; requests run one at a time (chdb
 * queries are synchronous), so it says nothing about concurrency or performance of a real server. NULL query
 * parameters, arrays and tuples as parameters are not supported. The engine is ClickHouse 26.7 (chdb 3.4),
 * single node, with chdb's defaults rather than a server's config files, unless started with a config file (the
 * cluster layout's tests give it a node's macros, clusters and profiles).
 *
 * @module
 */
import { CHDB_CONFIG_ENV, type ChdbSession, chdbSession, exitChdbProcess } from "./chdb.ts";
import { fileURLToPath } from "node:url";

/** URL parameters that are not settings. */
const NOT_SETTINGS = new Set(["query", "query_id", "session_id", "database", "role", "default_format"]);

/** Undoes `formatQueryParams` of @clickhouse/client for a string: `\t \n \r \' \\`. */
function unescapeParam(value: string): string {
  return value.replace(/\\([tnr'\\])/g, (_, c: string) => ({ t: "\t", n: "\n", r: "\r", "'": "'", "\\": "\\" })[c]!);
}

/** A running fixture. */
export interface ClickHouseHttpFixture {
  url: string;
  /** Requests answered, for tests that check what the client sent. */
  requests: { query: string; params: Record<string, string> }[];
  close(): Promise<void>;
}

/** Starts the fixture on a free port of 127.0.0.1. */
export function startClickHouseHttp(session: ChdbSession): ClickHouseHttpFixture {
  const requests: ClickHouseHttpFixture["requests"] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (request) => {
    const url = new URL(request.url);
    if (url.pathname === "/ping") return new Response("Ok.\n");
    const body = request.method === "POST" ? await request.text() : "";
    const inUrl = url.searchParams.get("query");
    const query = inUrl === null ? body : body === "" ? inUrl : `${inUrl}\n${body}`;
    const params: Record<string, string> = {};
    const bind: Record<string, string> = {};
    const settings: [string, string][] = [];
    for (const [key, value] of url.searchParams) {
      params[key] = value;
      if (key.startsWith("param_")) bind[key.slice(6)] = unescapeParam(value);
      else if (!NOT_SETTINGS.has(key) && /^\w+$/.test(key)) settings.push([key, value]);
    }
    requests.push({ query: inUrl ?? body.slice(0, 2000), params });
    try {
      session.query(`USE ${url.searchParams.get("database") ?? "default"}`);
      for (const [name, value] of settings) {
        session.query(`SET ${name} = ${/^-?\d+(\.\d+)?$/.test(value) ? value : `'${value.replaceAll("'", "\\'")}'`}`);
      }
      try {
        const text = Object.keys(bind).length > 0
          ? session.queryBind(query, bind, "TabSeparated")
          : session.query(query, "TabSeparated");
        return new Response(text, {
          headers: {
            "content-type": "text/plain; charset=UTF-8",
            "x-clickhouse-summary": JSON.stringify({ read_rows: "0", read_bytes: "0", written_rows: "0" }),
          },
        });
      } finally {
        for (const [name] of settings) session.query(`SET ${name} = DEFAULT`);
      }
    } catch (error) {
      const message = (error as Error).message;
      const code = /Code: (\d+)/.exec(message)?.[1] ?? "1";
      const text = /Code: \d+/.test(message) ? message : `Code: ${code}. DB::Exception: ${message} (UNKNOWN_EXCEPTION)`;
      return new Response(text, { status: 500, headers: { "x-clickhouse-exception-code": code } });
    }
  });
  const { port } = server.addr as Deno.NetAddr;
  return { url: `http://127.0.0.1:${port}`, requests, close: () => server.shutdown() };
}

/** A fixture server in a child process, with a helper to run SQL on it directly. */
export interface ClickHouseServer {
  url: string;
  /** Runs SQL (no FORMAT clause) and answers its rows (JSONEachRow), or throws ClickHouse's error text. */
  sql(query: string): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

/**
 * Starts the fixture in a child process (a fresh chdb engine in a fresh temporary directory).
 *
 * @param options.configFile a ClickHouse server config file the engine starts with.
 * @param options.env more environment for the child (what a config's `from_env` reads).
 */
export async function startClickHouseServer(
  options: { configFile?: string; env?: Record<string, string> } = {},
): Promise<ClickHouseServer> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--no-check", fileURLToPath(new URL(import.meta.url))],
    env: { ...options.env, ...(options.configFile ? { [CHDB_CONFIG_ENV]: options.configFile } : {}) },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  while (!text.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the ClickHouse fixture exited before listening: ${text}`);
    text += value;
  }
  const url = text.trim();
  // Keep draining stdout so the child never blocks on a full pipe.
  const drained = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    url,
    sql: async (query) => {
      const response = await fetch(url, { method: "POST", body: `${query}\nFORMAT JSONEachRow` });
      const body = await response.text();
      if (!response.ok) throw new Error(body);
      return body.split("\n").filter(Boolean).map((line) => JSON.parse(line));
    },
    close: async () => {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000); // a fixture that cannot even take a signal
      await child.status;
      clearTimeout(timer);
      await drained.catch(() => {});
    },
  };
}

if (import.meta.main) {
  const fixture = startClickHouseHttp(chdbSession());
  console.log(fixture.url);
  Deno.addSignalListener("SIGTERM", () => exitChdbProcess());
}
