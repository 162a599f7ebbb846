/**
 * How commands talk to a running app (`deno task upload`, `models`, `rescore`, `train --from-store`): where it is,
 * and the token it asks for when `AUTH_TOKEN` is set (sent as `Authorization: Bearer`).
 *
 * @module
 */
import { UsageError } from "../cli.ts";
import { clientToken, readSetting } from "../config.ts";

/** The app's address: `--url` when given, else `http://localhost:$PORT` (PORT defaulting to 8000). */
export function appUrl(url: string | undefined): string {
  return (url ?? `http://localhost:${readSetting("port")}`).replace(/\/+$/, "");
}

/** The headers that authenticate a command to the app: none when `AUTH_TOKEN` is unset. */
export function authHeaders(): Record<string, string> {
  const token = clientToken();
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

/**
 * `fetch` with the command's token. A 401 becomes a {@linkcode UsageError} that says what to set, since the person
 * running the command can act on it.
 */
export async function fetchApp(url: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  for (const [name, value] of Object.entries(authHeaders())) headers.set(name, value);
  const response = await fetch(url, { ...init, headers });
  if (response.status === 401) {
    await response.body?.cancel();
    throw new UsageError(
      clientToken() === null
        ? `${new URL(url).origin} asks for a token: set AUTH_TOKEN to one of the app's tokens`
        : `${new URL(url).origin} does not accept the token in AUTH_TOKEN`,
    );
  }
  return response;
}
