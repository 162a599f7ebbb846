/**
 * Who may reach the app, and from where. Two guards run before every route:
 *
 * - **Cross-site writes are refused**: a request that changes something (not GET, HEAD or OPTIONS) answers 403
 *   when the browser says it comes from another site (`Sec-Fetch-Site: cross-site`) or its `Origin` is not the
 *   app's own, with authentication on or off. A page on another site cannot post into a support agent's instance.
 * - **Authentication**, when `AUTH_TOKEN` is set: every route but the health checks (`/healthz`, `/livez`) and the
 *   sign-in page needs a token.
 *   API clients send `Authorization: Bearer <token>` (Hono's bearer-auth middleware); a browser signs in once on
 *   `/login` and then carries an HttpOnly, SameSite=Strict session cookie (Secure behind TLS): Hono's signed cookie,
 *   with a key derived from the tokens.
 *   Tokens are compared in constant time; failed sign-ins, by the form or a bearer token, are rate-limited per client
 *   address. A token given as `name:token` names who made the request (recorded with uploads and overrides).
 *
 * @module
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { createHash, timingSafeEqual } from "node:crypto";
import type { AuthToken } from "../config.ts";

/** The session cookie's name. */
const SESSION = "triage_session";
/** How long a browser session lasts. */
const SESSION_SECONDS = 12 * 60 * 60;
/** Failed sign-ins allowed per client address per window, the window, and how many addresses are remembered. */
const FAILED_SIGN_INS = 5;
const SIGN_IN_WINDOW_MS = 60_000;
const TRACKED_ADDRESSES = 10_000;

/** The request context's key for who made the request. */
const AGENT = "agent";

/** Who made a request, when authentication says (a token given as `name:token`), else null. */
export function agentOf(c: Context): string | null {
  const agent = (c.get as (key: string) => unknown)(AGENT);
  return typeof agent === "string" ? agent : null;
}

/** True for a method that can change something. */
function changes(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method);
}

/**
 * Refuses state-changing requests from other sites (403), whatever the authentication. Not Hono's `csrf`: that one
 * checks only the content types a page on another site can send without asking first (forms, plain text); this
 * refuses every cross-site write, CSV and JSON ones included.
 */
export function refuseCrossSite(): MiddlewareHandler {
  return async (c, next) => {
    if (changes(c.req.method)) {
      const site = c.req.header("sec-fetch-site");
      const origin = c.req.header("origin");
      // The app's own host as the browser addressed it (a proxy in front keeps it in X-Forwarded-Host).
      const host = c.req.header("x-forwarded-host") ?? c.req.header("host") ?? new URL(c.req.url).host;
      if (site === "cross-site" || (origin !== undefined && hostOf(origin) !== host)) {
        return c.json({ error: "cross-site requests may not change anything here" }, 403);
      }
    }
    await next();
  };
}

/** The host of an origin (`null` for an opaque one, which is never the app's). */
function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}

/** Compares two secrets in constant time (their hashes, so lengths do not leak either). */
function sameSecret(a: string, b: string): boolean {
  const hash = (s: string) => createHash("sha256").update(s).digest();
  return timingSafeEqual(hash(a), hash(b));
}

/**
 * Failed sign-ins by client address, whatever the means (the form or a bearer token): after `limit` failures in a
 * window the address waits for the window's end, the right token included. Memory stays bounded: past `tracked`
 * addresses, those whose window has passed are forgotten, then the oldest.
 */
export class SignInLimiter {
  readonly #failures = new Map<string, { count: number; since: number }>();

  constructor(
    readonly limit = FAILED_SIGN_INS,
    readonly windowMs = SIGN_IN_WINDOW_MS,
    readonly tracked = TRACKED_ADDRESSES,
  ) {}

  /** Seconds `address` must wait before trying again; 0 when it may try now. */
  wait(address: string, now = Date.now()): number {
    const failures = this.#failures.get(address);
    if (!failures || now - failures.since >= this.windowMs || failures.count < this.limit) return 0;
    return Math.ceil((failures.since + this.windowMs - now) / 1000);
  }

  failed(address: string, now = Date.now()): void {
    const failures = this.#failures.get(address);
    const recent = failures && now - failures.since < this.windowMs ? failures : { count: 0, since: now };
    this.#failures.delete(address); // re-inserted last: the map's order is the order of last failure
    this.#failures.set(address, { count: recent.count + 1, since: recent.since });
    if (this.#failures.size > this.tracked) this.#forget(now);
  }

  succeeded(address: string): void {
    this.#failures.delete(address);
  }

  /** How many addresses are remembered. */
  get size(): number {
    return this.#failures.size;
  }

  #forget(now: number): void {
    for (const [address, failures] of this.#failures) {
      if (now - failures.since >= this.windowMs) this.#failures.delete(address);
    }
    for (const address of this.#failures.keys()) {
      if (this.#failures.size <= this.tracked) break;
      this.#failures.delete(address);
    }
  }
}

/** The guard and sign-in routes for a set of tokens. */
export class Authentication {
  readonly #tokens: readonly AuthToken[];
  readonly #key: string;
  readonly #limiter = new SignInLimiter();
  readonly #bearer: MiddlewareHandler;

  constructor(tokens: readonly AuthToken[]) {
    this.#tokens = tokens;
    // Sessions survive a restart (the same tokens give the same key) and end when the tokens change.
    this.#key = createHash("sha256").update(`ticket-triage-session\n${tokens.map((t) => t.token).join("\n")}`).digest(
      "base64",
    );
    const refused = { error: "authentication required: send Authorization: Bearer <token>" };
    this.#bearer = bearerAuth({
      // A bearer token is a sign-in too: a wrong one counts against the address as a failed form does.
      verifyToken: (token, c) => {
        const owner = this.#owner(token), address = clientAddress(c);
        if (owner === null) this.#limiter.failed(address);
        else this.#limiter.succeeded(address);
        if (owner) (c.set as (key: string, value: unknown) => void)(AGENT, owner);
        return owner !== null;
      },
      invalidTokenMessage: refused,
      invalidAuthenticationHeaderMessage: refused,
      noAuthenticationHeaderMessage: refused,
    });
  }

  /** The token's owner (its name, or "" for an unnamed token), or null when no token matches. */
  #owner(token: string): string | null {
    let owner: string | null = null;
    // Every token is compared, so the time taken does not tell which one matched.
    for (const t of this.#tokens) if (sameSecret(token, t.token) && owner === null) owner = t.name ?? "";
    return owner;
  }

  /** The owner of a valid, unexpired session (Hono's signed cookie of `owner.expires`), else null. */
  async #sessionOwner(c: Context): Promise<string | null> {
    const value = await getSignedCookie(c, this.#key, SESSION);
    if (!value) return null;
    // Read from the right: an owner's name may hold dots (jane.doe).
    const at = value.lastIndexOf(".");
    if (at < 0 || Number(value.slice(at + 1)) * 1000 < Date.now()) return null;
    try {
      return decodeURIComponent(value.slice(0, at));
    } catch {
      return null;
    }
  }

  /** Requires a token or a session everywhere but the health checks and `/login`; sets `agent` to who it is. */
  guard(): MiddlewareHandler {
    return async (c, next) => {
      const path = c.req.path;
      if (path === "/healthz" || path === "/livez" || path === "/login") return await next();
      if (c.req.header("authorization") !== undefined) {
        const wait = this.#limiter.wait(clientAddress(c));
        if (wait > 0) {
          c.header("retry-after", String(wait));
          return c.json({ error: "too many failed sign-ins from this address: wait a minute and try again" }, 429);
        }
        return await this.#bearer(c, next);
      }
      const owner = await this.#sessionOwner(c);
      if (owner === null) {
        if (path.startsWith("/api/") || c.req.method !== "GET") {
          return c.json({ error: "authentication required: send Authorization: Bearer <token>" }, 401);
        }
        return c.redirect(`/login?next=${encodeURIComponent(path + new URL(c.req.url).search)}`, 303);
      }
      if (owner !== "") (c.set as (key: string, value: unknown) => void)(AGENT, owner);
      await next();
    };
  }

  /** The sign-in page (`GET /login`), its form (`POST /login`) and signing out (`POST /logout`). */
  routes(app: Hono): void {
    app.post("/logout", (c) => {
      deleteCookie(c, SESSION, { path: "/", httpOnly: true, sameSite: "Strict" });
      return c.redirect("/login", 303);
    });
    app.get("/login", (c) => c.html(loginPage(safeNext(c.req.query("next")), null)));
    app.post("/login", async (c) => {
      const address = clientAddress(c), wait = this.#limiter.wait(address);
      if (wait > 0) {
        c.header("retry-after", String(wait));
        return c.html(loginPage("/", "Too many failed sign-ins: wait a minute and try again."), 429);
      }
      const form = await c.req.parseBody().catch(() => ({} as Record<string, unknown>));
      const next = safeNext(typeof form.next === "string" ? form.next : undefined);
      const owner = typeof form.token === "string" ? this.#owner(form.token) : null;
      if (owner === null) {
        this.#limiter.failed(address);
        return c.html(loginPage(next, "That token is not right."), 401);
      }
      this.#limiter.succeeded(address);
      const expires = Math.floor(Date.now() / 1000) + SESSION_SECONDS;
      await setSignedCookie(c, SESSION, `${encodeURIComponent(owner)}.${expires}`, this.#key, {
        path: "/",
        httpOnly: true,
        sameSite: "Strict",
        maxAge: SESSION_SECONDS,
        secure: new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https",
      });
      return c.redirect(next, 303);
    });
  }
}

/** Where to go after signing in: a path of this app only (never another site). */
function safeNext(next: string | undefined): string {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

/** The client's address as the server saw it (for rate-limiting sign-ins). */
function clientAddress(c: Context): string {
  const info = (c.env as { remoteAddr?: { hostname?: string } } | undefined)?.remoteAddr;
  return info?.hostname ?? "unknown";
}

/** The sign-in page: a form with one password field, its text escaped. */
function loginPage(next: string, message: string | null): string {
  const escape = (s: string) =>
    s.replace(/[&<>"']/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[ch]!);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Ticket Triage</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:24rem;margin:10vh auto;padding:0 1rem;color:#1b1e23;background:#fff}
@media (prefers-color-scheme: dark){body{color:#e8e8e8;background:#161616}input{background:#222;color:#e8e8e8}}
label{display:block;margin:1rem 0 .3rem}input{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}
button{margin-top:1rem;padding:.5rem 1rem;font:inherit}.error{color:#b00020}@media (prefers-color-scheme: dark){.error{color:#ff8a80}}</style>
</head><body><main>
<h1>Ticket Triage</h1>
<p>Sign in with an access token (ask whoever runs this app).</p>
${message ? `<p class="error" role="alert">${escape(message)}</p>` : ""}
<form method="post" action="/login">
<input type="hidden" name="next" value="${escape(next)}">
<label for="token">Access token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Sign in</button>
</form>
</main></body></html>`;
}
