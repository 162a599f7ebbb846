/**
 * Kafka for tests: `deno task scorer` as its own process, as docker-compose runs it (started on a free health port,
 * its log kept, stopped with the signal a test chooses, SIGKILL for a crash), and what a topic or a group holds.
 *
 * @module
 */
import type { Kafka } from "kafkajs";

const ROOT = new URL("../../", import.meta.url);

/** A running scorer process. */
export interface ScorerProcess {
  child: Deno.ChildProcess;
  /** What its `/healthz` answers. */
  // deno-lint-ignore no-explicit-any
  health(): Promise<any>;
  /** Everything it printed on stdout so far. */
  log(): string;
  /** Signals it (SIGTERM by default) and answers its exit status once it and its log ended. */
  stop(signal?: Deno.Signal): Promise<Deno.CommandStatus>;
}

/**
 * Starts a scorer on `brokers` and answers once its health endpoint listens.
 *
 * @param env adds to its environment: the model it scores with (`MODEL_DIR`, or `MODEL_REGISTRY_DIR` to follow a
 * registry's live version), `KAFKA_PARTITIONS`...
 */
export async function startScorerProcess(brokers: string, env: Record<string, string>): Promise<ScorerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/commands/scorer.ts"],
    cwd: ROOT,
    env: { KAFKA_BROKERS: brokers, SCORER_PORT: "0", ...env },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let log = "";
  let port = 0;
  while (!port) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the scorer exited before listening:\n${log}`);
    log += value;
    port = Number(/health on http:\/\/localhost:(\d+)\//.exec(log)?.[1] ?? 0);
  }
  const drained = (async () => {
    for (let r = await reader.read(); !r.done; r = await reader.read()) log += r.value;
  })();
  return {
    child,
    health: async () => await (await fetch(`http://127.0.0.1:${port}/healthz`)).json(),
    log: () => log,
    async stop(signal: Deno.Signal = "SIGTERM") {
      try {
        child.kill(signal);
      } catch { /* gone */ }
      const status = await child.status;
      await drained;
      return status;
    },
  };
}

/** Messages ever written to a topic (sum of partition high-water marks). */
export async function topicSize(kafka: Kafka, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}
