/**
 * Real Apache Kafka on 127.0.0.1 (KRaft), for development, tests and CI, without Docker: one combined broker and
 * controller ({@linkcode startLocalBroker}), or a cluster of up to five nodes, each its own Java process
 * ({@linkcode startLocalCluster}). Its jars come from Maven Central (`jars.ts`); the storage tool formats each log
 * directory, and `java kafka.Kafka server.properties` runs each node with the machine's Java 17.
 *
 * ```ts
 * const broker = await startLocalBroker({ quiet: true });
 * // new Kafka({ brokers: [broker.brokers] }) ...
 * await broker.stop();
 *
 * const cluster = await startLocalCluster({ brokers: 3, quiet: true });
 * await cluster.nodes[1].kill(); // node 2 dies; topics of replication factor 3 carry on
 * await cluster.nodes[1].restart();
 * await cluster.stop();
 * ```
 *
 * @module
 */
import { Kafka, logLevel } from "kafkajs";
import { installIdleQueueFix } from "../../src/bus/kafkajs_request_queue.ts";
import { clusterReplicationFactor, minInsyncReplicas } from "../../src/bus/kafka_topics.ts";
import { decode, ensureKafkaJars, javaBin, KAFKA_VERSION, LocalBrokerError, tail } from "./jars.ts";

export { LocalBrokerError } from "./jars.ts";

/** How to start a broker. */
export interface LocalBrokerOptions {
  /** Client (PLAINTEXT) port on 127.0.0.1; 0 (the default) picks a free one. */
  port?: number;
  /** Controller port on 127.0.0.1; 0 (the default) picks a free one. */
  controllerPort?: number;
  /**
   * The broker's working directory (config, KRaft log dir, `broker.log`). Kept as it is on `stop()`, and
   * formatted only if it holds no log dir yet, so data survives between runs. Default: a new temporary directory,
   * removed on `stop()`.
   */
  dataDir?: string;
  /** Do not echo the broker's log lines to stderr (they are still written to `broker.log` in the data dir). */
  quiet?: boolean;
  /** Partitions of a topic created without a count. Default 3. */
  defaultPartitions?: number;
  /** How long to wait for the broker to answer, in milliseconds. Default 90 s. */
  startTimeoutMs?: number;
  /** Kafka version to run (for trying another one); default {@linkcode KAFKA_VERSION}. */
  version?: string;
}

/** A running local broker. */
export interface LocalBroker {
  /** Bootstrap address for clients, `127.0.0.1:PORT`. */
  readonly brokers: string;
  /** The client port. */
  readonly port: number;
  /** The broker's working directory. */
  readonly dataDir: string;
  /** Milliseconds the last (re)start took, from spawning Java to the broker being ready (see `startLocalBroker`). */
  readonly startMs: number;
  /** Stops the broker cleanly (SIGTERM, then SIGKILL after 30 s) and removes the data dir if it was temporary. */
  stop(): Promise<void>;
  /** Kills the broker at once (SIGKILL), as a crash would; the data dir stays, so `restart()` can follow. */
  kill(): Promise<void>;
  /**
   * Stops the broker if it runs (SIGTERM), stays down `downMs` milliseconds (default 0), and starts it again on
   * the same ports and data dir.
   */
  restart(downMs?: number): Promise<void>;
  /** Resolves with the exit status when the current broker process ends (at once if none runs). */
  exited(): Promise<Deno.CommandStatus | null>;
}

/** Most nodes a local cluster runs; the first {@linkcode MAX_CONTROLLERS} of them form the controller quorum. */
export const MAX_NODES = 5;
/** Controllers in a local cluster: a quorum of three survives the loss of any one. */
export const MAX_CONTROLLERS = 3;

/** How to start a cluster: {@linkcode LocalBrokerOptions} for every node, and how many nodes. */
export interface LocalClusterOptions extends Omit<LocalBrokerOptions, "port" | "controllerPort"> {
  /** Nodes, 1 to {@linkcode MAX_NODES} (default 3). */
  brokers?: number;
  /** Client port of node 1; node `i` listens on `port + i - 1`. 0 (the default) picks free ports. */
  port?: number;
  /** Controller port of node 1, and so on; 0 (the default) picks free ports. */
  controllerPort?: number;
}

/** One node of a local cluster. */
export interface LocalNode extends LocalBroker {
  /** Its `node.id`, from 1. */
  readonly id: number;
  /** The Java process's id while it runs, else null. */
  readonly pid: number | null;
  /** Whether it is one of the controller quorum's voters (besides being a broker). */
  readonly controller: boolean;
}

/** A running local cluster. */
export interface LocalCluster {
  /** Bootstrap addresses of every node, comma-separated, as `KAFKA_BROKERS` takes them. */
  readonly brokers: string;
  readonly nodes: readonly LocalNode[];
  /** The replication factor the cluster gives topics by default: min(3, nodes). */
  readonly replicationFactor: number;
  /** Milliseconds from spawning the first node to every node being ready. */
  readonly startMs: number;
  /** Stops every node cleanly and removes the data dir if it was temporary. */
  stop(): Promise<void>;
}

/**
 * Starts a broker and waits until it is ready for clients: it serves metadata, hands out producer ids and has
 * its group coordinator loaded.
 *
 * @throws {LocalBrokerError} when jars cannot be had, formatting fails, or the broker exits or does not get
 * ready in time; the message includes the errors and the tail of the broker's log, and the data dir is kept.
 */
export async function startLocalBroker(options: LocalBrokerOptions = {}): Promise<LocalNode> {
  const cluster = await startLocalCluster({ ...options, brokers: 1 });
  return cluster.nodes[0];
}

/**
 * Starts `brokers` nodes (all at once: the controllers need a majority of their quorum to elect a leader) and
 * waits until each is ready for clients. A single node keeps its files in `dataDir` itself; the nodes of a larger
 * cluster in `dataDir/node-<id>`.
 *
 * @throws {LocalBrokerError} as {@linkcode startLocalBroker} does, for the first node that fails; the others are
 * stopped.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const count = options.brokers ?? 3;
  if (!Number.isInteger(count) || count < 1 || count > MAX_NODES) {
    throw new LocalBrokerError(`a local cluster has 1 to ${MAX_NODES} nodes, not ${count}`);
  }
  const version = options.version ?? KAFKA_VERSION;
  const jarDir = await ensureKafkaJars(version);
  const temporary = options.dataDir === undefined;
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "kafka-broker-" });
  const nodes: Broker[] = [];
  try {
    await Deno.mkdir(dataDir, { recursive: true });
    const controllers = Math.min(MAX_CONTROLLERS, count);
    const taken = new Set<number>();
    const pick = async (base: number | undefined, i: number) => {
      const port = base ? base + i : await freePort(taken);
      taken.add(port);
      return port;
    };
    const ports: number[] = [];
    for (let i = 0; i < count; i++) ports.push(await pick(options.port, i));
    const controllerPorts: number[] = [];
    for (let i = 0; i < controllers; i++) controllerPorts.push(await pick(options.controllerPort, i));
    const voters = controllerPorts.map((port, i) => `${i + 1}@127.0.0.1:${port}`).join(",");
    const cluster = clusterId();
    for (let i = 0; i < count; i++) {
      const id = i + 1;
      const nodeDir = count === 1 ? dataDir : `${dataDir}/node-${id}`;
      await Deno.mkdir(nodeDir, { recursive: true });
      const files = await writeConfig(nodeDir, {
        id,
        port: ports[i],
        controllerPort: controllerPorts[i],
        voters,
        replicationFactor: clusterReplicationFactor(count),
        defaultPartitions: options.defaultPartitions ?? 3,
      });
      await formatIfNeeded(jarDir, files, cluster);
      nodes.push(
        new Broker({
          id,
          jarDir,
          files,
          port: ports[i],
          dataDir: nodeDir,
          temporary: temporary && count === 1,
          quiet: options.quiet ?? false,
          startTimeoutMs: options.startTimeoutMs ?? 90_000,
          label: count === 1 ? "" : `node ${id}`,
        }),
      );
    }
    const started = performance.now();
    const starts = await Promise.allSettled(nodes.map((node) => node.start()));
    const failed = starts.find((s): s is PromiseRejectedResult => s.status === "rejected");
    if (failed) throw failed.reason;
    const startMs = Math.round(performance.now() - started);
    return {
      brokers: nodes.map((node) => node.brokers).join(","),
      nodes,
      replicationFactor: clusterReplicationFactor(count),
      startMs,
      async stop() {
        await Promise.all(nodes.map((node) => node.stop()));
        if (temporary && count > 1) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      },
    };
  } catch (error) {
    await Promise.all(nodes.map((node) => node.kill()));
    // A broker that failed keeps its data dir (and log) for inspection; the message names it.
    if (temporary && !(error instanceof LocalBrokerError && error.keptDir)) {
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
    throw error;
  }
}

interface ConfigFiles {
  serverProperties: string;
  log4j2: string;
  logDir: string;
  brokerLog: string;
}

/** Where a node listens and what it is part of. */
interface NodeSettings {
  id: number;
  port: number;
  /** Its controller port when it is a voter of the quorum, else undefined. */
  controllerPort: number | undefined;
  /** The quorum, `1@127.0.0.1:PORT,...`. */
  voters: string;
  replicationFactor: number;
  defaultPartitions: number;
}

async function writeConfig(dataDir: string, node: NodeSettings): Promise<ConfigFiles> {
  const { id, port, controllerPort, voters, replicationFactor, defaultPartitions } = node;
  const minInsync = minInsyncReplicas(replicationFactor);
  const dir = await Deno.realPath(dataDir);
  const files: ConfigFiles = {
    serverProperties: `${dir}/server.properties`,
    log4j2: `${dir}/log4j2.properties`,
    logDir: `${dir}/kraft-logs`,
    brokerLog: `${dir}/broker.log`,
  };
  const properties = {
    "process.roles": controllerPort === undefined ? "broker" : "broker,controller",
    "node.id": id,
    "controller.quorum.voters": voters,
    "listeners": controllerPort === undefined
      ? `PLAINTEXT://127.0.0.1:${port}`
      : `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    "advertised.listeners": `PLAINTEXT://127.0.0.1:${port}`,
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "log.dirs": files.logDir,
    "num.partitions": defaultPartitions,
    // Internal topics as the journey's: three copies where there are three nodes, writable with one of them down.
    "default.replication.factor": replicationFactor,
    "min.insync.replicas": minInsync,
    "offsets.topic.replication.factor": replicationFactor,
    "offsets.topic.num.partitions": 5,
    "transaction.state.log.replication.factor": replicationFactor,
    "transaction.state.log.min.isr": minInsync,
    "transaction.state.log.num.partitions": 5,
    "share.coordinator.state.topic.replication.factor": replicationFactor,
    "share.coordinator.state.topic.min.isr": minInsync,
    "group.initial.rebalance.delay.ms": 0,
    // After a crash the restarted broker cannot register until the controller expires the old session
    // (default 9 s); a short session makes kill() + restart() quick.
    "broker.heartbeat.interval.ms": 500,
    "broker.session.timeout.ms": 3_000,
    "auto.create.topics.enable": false,
    "delete.topic.enable": true,
    "num.network.threads": 2,
    "num.io.threads": 4,
    "log.retention.hours": 168,
    "log.segment.bytes": 64 * 1024 * 1024,
  };
  const text = Object.entries(properties).map(([key, value]) => `${key}=${value}`).join("\n");
  await Deno.writeTextFile(
    files.serverProperties,
    `# Written by scripts/kafka/broker.ts on every start; edits are lost.\n${text}\n`,
  );
  // Log4j 2: INFO from Kafka to stdout (captured into broker.log), the noisy internals at WARN.
  await Deno.writeTextFile(
    files.log4j2,
    [
      "status = warn",
      "shutdownHook = disable",
      "appender.out.type = Console",
      "appender.out.name = STDOUT",
      "appender.out.layout.type = PatternLayout",
      "appender.out.layout.pattern = [%d] %p %m (%c{1})%n",
      "rootLogger.level = INFO",
      "rootLogger.appenderRef.out.ref = STDOUT",
      ...["state.change.logger", "kafka.request.logger", "org.apache.kafka.common.config", "kafka.log.LogCleaner"]
        .map((name, i) => `logger.q${i}.name = ${name}\nlogger.q${i}.level = WARN`),
      "",
    ].join("\n"),
  );
  return files;
}

/**
 * Formats the KRaft log dir with the cluster's id unless it is formatted already. The storage tool is the Scala
 * `kafka.tools.StorageTool` in kafka_2.13 up to the pinned 4.4.0 (3.x has it there too).
 */
async function formatIfNeeded(jarDir: string, files: ConfigFiles, cluster: string): Promise<void> {
  try {
    await Deno.stat(`${files.logDir}/meta.properties`);
    return;
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  const out = await new Deno.Command(javaBin(), {
    args: [
      ...jvmArgs(jarDir, files, "-Xmx256m"),
      "kafka.tools.StorageTool",
      "format",
      "--config",
      files.serverProperties,
      "--cluster-id",
      cluster,
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    const text = decode(out.stdout) + decode(out.stderr);
    throw new LocalBrokerError(
      `formatting the KRaft log dir ${files.logDir} failed (exit ${out.code}):\n${tail(text, 40)}`,
    );
  }
}

/** What a node needs to start (again). */
interface BrokerSettings {
  id: number;
  jarDir: string;
  files: ConfigFiles;
  port: number;
  dataDir: string;
  temporary: boolean;
  quiet: boolean;
  startTimeoutMs: number;
  /** Prefix of its echoed log lines and errors ("node 2"), empty for a single broker. */
  label: string;
}

/** A broker process and what is needed to start it again. */
class Broker implements LocalNode {
  readonly id: number;
  readonly brokers: string;
  readonly port: number;
  readonly dataDir: string;
  readonly controller: boolean;
  startMs = 0;
  readonly #settings: BrokerSettings;
  #child: Deno.ChildProcess | null = null;
  #exited: Promise<Deno.CommandStatus> | null = null;
  #pumped: Promise<void> | null = null;
  #recent: string[] = [];
  #stopped = false;

  constructor(settings: BrokerSettings) {
    this.id = settings.id;
    this.controller = settings.id <= MAX_CONTROLLERS;
    this.port = settings.port;
    this.brokers = `127.0.0.1:${settings.port}`;
    this.dataDir = settings.dataDir;
    this.#settings = settings;
  }

  get pid(): number | null {
    return this.#child?.pid ?? null;
  }

  async start(): Promise<void> {
    const { jarDir, files, quiet, startTimeoutMs } = this.#settings;
    const started = performance.now();
    this.#recent = [];
    const logFile = await Deno.open(files.brokerLog, { create: true, append: true });
    const child = new Deno.Command(javaBin(), {
      args: [...jvmArgs(jarDir, files, "-Xmx512m"), "kafka.Kafka", files.serverProperties],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    running.add(child);
    this.#exited = child.status.finally(() => running.delete(child));
    const sink = (line: string) => {
      this.#recent.push(line);
      if (this.#recent.length > 2_000) this.#recent.splice(0, 1_000);
      if (!quiet) console.error(`kafka${this.#settings.label ? ` ${this.id}` : ""}| ${line}`);
    };
    this.#pumped = Promise.all([pump(child.stdout, logFile, sink), pump(child.stderr, logFile, sink)])
      .then(() => {})
      .finally(() => logFile.close());

    try {
      await this.#waitUntilReady(started + startTimeoutMs);
    } catch (error) {
      await this.#terminate("SIGKILL");
      if (error instanceof LocalBrokerError) error.keptDir = this.dataDir;
      throw error;
    }
    this.startMs = Math.round(performance.now() - started);
  }

  /** Polls the broker until it is ready; throws with the log's tail if it exits or the deadline passes. */
  async #waitUntilReady(deadline: number): Promise<void> {
    const { startTimeoutMs } = this.#settings;
    let exit: Deno.CommandStatus | null = null;
    this.#exited?.then((status) => exit = status);
    let lastError = "";
    while (true) {
      if (exit !== null) {
        await this.#pumped;
        throw new LocalBrokerError(
          `the Kafka broker${this.#named()} exited with code ${(exit as Deno.CommandStatus).code} while starting; ` +
            this.#logExcerpt(),
        );
      }
      const remaining = deadline - performance.now();
      if (remaining <= 0) {
        throw new LocalBrokerError(
          `the Kafka broker${this.#named()} on ${this.brokers} did not answer within ${startTimeoutMs / 1000} s` +
            (lastError ? ` (last error: ${lastError})` : "") +
            `; ${this.#logExcerpt()}`,
        );
      }
      const answer = await answers(this.brokers, Math.min(remaining, 5_000));
      if (answer === null) return;
      lastError = answer;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  #named(): string {
    return this.#settings.label ? ` (${this.#settings.label})` : "";
  }

  /** The errors of this run's log (the cause is rarely in the last lines) and its tail, for error messages. */
  #logExcerpt(): string {
    const errors: string[] = [];
    for (let i = 0; i < this.#recent.length && errors.length < 30; i++) {
      if (!/\] (ERROR|FATAL) /.test(this.#recent[i])) continue;
      errors.push(this.#recent[i]);
      // the exception and its first stack frames
      for (let j = i + 1; j < this.#recent.length && j <= i + 6 && !this.#recent[j].startsWith("["); j++) {
        errors.push(this.#recent[j]);
      }
    }
    return `log ${this.#settings.files.brokerLog} (kept), its errors:\n${errors.join("\n") || "(none)"}\n` +
      `its last lines:\n${this.#recent.slice(-15).join("\n")}`;
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.#terminate("SIGTERM");
    if (this.#settings.temporary) await Deno.remove(this.dataDir, { recursive: true }).catch(() => {});
  }

  async kill(): Promise<void> {
    await this.#terminate("SIGKILL");
  }

  exited(): Promise<Deno.CommandStatus | null> {
    return this.#exited ?? Promise.resolve(null);
  }

  async restart(downMs = 0): Promise<void> {
    if (this.#stopped) throw new LocalBrokerError("the broker was stopped; start a new one instead");
    await this.#terminate("SIGTERM");
    if (downMs > 0) await new Promise((resolve) => setTimeout(resolve, downMs));
    await this.start();
  }

  /** Signals the process (if it runs) and waits for it and its output to end; SIGKILL after 30 s. */
  async #terminate(signal: Deno.Signal): Promise<void> {
    const child = this.#child;
    if (child === null || this.#exited === null) return;
    let done = false;
    const exited = this.#exited.then(() => done = true);
    try {
      child.kill(signal);
    } catch { /* already exited */ }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([exited, new Promise((resolve) => timer = setTimeout(resolve, 30_000))]);
    clearTimeout(timer);
    if (!done) {
      try {
        child.kill("SIGKILL");
      } catch { /* already exited */ }
      await exited;
    }
    await this.#pumped;
    this.#child = null;
    this.#exited = null;
    this.#pumped = null;
  }
}

/** Children still running, killed if this process exits without stopping them. */
const running = new Set<Deno.ChildProcess>();
globalThis.addEventListener("unload", () => {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch { /* gone */ }
  }
});

/**
 * Answers null when the broker is ready for clients, else why not: it serves metadata, hands out producer ids
 * (the idempotent producer's InitProducerId) and has its group coordinator loaded (the first call creates
 * `__consumer_offsets`). Without the last two, the first clients log retriable "coordinator is loading" errors.
 */
async function answers(brokers: string, timeoutMs: number): Promise<string | null> {
  installIdleQueueFix(); // as the app does: without it, each idle connection polls and Deno warns of a negative timeout
  const kafka = new Kafka({
    clientId: "local-broker-probe",
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: Math.max(500, Math.min(timeoutMs, 3_000)),
    requestTimeout: Math.max(1_000, timeoutMs),
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  // kafkajs refuses an idempotent producer without retries.
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    retry: { retries: 1, initialRetryTime: 100, maxRetryTime: 300 },
  });
  try {
    await admin.connect();
    await admin.listTopics();
    await producer.connect();
    await admin.fetchOffsets({ groupId: "local-broker-probe" });
    return null;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await producer.disconnect().catch(() => {});
    await admin.disconnect().catch(() => {});
  }
}

/** Copies a stream into the log file and hands each line to `sink`. */
async function pump(stream: ReadableStream<Uint8Array>, file: Deno.FsFile, sink: (line: string) => void) {
  const decoder = new TextDecoder();
  let partial = "";
  for await (const chunk of stream) {
    await file.write(chunk);
    partial += decoder.decode(chunk, { stream: true });
    const lines = partial.split("\n");
    partial = lines.pop()!;
    for (const line of lines) sink(line);
  }
  if (partial) sink(partial);
}

function jvmArgs(jarDir: string, files: ConfigFiles, heap: string): string[] {
  return [
    heap,
    "-Xms64m",
    "-XX:+UseSerialGC",
    "-Djava.awt.headless=true",
    `-Dlog4j2.configurationFile=${files.log4j2}`,
    "-cp",
    `${jarDir}/*`,
  ];
}

/** A free TCP port on 127.0.0.1 (other than those in `avoid`). */
async function freePort(avoid: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const { port } = listener.addr as Deno.NetAddr;
    listener.close();
    if (!avoid.has(port)) return port;
    await Promise.resolve();
  }
  throw new LocalBrokerError("no free port on 127.0.0.1");
}

/** A KRaft cluster id: 16 random bytes in URL-safe base64 without padding, not starting with "-". */
function clusterId(): string {
  while (true) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    const id = btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
    if (!id.startsWith("-")) return id;
  }
}
