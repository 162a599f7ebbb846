/**
 * Who can reach the app and what its answers give away, checked as a user runs it (`deno task start`) and against
 * the app's own HTTP wiring:
 * - it listens on loopback by default, and refuses to listen beyond it without `AUTH_TOKEN`;
 * - with `AUTH_TOKEN`, nothing but the health checks answers without a token or a session; a browser signs in on
 *   `/login` (HttpOnly, SameSite=Strict cookie), failed sign-ins are rate-limited, uploads and overrides record who;
 * - a state-changing request from another site answers 403, signed in or not, with authentication on or off;
 * - malformed addresses answer 400, and no answer carries a server path, a stack trace or a raw exception.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { startApp, startPartialUpload, type TestApp, upload, utf8Bytes } from "../scripts/harness/app.ts";
import { startTask } from "../scripts/harness/task_start.ts";

const TOKEN = "correct-horse-battery-staple";
const CSV = await Deno.readTextFile(new URL("../samples/tickets_iso.csv", import.meta.url));
const SMALL_CSV = CSV.split("\n").slice(0, 21).join("\n") + "\n";

/** An address of this machine other than loopback, if it has one. */
function outsideAddress(): string | null {
  return Deno.networkInterfaces().find((i) => i.family === "IPv4" && !i.address.startsWith("127."))?.address ?? null;
}

/** Posts the sign-in form, as a browser on the app's own page does. */
function signIn(base: string, token: string, next = "/"): Promise<Response> {
  return fetch(`${base}/login`, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: base },
    body: new URLSearchParams({ token, next }),
  });
}

async function withApp(env: Record<string, string>, body: (app: TestApp) => Promise<void>): Promise<void> {
  const app = await startApp(env);
  try {
    await body(app);
  } finally {
    await app.close();
  }
}

Deno.test("deno task start listens on loopback only, and will not listen beyond it without AUTH_TOKEN", async () => {
  const app = await startTask();
  try {
    equal((await fetch(`${app.base}/livez`).then((r) => r.json())).live, true);
    const outside = outsideAddress();
    ok(outside, "this machine has a non-loopback address to try");
    const port = new URL(app.base).port;
    const reached = await fetch(`http://${outside}:${port}/livez`).then(() => true, () => false);
    equal(reached, false, `http://${outside}:${port}/ must not answer`);
  } finally {
    await app.dispose();
  }

  const refused = await new Deno.Command(Deno.execPath(), {
    args: ["task", "start"],
    cwd: new URL("../", import.meta.url),
    env: { HOST: "0.0.0.0", PORT: "0", DATA_DIR: await Deno.makeTempDir() },
    stdout: "piped",
    stderr: "piped",
  }).output();
  equal(refused.code, 2);
  match(new TextDecoder().decode(refused.stderr), /HOST=0\.0\.0\.0 would let other machines reach the app.*AUTH_TOKEN/);
});

Deno.test("with AUTH_TOKEN on 0.0.0.0: only the health checks answer without a token", async () => {
  const app = await startTask({ HOST: "0.0.0.0", AUTH_TOKEN: `ana:${TOKEN}` });
  try {
    const outside = outsideAddress() ?? "127.0.0.1";
    const base = `http://${outside}:${new URL(app.base).port}`;
    const health = await fetch(`${base}/healthz`);
    const body = await health.json();
    equal(health.status, 200);
    deepStrictEqual(Object.keys(body).sort(), [
      "bus",
      "last_refresh",
      "live",
      "ok",
      "problems",
      "ready",
      "store",
      "uploads_in_flight",
    ]);
    equal((await fetch(`${base}/livez`)).status, 200);
    for (const [method, path] of [["GET", "/"], ["GET", "/model"], ["GET", "/api/queue"], ["GET", "/api/models"]]) {
      const response = await fetch(`${base}${path}`, { method, redirect: "manual" });
      await response.body?.cancel();
      ok([401, 303].includes(response.status), `${method} ${path} answered ${response.status}`);
    }
    for (const path of ["/api/uploads", "/api/marts/refresh", "/api/rescore", "/api/models/x/promote"]) {
      const response = await fetch(`${base}${path}`, {
        method: "POST",
        body: SMALL_CSV,
        headers: { "content-type": "text/csv" },
      });
      equal(response.status, 401, `POST ${path}`);
      match((await response.json()).error, /authentication required/);
    }
    const wrong = await fetch(`${base}/api/queue`, { headers: { authorization: "Bearer not-the-token-at-all" } });
    await wrong.body?.cancel();
    equal(wrong.status, 401);
    const right = await fetch(`${base}/api/queue`, { headers: { authorization: `Bearer ${TOKEN}` } });
    equal(right.status, 200);
    await right.body?.cancel();

    // deno task upload reads the token from the environment.
    const sample = await Deno.makeTempFile({ suffix: ".csv" });
    await Deno.writeTextFile(sample, SMALL_CSV);
    const run = (env: Record<string, string>) =>
      new Deno.Command(Deno.execPath(), {
        args: ["task", "upload", "--url", base, "--wait", sample],
        cwd: new URL("../", import.meta.url),
        env,
        stdout: "piped",
        stderr: "piped",
      }).output();
    const without = await run({});
    equal(without.code, 2);
    match(new TextDecoder().decode(without.stderr), /set AUTH_TOKEN/);
    const withToken = await run({ AUTH_TOKEN: TOKEN });
    equal(withToken.code, 0, new TextDecoder().decode(withToken.stderr));
    const uploaded = JSON.parse(new TextDecoder().decode(withToken.stdout));
    const record = await (await fetch(`${base}/api/uploads/${uploaded.upload_id}`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })).json();
    deepStrictEqual([record.status, record.uploaded_by, record.tickets], ["done", "ana", 20]);
  } finally {
    await app.dispose();
  }
});

Deno.test("a browser signs in once: HttpOnly SameSite=Strict session; failed sign-ins are rate-limited", async () => {
  await withApp({ AUTH_TOKEN: `ana:${TOKEN},bo:${TOKEN}-bo` }, async ({ base }) => {
    const page = await fetch(`${base}/open-tickets?priority=High`, { redirect: "manual" });
    await page.body?.cancel();
    equal(page.status, 303);
    equal(page.headers.get("location"), "/login?next=%2Fopen-tickets%3Fpriority%3DHigh");
    const login = await fetch(`${base}/login?next=%2F%22%3E%3Cscript%3E`);
    const form = await login.text();
    ok(!form.includes('"><script>'), "the next address is escaped in the form");

    const ok1 = await signIn(base, `${TOKEN}-bo`, "/open-tickets");
    equal(ok1.status, 303);
    equal(ok1.headers.get("location"), "/open-tickets");
    const cookie = ok1.headers.get("set-cookie") ?? "";
    match(cookie, /^triage_session=[^;]+;/);
    deepStrictEqual(
      cookie.split("; ").slice(1).map((a) => a.replace(/=\d+$/, "=N")).sort(),
      ["HttpOnly", "Max-Age=N", "Path=/", "SameSite=Strict"],
      "an HttpOnly, SameSite=Strict cookie for the whole app, with an end (no Secure over plain HTTP)",
    );
    const session = cookie.split(";")[0];
    const offsite = await signIn(base, `${TOKEN}-bo`, "//evil.example/");
    equal(offsite.headers.get("location"), "/", "never sent to another site after signing in");

    // The session reaches the API, and an override records who made it.
    await upload(base, SMALL_CSV, { "content-type": "text/csv", cookie: session });
    const overridden = await fetch(`${base}/api/tickets/1/priority`, {
      method: "PUT",
      headers: { cookie: session, "content-type": "application/json", origin: base },
      body: JSON.stringify({ priority: "Critical" }),
    });
    equal(overridden.status, 200);
    equal((await overridden.json()).label_source, "agent");
    const tampered = await fetch(`${base}/api/queue`, { headers: { cookie: session.replace(/.$/, "x") } });
    await tampered.body?.cancel();
    equal(tampered.status, 401, "a forged session is refused");

    const failures = [];
    for (let i = 0; i < 6; i++) {
      const failed = await signIn(base, "guess-guess-guess", "/open-tickets");
      await failed.body?.cancel();
      failures.push(failed.status);
    }
    deepStrictEqual(failures, [401, 401, 401, 401, 401, 429]);
    const blocked = await signIn(base, TOKEN);
    await blocked.body?.cancel();
    equal(blocked.status, 429, "even the right token waits out the limit");
  });
});

Deno.test("a token named with a dot (jane.doe) signs in and reaches the pages", async () => {
  await withApp({ AUTH_TOKEN: `jane.doe:${TOKEN}` }, async ({ base }) => {
    const signedIn = await signIn(base, TOKEN);
    await signedIn.body?.cancel();
    equal(signedIn.status, 303);
    const session = (signedIn.headers.get("set-cookie") ?? "").split(";")[0];
    const page = await fetch(`${base}/`, { redirect: "manual", headers: { cookie: session } });
    await page.body?.cancel();
    equal(page.headers.get("location"), null, "/ does not send the signed-in browser back to /login");
    const queue = await fetch(`${base}/api/queue`, { headers: { cookie: session } });
    await queue.body?.cancel();
    equal(queue.status, 200, "the session reaches the API");
    await upload(base, SMALL_CSV, { "content-type": "text/csv", cookie: session });
    const uploads = await (await fetch(`${base}/api/uploads`, { headers: { cookie: session } })).json();
    equal(uploads.rows[0].uploaded_by, "jane.doe", "the upload records who made it");
  });
});

Deno.test("guessing bearer tokens is limited like the form: 429 after 5 failures, the right token too", async () => {
  await withApp({ AUTH_TOKEN: TOKEN }, async ({ base }) => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) {
      const answer = await fetch(`${base}/api/queue`, { headers: { authorization: `Bearer guess-${i}-guess-guess` } });
      await answer.body?.cancel();
      statuses.push(answer.status);
      if (answer.status === 429) {
        ok(Number(answer.headers.get("retry-after")) > 0, "a 429 says how long to wait");
        break;
      }
    }
    deepStrictEqual(statuses, [401, 401, 401, 401, 401, 429]);
    const right = await fetch(`${base}/api/queue`, { headers: { authorization: `Bearer ${TOKEN}` } });
    await right.body?.cancel();
    equal(right.status, 429, "the address waits out the limit, whatever it sends");
    const form = await signIn(base, TOKEN);
    await form.body?.cancel();
    equal(form.status, 429, "one limiter for the form and bearer tokens");
  });
});

Deno.test("a state-changing request from another site answers 403, authentication on or off", async () => {
  const settings: Record<string, string>[] = [{}, { AUTH_TOKEN: TOKEN }];
  for (const env of settings) {
    await withApp(env, async ({ base, app }) => {
      const auth: Record<string, string> = env.AUTH_TOKEN ? { authorization: `Bearer ${TOKEN}` } : {};
      const attempts: Record<string, string>[] = [
        { origin: "https://evil.example" },
        { "sec-fetch-site": "cross-site" },
        { origin: "null" },
      ];
      for (const headers of attempts) {
        const response = await fetch(`${base}/api/uploads`, {
          method: "POST",
          body: SMALL_CSV,
          headers: { "content-type": "text/csv", ...auth, ...headers },
        });
        equal(response.status, 403, JSON.stringify({ env, headers }));
        match((await response.json()).error, /cross-site/);
      }
      equal((await app.store.listTickets({ limit: 1, offset: 0 })).total, 0, "nothing was stored");
      // The app's own pages post with their own origin (and same-origin fetch metadata).
      const own = await upload(base, SMALL_CSV, {
        "content-type": "text/csv",
        origin: base,
        "sec-fetch-site": "same-origin",
        ...auth,
      });
      equal(own.status, 201);
      // Reading from another site is not a write: the browser's same-origin policy keeps the answer from it.
      const read = await fetch(`${base}/livez`, { headers: { origin: "https://evil.example" } });
      equal(read.status, 200);
      // Every answer says: no sniffing its type, no framing by another site, no referrer to other sites.
      deepStrictEqual(
        ["x-content-type-options", "x-frame-options", "referrer-policy"].map((h) => read.headers.get(h)),
        ["nosniff", "SAMEORIGIN", "same-origin"],
      );
      await read.body?.cancel();
    });
  }
});

Deno.test("answers never leak: malformed addresses 400, the refresh a summary, failures in plain words", async () => {
  await withApp({}, async ({ base, dataDir, app }) => {
    for (const path of ["/%E0%A4%A", "/%", "/api/tickets/%E0%A4%A", "/model%ZZ"]) {
      const response = await fetch(`${base}${path}`);
      const text = await response.text();
      ok([400, 404].includes(response.status), `${path}: ${response.status}`);
      ok(!/at \w+ \(|file:\/\/|\/tmp\/|\/work\//.test(text), `${path}: ${text}`);
    }
    equal((await fetch(`${base}/%E0%A4%A`)).status, 400);

    const refresh = await fetch(`${base}/api/marts/refresh`, { method: "POST" });
    const summary = await refresh.text();
    equal(refresh.status, 200);
    deepStrictEqual(Object.keys(JSON.parse(summary)).sort(), ["finished_at", "marts", "ok", "site"]);
    ok(!summary.includes(dataDir) && !summary.includes("/tmp/"), summary);

    // A client that goes away mid-upload (it promised more bytes than it sent): the record says so in plain words.
    const connection = await startPartialUpload(base, SMALL_CSV, utf8Bytes(SMALL_CSV) * 10);
    await new Promise((resolve) => setTimeout(resolve, 200));
    connection.close();
    let record = null;
    for (let i = 0; i < 100 && record?.status !== "failed"; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      [record] = await app.store.readMart("uploads");
    }
    equal(record?.status, "failed");
    equal(record?.failure, "The upload was cut off: the connection closed before the end of the file");
    const unknown = await (await fetch(`${base}/api/uploads/nope`)).json();
    deepStrictEqual(unknown, { error: "no upload with that id" });
  });
});
