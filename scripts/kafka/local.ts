/**
 * `deno task kafka:local [--brokers N]`: runs real Apache Kafka (KRaft) on 127.0.0.1 in the foreground: one
 * combined broker and controller, or a cluster of N nodes as separate processes, with data kept under `.kafka/`,
 * until Ctrl-C stops it cleanly. A node that dies (a crash, or `kill -9` to see the cluster carry on) is started
 * again on its ports and data, and rejoins. The first run fetches the broker's jars with Maven (see `jars.ts`).
 *
 * @module
 */
import { commandLine, runCommand, UsageError } from "../../src/cli.ts";
import { clusterReplicationFactor, minInsyncReplicas } from "../../src/bus/kafka_topics.ts";
import { type LocalCluster, type LocalNode, MAX_CONTROLLERS, MAX_NODES, startLocalCluster } from "./broker.ts";
import { KAFKA_VERSION, LOCAL_KAFKA_DIR, LocalBrokerError } from "./jars.ts";

const HELP = `Usage: deno task kafka:local [--brokers N] [--logs] [--reset] [--help]

Runs Apache Kafka ${KAFKA_VERSION} (KRaft) on 127.0.0.1 until Ctrl-C: one node that is both broker and controller,
or with --brokers N a cluster of N nodes, each its own Java process; the first ${MAX_CONTROLLERS} are also the
controller quorum. A node that dies is started again after 2 s and rejoins.
Needs Java 17+, and Maven on the first run to fetch the broker's jars into .kafka/lib/${KAFKA_VERSION}/.

Options:
  --brokers N  nodes, 1 to ${MAX_NODES} (default 1); node i listens on KAFKA_PORT + i - 1
  --logs       stream the brokers' logs to the terminal (always written to broker.log in each node's data dir)
  --reset      delete this cluster size's data first (all topics, messages and committed offsets)
  --help       show this help

Environment:
  KAFKA_PORT             client port of node 1 (default 9092)
  KAFKA_CONTROLLER_PORT  controller port of node 1, then +1, ... (default: any free ports)

Data: .kafka/data (one node), .kafka/cluster-N/node-<id> (N nodes).

Then point the app at it:
  KAFKA_BROKERS=127.0.0.1:9092 deno task kafka:setup     (topics: replication factor min(3, N))
  KAFKA_BROKERS=127.0.0.1:9092 deno task start
Topics are not created automatically (auto.create.topics.enable=false): clients create them.
`;

/** How long a dead node stays down before it is started again. */
const RESTART_AFTER_MS = 2_000;

function port(name: string, fallback: number): number {
  const raw = Deno.env.get(name)?.trim();
  if (!raw) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new UsageError(`${name} must be a port from 1 to 65535, got "${raw}"`);
  }
  return value;
}

function portFree(value: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port: value }).close();
    return true;
  } catch {
    return false;
  }
}

function nodeLine(node: LocalNode): string {
  return `node ${node.id} pid ${node.pid} on 127.0.0.1:${node.port}${node.controller ? " (broker, controller)" : ""}`;
}

/** Waits for Ctrl-C; starts again any node that dies meanwhile. Answers the exit code. */
async function supervise(cluster: LocalCluster): Promise<number> {
  const { promise: signalled, resolve } = Promise.withResolvers<Deno.Signal>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => resolve(signal));
  const watch = (node: LocalNode) => node.exited().then((status) => ({ node, status }));
  const watched = new Map(cluster.nodes.map((node) => [node, watch(node)]));
  while (true) {
    const outcome = await Promise.race([signalled, ...watched.values()]);
    if (typeof outcome === "string") {
      console.error(`\nkafka: ${outcome}: stopping ${cluster.nodes.length === 1 ? "the broker" : "every node"} ...`);
      const started = performance.now();
      await cluster.stop();
      console.error(`kafka: stopped in ${((performance.now() - started) / 1000).toFixed(1)} s`);
      return 0;
    }
    const { node, status } = outcome;
    const how = status?.signal ? `signal ${status.signal}` : `code ${status?.code}`;
    console.error(`kafka: node ${node.id} exited (${how}); starting it again in ${RESTART_AFTER_MS / 1000} s`);
    try {
      await node.restart(RESTART_AFTER_MS);
    } catch (error) {
      console.error(`kafka: node ${node.id} did not start again: ${(error as Error).message}`);
      await cluster.stop();
      return 1;
    }
    console.log(`${nodeLine(node)}: back after ${(node.startMs / 1000).toFixed(1)} s`);
    watched.set(node, watch(node));
  }
}

async function main(): Promise<number> {
  const { values } = commandLine(HELP, {
    brokers: { type: "string", default: "1" },
    logs: { type: "boolean" },
    reset: { type: "boolean" },
  });
  const brokers = Number(values.brokers);
  if (!Number.isInteger(brokers) || brokers < 1 || brokers > MAX_NODES) {
    throw new UsageError(`--brokers must be a whole number from 1 to ${MAX_NODES}, got "${values.brokers}"`);
  }
  const clientPort = port("KAFKA_PORT", 9092);
  const controllerPort = port("KAFKA_CONTROLLER_PORT", 0);
  const wanted = [
    ...Array.from({ length: brokers }, (_, i) => ["KAFKA_PORT", clientPort + i] as const),
    ...(controllerPort === 0
      ? []
      : Array.from({ length: Math.min(brokers, MAX_CONTROLLERS) }, (_, i) =>
        ["KAFKA_CONTROLLER_PORT", controllerPort + i] as const)),
  ];
  for (const [name, value] of wanted) {
    if (value > 65535 || !portFree(value)) {
      console.error(`127.0.0.1:${value} is not free (another broker running?); set ${name} to another port`);
      return 1;
    }
  }
  const dataDir = brokers === 1 ? `${LOCAL_KAFKA_DIR}data` : `${LOCAL_KAFKA_DIR}cluster-${brokers}`;
  if (values.reset) {
    await Deno.remove(dataDir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    console.error(`kafka: deleted ${dataDir}`);
  }

  const what = brokers === 1 ? "one node" : `${brokers} nodes`;
  console.error(`kafka: starting Apache Kafka ${KAFKA_VERSION} (${what}) on 127.0.0.1:${clientPort} ...`);
  let cluster;
  try {
    cluster = await startLocalCluster({ brokers, port: clientPort, controllerPort, dataDir, quiet: !values.logs });
  } catch (error) {
    if (error instanceof LocalBrokerError) {
      console.error(`kafka: ${error.message}`);
      return 1;
    }
    throw error;
  }

  const factor = clusterReplicationFactor(brokers);
  console.log(cluster.nodes.map(nodeLine).join("\n"));
  console.log(`
Apache Kafka ${KAFKA_VERSION} (KRaft, ${what}) is ready on ${cluster.brokers} (started in ${
    (cluster.startMs / 1000).toFixed(1)
  } s)
  data: ${dataDir} (kept between runs; --reset deletes it)
  logs: broker.log in ${brokers === 1 ? "it" : "each node-<id> folder"}
  topics created by clients get replication factor ${factor}, min.insync.replicas ${minInsyncReplicas(factor)}

Use it from another terminal:
  KAFKA_BROKERS=${cluster.brokers} deno task kafka:setup
  KAFKA_BROKERS=${cluster.brokers} deno task start

Ctrl-C stops ${brokers === 1 ? "the broker" : "every node"} cleanly.`);
  return await supervise(cluster);
}

if (import.meta.main) runCommand(main);
