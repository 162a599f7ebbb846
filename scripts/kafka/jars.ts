/**
 * The Apache Kafka broker's jars, from Maven Central, for development, tests and CI without Docker: `pom.xml`
 * beside this file names the broker, Maven copies its jars into `.kafka/lib/<version>/` once (later runs reuse
 * them), and `java` 17 runs them. `deno task setup` calls {@linkcode ensureKafkaJars}; tests ask
 * {@linkcode kafkaMissing} whether a broker can run here.
 *
 * @module
 */

/**
 * The pinned broker version: the newest Kafka on Maven Central here. Kafka 4 dropped old protocol versions
 * (KIP-896), but every API kafkajs 2.2.4 uses still overlaps: kafkajs speaks up to Produce v7, Fetch v11,
 * ListOffsets v3, OffsetCommit v5, JoinGroup v5, CreateTopics v3, DeleteTopics v1, InitProducerId v1, and the
 * 4.4.0 broker accepts from Produce v3, Fetch v4, ListOffsets v1, OffsetCommit v2, JoinGroup v0, CreateTopics v2,
 * DeleteTopics v1, InitProducerId v0. `tests/kafka_broker_test.ts` proves topic creation, the idempotent producer with
 * acks=all, consumer groups and offset commits. Change it together with `kafka.version` in `pom.xml` beside this file.
 */
export const KAFKA_VERSION = "4.4.0";

/** The project root (this file is `scripts/kafka/jars.ts`). */
const ROOT = new URL("../../", import.meta.url);
const POM = fromFileUrl(new URL("pom.xml", import.meta.url));
/** Where jars and the persistent dev log dir live; `.gitignore` ignores it. */
export const LOCAL_KAFKA_DIR = fromFileUrl(new URL(".kafka/", ROOT));
/** Written into a jar dir once Maven has copied every jar into it; a dir without it is incomplete. */
const COMPLETE_MARKER = ".complete";

/** Raised when the broker cannot be resolved, formatted or started; the message carries the log's errors. */
export class LocalBrokerError extends Error {
  override name = "LocalBrokerError";
  /** Set when a broker failed to start: its data dir (with `broker.log`), kept for inspection. */
  keptDir?: string;
}

/**
 * Tells whether this machine can run a local broker: `null` when Java runs and the jars are cached or Maven can
 * fetch them, otherwise the reason. Tests that need a broker are ignored (or, under CI, fail) with this reason.
 */
export async function kafkaMissing(version: string = KAFKA_VERSION): Promise<string | null> {
  const java = await javaProblem();
  if (java !== null) return java;
  if (await kafkaJarsCached(version)) return null;
  const mvn = await probe("mvn", ["-v"]);
  if (mvn !== null) {
    return `Kafka ${version} jars are not cached in ${libDir(version)} and Maven cannot fetch them: ${mvn}`;
  }
  return null;
}

/** The directory holding a version's jars. */
export function libDir(version: string = KAFKA_VERSION): string {
  return `${LOCAL_KAFKA_DIR}lib/${version}`;
}

/**
 * Makes sure the broker's jars are in `.kafka/lib/<version>/`, running Maven if they are not (printing progress
 * to stderr). Safe to call from several processes at once: each copies into its own directory and renames it
 * into place.
 *
 * @returns the jar directory.
 */
export async function ensureKafkaJars(version: string = KAFKA_VERSION): Promise<string> {
  const dir = libDir(version);
  if (await kafkaJarsCached(version)) return dir;
  const mvn = await probe("mvn", ["-v"]);
  if (mvn !== null) {
    throw new LocalBrokerError(`Kafka ${version} jars are not cached in ${dir} and Maven is missing: ${mvn}`);
  }
  await Deno.mkdir(`${LOCAL_KAFKA_DIR}lib`, { recursive: true });
  const staging = await Deno.makeTempDir({ dir: `${LOCAL_KAFKA_DIR}lib`, prefix: `.${version}-` });
  const started = performance.now();
  console.error(`kafka: resolving Apache Kafka ${version} jars with Maven into ${dir} (first run only) ...`);
  try {
    const out = await new Deno.Command("mvn", {
      args: [
        "-q",
        "-B",
        "-Dstyle.color=never",
        "-f",
        POM,
        `-Dkafka.version=${version}`,
        `-DoutputDirectory=${staging}`,
        "dependency:copy-dependencies",
      ],
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      const text = decode(out.stdout) + decode(out.stderr);
      throw new LocalBrokerError(`Maven could not resolve Kafka ${version} (exit ${out.code}):\n${tail(text, 40)}`);
    }
    const jars = [];
    for await (const entry of Deno.readDir(staging)) if (entry.name.endsWith(".jar")) jars.push(entry.name);
    if (!jars.some((name) => name.startsWith(`kafka_2.13-${version}`))) {
      throw new LocalBrokerError(`Maven finished but kafka_2.13-${version}.jar is not among ${jars.length} jars`);
    }
    await Deno.writeTextFile(`${staging}/${COMPLETE_MARKER}`, jars.sort().join("\n") + "\n");
    try {
      await Deno.rename(staging, dir);
    } catch (error) {
      // Another process finished first: keep its copy.
      if (!(await kafkaJarsCached(version))) throw error;
    }
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    console.error(`kafka: ${jars.length} jars for Kafka ${version} ready in ${seconds} s`);
    return dir;
  } finally {
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

/** Null when `java` runs and is version 17 or newer (Kafka 4 brokers need 17), else the reason. */
export async function javaProblem(): Promise<string | null> {
  try {
    const out = await new Deno.Command(javaBin(), { args: ["-version"], stdout: "piped", stderr: "piped" }).output();
    const text = decode(out.stderr) + decode(out.stdout);
    if (!out.success) return `${javaBin()} -version failed: ${tail(text, 5)}`;
    const match = text.match(/version "(\d+)(?:\.(\d+))?/);
    const major = match ? (match[1] === "1" ? Number(match[2]) : Number(match[1])) : NaN;
    if (!(major >= 17)) return `Java 17 or newer is needed to run the Kafka broker, found: ${tail(text, 3)}`;
    return null;
  } catch (error) {
    return `Java 17 or newer is needed to run the Kafka broker: ${javaBin()} is not runnable: ${
      (error as Error).message
    }`;
  }
}

export function javaBin(): string {
  const home = Deno.env.get("JAVA_HOME");
  return home ? `${home}/bin/java` : "java";
}

/** Whether a version's jars are all in `.kafka/lib/<version>/`. */
export async function kafkaJarsCached(version: string = KAFKA_VERSION): Promise<boolean> {
  try {
    const listed = (await Deno.readTextFile(`${libDir(version)}/${COMPLETE_MARKER}`)).split("\n").filter(Boolean);
    for (const jar of listed) await Deno.stat(`${libDir(version)}/${jar}`);
    return listed.length > 0;
  } catch {
    return false;
  }
}

/** Runs a command and answers null when it exits 0, or the reason it could not. */
async function probe(cmd: string, args: string[]): Promise<string | null> {
  try {
    const out = await new Deno.Command(cmd, { args, stdout: "null", stderr: "piped" }).output();
    return out.success ? null : `${cmd} ${args.join(" ")} failed: ${tail(decode(out.stderr), 5)}`;
  } catch (error) {
    return `${cmd} is not runnable: ${(error as Error).message}`;
  }
}

function fromFileUrl(url: URL): string {
  return decodeURIComponent(url.pathname);
}

/** The last `lines` lines of `text`. */
export function tail(text: string, lines: number): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/** UTF-8 bytes as text. */
export function decode(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
