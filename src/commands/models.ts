/**
 * `deno task models`, `deno task models:promote VERSION` and `deno task rescore`: the model registry from a shell.
 * They talk to the running app (`--url`, default `http://localhost:$PORT`); with no app running, `models` and
 * `models:promote` use the registry folder itself (`MODEL_REGISTRY_DIR`, default `DATA_DIR/models`), which every
 * process of the app watches.
 *
 * @module
 */
import { commandLine, runCommand, UsageError } from "../cli.ts";
import { appUrl, fetchApp } from "../client/app.ts";
import { loadConfig } from "../config.ts";
import { openRegistry, PromotionRefused, UnknownVersion } from "../score/registry.ts";

const HELP = `Usage: deno task models [--url URL]
       deno task models:promote VERSION [--force] [--url URL]
       deno task rescore [--url URL]

models           prints the model versions of the registry, which one is live and how each did on held-out tickets
models:promote   makes VERSION the live model; the web server and every scorer switch within seconds, without a
                 restart. A version clearly worse than the live model on the same labelled tickets is refused
                 unless --force. Rolling back is promoting the previous version.
rescore          scores every stored open ticket again with the live model, with progress

The app is found at --url (default http://localhost:$PORT, PORT defaulting to 8000); with no app answering, models
and models:promote use the registry folder (MODEL_REGISTRY_DIR, default DATA_DIR/models) directly. When the app
asks for a token, set AUTH_TOKEN (the first of its tokens is sent).`;

/** The app's answer, or null when nothing answers at `base` (and no --url insisted on it). */
async function ask(base: string, path: string, init: RequestInit, insist: boolean): Promise<Response | null> {
  try {
    return await fetchApp(`${base}${path}`, init);
  } catch (error) {
    if (error instanceof UsageError) throw error; // the app answered, and asked for a token
    if (insist) throw new UsageError(`no app answers at ${base}: ${(error as Error).message}`);
    return null;
  }
}

async function main(): Promise<number> {
  const { values, positionals } = commandLine(HELP, {
    url: { type: "string" },
    force: { type: "boolean" },
  }, { positionals: true });
  const [command = "list", version] = positionals;
  const base = appUrl(values.url);
  const insist = values.url !== undefined;

  if (command === "list") {
    const response = await ask(base, "/api/models", {}, insist);
    const answer = response ? await response.json() : await (async () => {
      const registry = await openRegistry(loadConfig().modelRegistryDir);
      return { live: (await registry.live()).version, versions: await registry.versions() };
    })();
    console.log(JSON.stringify(answer, null, 2));
    return response && !response.ok ? 1 : 0;
  }

  if (command === "promote") {
    if (!version) throw new UsageError(`give the version to promote\n\n${HELP}`);
    const response = await ask(base, `/api/models/${encodeURIComponent(version)}/promote`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ force: values.force === true }),
    }, insist);
    if (response) {
      const answer = await response.json();
      console.log(JSON.stringify(answer, null, 2));
      return response.ok ? 0 : response.status === 409 || response.status === 404 ? 2 : 1;
    }
    try {
      const registry = await openRegistry(loadConfig().modelRegistryDir);
      console.log(JSON.stringify(await registry.promote(version, { force: values.force === true }), null, 2));
      return 0;
    } catch (error) {
      if (error instanceof UnknownVersion || error instanceof PromotionRefused) throw new UsageError(error.message);
      throw error;
    }
  }

  if (command === "rescore") {
    const response = await ask(base, "/api/rescore", { method: "POST" }, true);
    if (!response?.ok || !response.body) throw new Error(`the rescore answered ${response?.status}`);
    let failed = false;
    for await (const line of response.body.pipeThrough(new TextDecoderStream()).pipeThrough(lines())) {
      const progress = JSON.parse(line);
      if (progress.error) {
        console.error(`rescore: ${progress.error}`);
        failed = true;
      } else if (progress.done) {
        console.error(`rescore: ${progress.published} open tickets sent to be scored by ${progress.model_version}`);
      } else {
        console.error(`rescore: ${progress.published} of ${progress.total} open tickets sent...`);
      }
    }
    return failed ? 1 : 0;
  }
  throw new UsageError(`unknown command ${command}\n\n${HELP}`);
}

/** Splits a text stream into lines. */
function lines(): TransformStream<string, string> {
  let partial = "";
  return new TransformStream({
    transform(chunk, controller) {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop()!;
      for (const part of parts) if (part.trim()) controller.enqueue(part);
    },
    flush(controller) {
      if (partial.trim()) controller.enqueue(partial);
    },
  });
}

if (import.meta.main) runCommand(main);
