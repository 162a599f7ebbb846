/**
 * `deno task kafka:local`: runs a real single-node Apache Kafka broker (KRaft) on 127.0.0.1 in the foreground,
 * with its data kept under `.kafka/data`, until Ctrl-C stops it cleanly. The first run fetches the broker's jars
 * with Maven (see `jars.ts`).
 *
 * @module
 */
import { commandLine, runCommand, UsageError } from "../../src/cli.ts";
import { startLocalBroker } from "./broker.ts";
import { KAFKA_VERSION, LOCAL_KAFKA_DIR, LocalBrokerError } from "./jars.ts";

const HELP = `Usage: deno task kafka:local [--logs] [--reset] [--help]

Runs Apache Kafka ${KAFKA_VERSION} (KRaft, one combined broker and controller) on 127.0.0.1 until Ctrl-C.
Needs Java 17+, and Maven on the first run to fetch the broker's jars into .kafka/lib/${KAFKA_VERSION}/.

Options:
  --logs    stream the broker's log to the terminal (it is always written to .kafka/data/broker.log)
  --reset   delete .kafka/data first (all topics, messages and committed offsets)
  --help    show this help

Environment:
  KAFKA_PORT             client port (default 9092)
  KAFKA_CONTROLLER_PORT  KRaft controller port (default: any free port)

Then point the app at it:
  KAFKA_BROKERS=127.0.0.1:9092 deno task start
Topics are not created automatically (auto.create.topics.enable=false): clients create them.
`;

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

async function main(): Promise<number> {
  const { values } = commandLine(HELP, { logs: { type: "boolean" }, reset: { type: "boolean" } });

  const clientPort = port("KAFKA_PORT", 9092);
  const controllerPort = port("KAFKA_CONTROLLER_PORT", 0);
  for (const [name, value] of [["KAFKA_PORT", clientPort], ["KAFKA_CONTROLLER_PORT", controllerPort]] as const) {
    if (value !== 0 && !portFree(value)) {
      console.error(`127.0.0.1:${value} is already in use (another broker running?); set ${name} to another port`);
      return 1;
    }
  }
  const dataDir = `${LOCAL_KAFKA_DIR}data`;
  if (values.reset) {
    await Deno.remove(dataDir, { recursive: true }).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    console.error(`kafka: deleted ${dataDir}`);
  }

  console.error(`kafka: starting Apache Kafka ${KAFKA_VERSION} on 127.0.0.1:${clientPort} ...`);
  let broker;
  try {
    broker = await startLocalBroker({ port: clientPort, controllerPort, dataDir, quiet: !values.logs });
  } catch (error) {
    if (error instanceof LocalBrokerError) {
      console.error(`kafka: ${error.message}`);
      return 1;
    }
    throw error;
  }

  console.log(`
Apache Kafka ${KAFKA_VERSION} (KRaft, single node) is ready on ${broker.brokers} (started in ${
    (broker.startMs / 1000).toFixed(1)
  } s)
  data: ${dataDir} (kept between runs; --reset deletes it)
  log:  ${dataDir}/broker.log

Use it from another terminal:
  KAFKA_BROKERS=${broker.brokers} deno task start

Ctrl-C stops the broker cleanly.`);

  const { promise: signalled, resolve } = Promise.withResolvers<Deno.Signal>();
  for (const signal of ["SIGINT", "SIGTERM"] as const) Deno.addSignalListener(signal, () => resolve(signal));
  const outcome = await Promise.race([signalled, broker.exited()]);
  if (typeof outcome === "string") {
    console.error(`\nkafka: ${outcome}: stopping the broker ...`);
    const started = performance.now();
    await broker.stop();
    console.error(`kafka: stopped in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  }
  console.error(`kafka: the broker exited unexpectedly (code ${outcome?.code}); see ${dataDir}/broker.log`);
  await broker.stop();
  return 1;
}

if (import.meta.main) runCommand(main);
