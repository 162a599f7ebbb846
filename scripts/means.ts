/**
 * What some tests need from the machine (Java and the Kafka jars, the Python training libraries, Chromium, the
 * ClickHouse engine, the compose-go checker) and how a test is reported when it is missing: Deno marks it *ignored*
 * and the reason is printed once; under CI (`CI=true`) it runs and fails with the reason instead, so a green run
 * never hides a test that did not run. `deno task setup`, the first step of `deno task test`, installs all of it.
 *
 * ```ts
 * Deno.test(await needing(["kafka"], { name: "kafka: ...", fn: async () => {} }));
 * ```
 *
 * @module
 */
import { kafkaMissing } from "./kafka/jars.ts";
import { pythonMissing } from "../src/train/python.ts";
import { chdbMissing } from "./clickhouse/chdb.ts";
import { CHROMIUM } from "./chromium.ts";
import { composeCheckMissing } from "./compose_check.ts";

/** Runs a command and answers null when it exits 0, or the reason it could not. */
export async function commandWorks(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
    return out.success ? null : `${cmd} ${args.join(" ")} failed: ${new TextDecoder().decode(out.stderr).trim()}`;
  } catch (error) {
    return `${cmd} not runnable: ${(error as Error).message}`;
  }
}

/** Null when Chromium runs here, else why not. */
export function chromiumMissing(): Promise<string | null> {
  return commandWorks(CHROMIUM, ["--version"]);
}

/** The means a test can need, with what each is and how to tell it is missing. */
const MEANS = {
  kafka: { what: "Java 17 and the Kafka broker's jars", missing: () => kafkaMissing() },
  python: { what: "the Python training libraries in .venv", missing: () => pythonMissing() },
  chromium: { what: "Chromium", missing: () => chromiumMissing() },
  chdb: { what: "chdb (the ClickHouse engine)", missing: () => Promise.resolve(chdbMissing()) },
  "compose-go": {
    what: "the compose-go checker (built with Go into .cache/compose-check)",
    missing: () => Promise.resolve(composeCheckMissing()),
  },
  /** A private mount namespace, to run the app on a read-only view of the project (root on Linux). */
  readOnlyMount: {
    what: "a private mount namespace (unshare --mount, as root)",
    missing: () => commandWorks("unshare", ["--mount", "sh", "-c", "mount --bind /tmp /tmp"]),
  },
  /** Mounting a small tmpfs, to fill a disk on purpose (root on Linux). */
  mounts: {
    what: "mounting a tmpfs (mount -t tmpfs, as root)",
    missing: () =>
      commandWorks("sh", ["-c", 'd=$(mktemp -d) && mount -t tmpfs -o size=1m tmpfs "$d" && umount "$d" && rmdir "$d"']),
  },
} as const;

/** One of the means tests can need. */
export type Means = keyof typeof MEANS;

/** True when a missing means fails the run instead of ignoring the test. */
export const missingMeansFail = Deno.env.get("CI") === "true";

const checked = new Map<Means, Promise<string | null>>();
const reported = new Set<Means>();

/** Why a means is missing, or null when it is there (checked once per process). */
export function meansMissing(means: Means): Promise<string | null> {
  let answer = checked.get(means);
  if (!answer) checked.set(means, answer = MEANS[means].missing());
  return answer;
}

/**
 * A test definition that runs only where `means` are all present. Where one is missing the test is ignored and
 * the reason printed once; under CI it runs and fails with the reason.
 */
export async function needing(means: Means[], definition: Deno.TestDefinition): Promise<Deno.TestDefinition> {
  const missing: string[] = [];
  for (const m of means) {
    const reason = await meansMissing(m);
    if (reason === null) continue;
    missing.push(`needs ${MEANS[m].what}: ${reason}`);
    if (!reported.has(m) && !missingMeansFail) {
      reported.add(m);
      console.warn(`IGNORED tests that need ${MEANS[m].what}: ${reason} (run deno task setup)`);
    }
  }
  if (missing.length === 0) return definition;
  if (!missingMeansFail) return { ...definition, ignore: true };
  return {
    ...definition,
    fn: () => {
      throw new Error(`${missing.join("; ")} (CI=true: a test without its means fails; run deno task setup)`);
    },
  };
}
