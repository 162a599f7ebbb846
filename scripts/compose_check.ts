/**
 * The compose-go checker (`scripts/compose_check/`, Go): how `deno task setup` builds it, how a test knows it
 * is there and current, and how a test runs it. It loads docker-compose.yml with compose-go, the library
 * `docker compose` uses, so the tests see the project as Docker would, with no Docker here.
 *
 * Go's module and build caches go to `.cache/go/` (git-ignored, like chdb), not the user's home; the binary to
 * `.cache/compose-check/`, with a stamp of the sources it was built from, so setup rebuilds only when they change.
 *
 * @module
 */
import { createHash } from "node:crypto";

const SOURCE_DIR = new URL("./compose_check/", import.meta.url);
const SOURCES = ["go.mod", "go.sum", "main.go"];
const CACHE = new URL("../.cache/", import.meta.url);
const OUT_DIR = new URL("compose-check/", CACHE);

/** The checker binary. */
export const COMPOSE_CHECK = new URL("compose-check", OUT_DIR).pathname;
const STAMP = new URL("compose-check.sources", OUT_DIR);

/** A hash of the checker's sources: the binary is current when its stamp holds this. */
function sourcesHash(): string {
  const hash = createHash("sha256");
  for (const file of SOURCES) hash.update(`${file}\n`).update(Deno.readFileSync(new URL(file, SOURCE_DIR)));
  return hash.digest("hex");
}

/** Why the checker cannot run (not built, or built from other sources), or null when it is current. */
export function composeCheckMissing(): string | null {
  try {
    Deno.statSync(COMPOSE_CHECK);
  } catch {
    return `the compose-go checker is not built (${COMPOSE_CHECK})`;
  }
  try {
    if (Deno.readTextFileSync(STAMP).trim() === sourcesHash()) return null;
  } catch { /* no stamp: built by hand */ }
  return "the compose-go checker was built from other sources than scripts/compose_check/";
}

/** The Go toolchain's command: `go` on PATH, or the official installer's place. Null when neither runs. */
export async function findGo(): Promise<string | null> {
  for (const go of ["go", "/usr/local/go/bin/go"]) {
    try {
      if ((await new Deno.Command(go, { args: ["version"], stdout: "null", stderr: "null" }).output()).success) {
        return go;
      }
    } catch { /* not there */ }
  }
  return null;
}

/** Builds the checker with `go` (modules from the Go module proxy, checked against go.sum), output shown. */
export async function buildComposeCheck(go: string): Promise<void> {
  await Deno.mkdir(OUT_DIR, { recursive: true });
  const status = await new Deno.Command(go, {
    args: ["build", "-trimpath", "-o", COMPOSE_CHECK, "."],
    cwd: SOURCE_DIR.pathname,
    env: {
      GOMODCACHE: new URL("go/mod", CACHE).pathname,
      GOCACHE: new URL("go/build", CACHE).pathname,
      // Module files writable, so that removing .cache/ just works; the go.mod's Go version, not a download.
      GOFLAGS: "-modcacherw",
      GOTOOLCHAIN: "local",
    },
    stdin: "null",
  }).spawn().status;
  if (!status.success) throw new Error(`go build of scripts/compose_check failed with exit code ${status.code}`);
  await Deno.writeTextFile(STAMP, `${sourcesHash()}\n`);
}

/** What the checker answers: the project as compose-go resolved it, or the loader's error. */
export type ComposeCheckResult =
  | { ok: true; project: ResolvedProject }
  | { ok: false; error: string };

/** The parts of compose-go's project JSON the tests read. */
export interface ResolvedProject {
  name: string;
  profiles: string[];
  services: Record<string, ResolvedService>;
  disabled_services: string[];
  volumes?: Record<string, { name: string }>;
  networks?: Record<string, { name: string }>;
}

/** A service as compose-go resolved it (interpolated, env files read, paths absolute, long syntax). */
export interface ResolvedService {
  image?: string;
  profiles?: string[];
  environment?: Record<string, string | null>;
  env_file?: { path: string }[];
  depends_on?: Record<string, { condition: string; required: boolean }>;
  healthcheck?: { test: string[] };
  networks?: Record<string, unknown>;
  volumes?: { type: string; source: string; target: string; read_only?: boolean }[];
}

/** Loads `docker-compose.yml` in `projectDir` with the given profiles enabled. */
export async function composeCheck(projectDir: string, profiles: string[] = []): Promise<ComposeCheckResult> {
  const out = await new Deno.Command(COMPOSE_CHECK, {
    args: [...profiles.flatMap((p) => ["-profile", p]), "-project-directory", projectDir],
    stdout: "piped",
    stderr: "piped",
    clearEnv: true, // nothing from the test's own environment reaches the loader
  }).output();
  if (!out.success) return { ok: false, error: new TextDecoder().decode(out.stderr).trim() };
  return { ok: true, project: JSON.parse(new TextDecoder().decode(out.stdout)) };
}
