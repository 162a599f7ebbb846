/**
 * `deno task setup` (and the first step of `deno task test`): installs what the tests and the tools need, from the
 * package registries, into this folder where it can. Idempotent: when everything is there it only checks (about a
 * second). Prints one line per part; for a part it cannot install it says exactly what to install, and the tests
 * that need it are reported as ignored (under `CI=true`, setup fails instead).
 *
 * - npm packages (`deno install`, into `node_modules/`);
 * - the Python training libraries, into a project-local virtual environment `.venv/` (`models/requirements.txt`);
 * - chdb, the ClickHouse engine for tests, with npm into `.cache/chdb/`;
 * - the compose-go checker of docker-compose.yml, built with Go into `.cache/compose-check/` (modules from the Go
 *   module proxy into `.cache/go/`);
 * - Java 17 and Maven, then the Kafka broker's jars into `.kafka/lib/`;
 * - Chromium for the browser tests.
 *
 * Java, Maven and Chromium come from the OS: installed with apt-get when this runs as root on Debian.
 *
 * @module
 */
import { commandLine, runCommand } from "../src/cli.ts";
import { ensureKafkaJars, javaProblem, KAFKA_VERSION, kafkaJarsCached } from "./kafka/jars.ts";
import { chdbMissing, installChdb } from "./clickhouse/chdb.ts";
import { buildComposeCheck, composeCheckMissing, findGo } from "./compose_check.ts";
import { chromiumMissing, commandWorks } from "./means.ts";
import { PROJECT_PYTHON, pythonMissing, REQUIREMENTS } from "../src/train/python.ts";
import { fileURLToPath } from "node:url";

const HELP = `Usage: deno task setup

Installs what the tests need, where missing: npm packages (node_modules/), the Python training libraries
(.venv/, from models/requirements.txt), chdb (.cache/chdb/), the compose-go checker (.cache/compose-check/, built
with Go), Java 17 + Maven + the Kafka ${KAFKA_VERSION} jars (.kafka/lib/), Chromium. Java, Maven and Chromium are
installed with apt-get when run as root on Debian; otherwise the line for each says what to install. Safe to run
any number of times; \`deno task test\` runs it first. Exit code 0, or 1 when something is missing and CI=true.`;

const ROOT = fileURLToPath(new URL("../", import.meta.url));

/** One part of the setup: how to tell whether it is there, and how to install it. */
interface Part {
  name: string;
  /** Null when present, else why not. */
  missing: () => Promise<string | null>;
  /** Installs it; the returned text, if any, is what a person must do instead. */
  install: () => Promise<string | null>;
}

const canApt = Deno.uid() === 0 && (await commandWorks("apt-get", ["--version"])) === null;
let aptUpdated = false;

/** Installs Debian packages (as root); answers null, or the command a person should run. */
async function apt(...packages: string[]): Promise<string | null> {
  const command = `apt-get install -y --no-install-recommends ${packages.join(" ")}`;
  if (!canApt) return `install them: sudo ${command} (Debian), or your system's equivalent`;
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  if (!aptUpdated) {
    await run("apt-get", ["update", "-qq"], { env });
    aptUpdated = true;
  }
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { env });
  return null;
}

/** Runs a command with its output shown; throws when it fails. */
async function run(cmd: string, args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const status = await new Deno.Command(cmd, { args, ...options, stdin: "null" }).spawn().status;
  if (!status.success) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${status.code}`);
}

const PARTS: Part[] = [
  {
    name: "Python training libraries (.venv/)",
    missing: () => pythonMissing(),
    install: async () => {
      const python = (await commandWorks("python3", ["--version"])) === null ? "python3" : null;
      if (python === null) {
        return "install Python 3.9 or newer with its venv module (Debian: apt-get install python3-venv)";
      }
      await run(python, ["-m", "venv", ".venv"], { cwd: ROOT });
      await run(PROJECT_PYTHON, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", REQUIREMENTS]);
      return null;
    },
  },
  {
    name: "chdb, the ClickHouse engine for tests (.cache/chdb/)",
    missing: () => Promise.resolve(chdbMissing()),
    install: async () => {
      if ((await commandWorks("npm", ["--version"])) !== null) {
        return `install Node.js with npm, then run deno task setup`;
      }
      await installChdb();
      return null;
    },
  },
  {
    name: "compose-go checker of docker-compose.yml (.cache/compose-check/)",
    missing: () => Promise.resolve(composeCheckMissing()),
    install: async () => {
      const go = await findGo();
      if (go === null) return "install Go 1.24 or newer (https://go.dev/dl/), then run deno task setup";
      await buildComposeCheck(go);
      return null;
    },
  },
  {
    name: "Java 17 or newer (Kafka broker)",
    missing: () => javaProblem(),
    install: () => apt("openjdk-17-jre-headless"),
  },
  {
    name: "Maven (fetches the Kafka broker's jars)",
    missing: () => commandWorks("mvn", ["-v"]),
    install: () => apt("maven"),
  },
  {
    name: `Kafka ${KAFKA_VERSION} broker jars (.kafka/lib/)`,
    missing: async () => (await kafkaJarsCached()) ? null : "not cached",
    install: async () => {
      await ensureKafkaJars();
      return null;
    },
  },
  {
    name: "Chromium (browser tests)",
    missing: () => chromiumMissing(),
    install: () => apt("chromium"),
  },
];

async function main(): Promise<number> {
  commandLine(HELP, {});
  const started = performance.now();
  // `deno install` is its own check: it returns in a fraction of a second when nothing changed.
  await run(Deno.execPath(), ["install", "--quiet"], { cwd: ROOT });
  console.error("setup: ok       npm packages (node_modules/)");
  const left: string[] = [];
  for (const part of PARTS) {
    const before = await part.missing();
    if (before === null) {
      console.error(`setup: ok       ${part.name}`);
      continue;
    }
    let instead: string | null;
    try {
      instead = await part.install();
    } catch (error) {
      instead = `installing failed: ${(error as Error).message}`;
    }
    const after = instead ?? await part.missing();
    if (after === null) {
      console.error(`setup: ready    ${part.name}`);
    } else {
      console.error(`setup: MISSING  ${part.name}: ${instead ?? after}`);
      left.push(part.name);
    }
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  if (left.length === 0) {
    console.error(`setup: everything the tests need is here (${seconds} s)`);
    return 0;
  }
  console.error(`setup: ${left.length} missing (${seconds} s); the tests that need them will be reported as ignored`);
  return Deno.env.get("CI") === "true" ? 1 : 0;
}

if (import.meta.main) runCommand(main);
