/**
 * `deno task bench:kafka-clients [--messages N] [--pairs P]`: kafkajs, as the project deploys it, against
 * @platformatic/kafka (issue 15), on a local broker started for the run.
 *
 * Each run is its own process (one Kafka client per process, as deployed, started with the V8 flags of
 * `deno task start` and `deno task scorer`), and the clients take turns: kafkajs, platformatic, kafkajs,
 * platformatic... Each run, after an untimed warm-up on a topic of its own:
 *
 * - produces N scored tickets (key: the ticket id; value: the project's JSON envelope of a ticket that the shipped
 *   model scored, from `samples/tickets_iso.csv` through ingest) to a fresh topic of 6 partitions, in sends of
 *   1,000 tickets, each awaited before the next: the clock runs from the first send to the last acknowledgement;
 * - consumes them in a fresh consumer group from the start, JSON-decoding every value and committing each batch's
 *   offsets once it is handled: the clock runs from the first batch to the batch that completes N (also reported
 *   from subscribing, the group join included);
 * - and reports both together: N over the produce seconds plus the consume seconds from subscribing.
 *
 * kafkajs runs as the app runs it: {@linkcode KafkaBus} itself (idempotent producer, acks=all, no compression,
 * one partition per produce request, its consumer settings) with the varint patch of `bus/open.ts` installed.
 * @platformatic/kafka runs behind {@linkcode PlatformaticBus}, an adapter written here with the same settings:
 * idempotent, acks=all, no compression, keys placed by the Java-compatible murmur2 partitioner (kafkajs's),
 * one partition per produce request, 10 MiB fetches of at most 4 MiB per partition, manual commits per batch.
 * `platformatic-one-send` is the same but gives each 1,000 tickets to the client in one send, which groups them by
 * broker itself (the client's own way, without the kafkajs workaround).
 *
 * @module
 */
import process from "node:process";
import {
  compatibilityPartitioner,
  Consumer,
  defaultPartitioner,
  type Message,
  type MessagesStream,
  Producer,
  stringDeserializer,
  stringSerializer,
} from "@platformatic/kafka";
import { Kafka, logLevel, Partitioners } from "kafkajs";
import { startLocalBroker } from "../scripts/kafka/broker.ts";
import type { BatchHandler, Bus, BusMessage, ConsumerHealth } from "../src/bus/bus.ts";
import {
  CONSUMER_METADATA_MAX_AGE_MS,
  decodeValue,
  KafkaBus,
  MAX_BATCH_BYTES_PER_PARTITION,
  MAX_REQUEST_BYTES,
  MESSAGE_SCHEMA_VERSION,
} from "../src/bus/kafka_bus.ts";
import { patchKafkajs } from "../src/bus/open.ts";
import { clusterReplicationFactor, minInsyncReplicas } from "../src/bus/kafka_topics.ts";
import { commandLine, runCommand, UsageError } from "../src/cli.ts";
import { readTicketFile } from "../src/ingest/read_file.ts";
import { loadModel } from "../src/score/model.ts";
import { scoreTickets } from "../src/score/scorer.ts";
import type { IngestedTicket, ScoredTicket } from "../src/ticket/schema.ts";
import { topicSize } from "../scripts/kafka/harness.ts";
import { ISO_SAMPLE } from "../scripts/samples/paths.ts";
import { median } from "./median.ts";
import { fileURLToPath } from "node:url";

/** The clients a run can measure. */
export const CLIENTS = ["kafkajs", "platformatic", "platformatic-one-send"] as const;
type Client = typeof CLIENTS[number];

/** Partitions of each topic, as `KAFKA_PARTITIONS` defaults to. */
const PARTITIONS = 6;

/** The V8 flags `deno task start` and `deno task scorer` run with (deno.json). */
const DEPLOYED_V8_FLAGS = "--v8-flags=--max-semi-space-size=4,--heap-growing-percent=100";

/** kafkajs's consumer defaults, which `KafkaBus` keeps, for the platformatic consumer. */
const KAFKAJS_CONSUMER_DEFAULTS = {
  maxBytes: 10 * 1024 * 1024,
  minBytes: 1,
  maxWaitTime: 5_000,
  sessionTimeout: 30_000,
  rebalanceTimeout: 60_000,
  heartbeatInterval: 3_000,
};

/** How long a run may take to consume its messages before it counts as failed. */
const CONSUME_TIMEOUT_MS = 600_000;

const encode = (value: unknown) => JSON.stringify({ schema_version: MESSAGE_SCHEMA_VERSION, value });

/**
 * The partition kafkajs's default partitioner (Java's murmur2, positive by masking) gives a key, as
 * @platformatic/kafka's `compatibilityPartitioner` computes it. Its own `defaultPartitioner` (murmur2 `>>> 0`) puts
 * about half of all keys elsewhere.
 */
function partitionOf(key: string, partitions: number): number {
  return compatibilityPartitioner(undefined as never, Buffer.from(key)) % partitions;
}

/**
 * A {@linkcode Bus} on @platformatic/kafka, with `KafkaBus`'s settings, for this benchmark only: a handler that
 * throws ends the consumer (no redelivery), and nothing reconnects beyond what the client does itself.
 */
export class PlatformaticBus implements Bus {
  readonly #producer: Producer<string, string, string, string>;
  readonly #partitions = new Map<string, Promise<number>>();
  readonly #consumers: Consumer<string, Buffer, string, string>[] = [];
  readonly #streams: MessagesStream<string, Buffer, string, string>[] = [];
  #failed: (error: Error) => void = () => {};
  /** Rejects when a consumer fails (its handler threw, or its stream broke): it then consumes no more. */
  readonly failed: Promise<never> = new Promise((_, reject) => this.#failed = reject);

  constructor(
    readonly options: { brokers: string[]; clientId: string; onePartitionPerRequest: boolean },
  ) {
    this.failed.catch(() => {}); // awaited only while a run consumes
    this.#producer = new Producer({
      clientId: options.clientId,
      bootstrapBrokers: options.brokers,
      idempotent: true, // and so acks=all, one request in flight per connection, retries without end
      acks: -1,
      compression: "none",
      autocreateTopics: false,
      partitioner: compatibilityPartitioner,
      serializers: {
        key: stringSerializer,
        value: stringSerializer,
        headerKey: stringSerializer,
        headerValue: stringSerializer,
      },
    });
  }

  #partitionCount(topic: string): Promise<number> {
    let found = this.#partitions.get(topic);
    if (!found) {
      found = this.#producer.metadata({ topics: [topic] }).then((m) => m.topics.get(topic)!.partitionsCount);
      this.#partitions.set(topic, found);
    }
    return found;
  }

  async publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void> {
    if (messages.length === 0) return;
    const encoded = messages.map((m) => ({ topic, key: m.key, value: encode(m.value), headers: m.headers }));
    if (!this.options.onePartitionPerRequest) {
      await this.#producer.send({ messages: encoded });
      return;
    }
    // As KafkaBus does: one request per partition, partitions in parallel, each in chunks under MAX_REQUEST_BYTES.
    const partitions = await this.#partitionCount(topic);
    const byPartition = new Map<number, typeof encoded>();
    for (const message of encoded) {
      const partition = partitionOf(message.key, partitions);
      const withPartition = { ...message, partition };
      const list = byPartition.get(partition);
      if (list) list.push(withPartition);
      else byPartition.set(partition, [withPartition]);
    }
    await Promise.all([...byPartition.values()].map(async (list) => {
      let chunk: typeof encoded = [];
      let bytes = 0;
      for (const message of list) {
        chunk.push(message);
        bytes += message.value.length + message.key.length;
        if (bytes >= MAX_REQUEST_BYTES) {
          await this.#producer.send({ messages: chunk });
          chunk = [];
          bytes = 0;
        }
      }
      if (chunk.length > 0) await this.#producer.send({ messages: chunk });
    }));
  }

  /**
   * Consumes `topic` from the start (for a new group). The stream hands over a fetch's records one by one; the
   * records that arrived before the event loop turns make one batch (typically one fetch response), the stream is
   * paused while the handler runs, and the batch's last offset of each partition is committed before it resumes.
   */
  async subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<void> {
    const consumer = new Consumer<string, Buffer, string, string>({
      clientId: this.options.clientId,
      bootstrapBrokers: this.options.brokers,
      groupId: group,
      autocommit: false,
      maxBytesPerPartition: MAX_BATCH_BYTES_PER_PARTITION,
      metadataMaxAge: CONSUMER_METADATA_MAX_AGE_MS,
      ...KAFKAJS_CONSUMER_DEFAULTS,
      deserializers: {
        key: stringDeserializer,
        value: (data?: Buffer) => data,
        headerKey: stringDeserializer,
        headerValue: stringDeserializer,
      },
    });
    this.#consumers.push(consumer);
    const stream = await consumer.consume({ topics: [topic], mode: "committed", fallbackMode: "earliest" });
    this.#streams.push(stream);
    let batch: Message<string, Buffer, string, string>[] = [];
    let scheduled = false;
    const fail = (error: Error) => {
      this.#failed(new Error(`platformatic consumer ${group} failed: ${error.message}`, { cause: error }));
    };
    const flush = async () => {
      const taken = batch;
      batch = [];
      try {
        const messages = taken.map((m) => {
          const { value, error } = decodeValue(m.value ?? null);
          return { key: m.key ?? "", value: value as T, headers: Object.fromEntries(m.headers), decodeError: error };
        });
        await handler(messages);
        const last = new Map<number, Message<string, Buffer, string, string>>();
        for (const m of taken) last.set(m.partition, m);
        await Promise.all([...last.values()].map((m) => m.commit()));
      } catch (error) {
        fail(error as Error);
        return;
      }
      scheduled = false;
      if (batch.length > 0) {
        scheduled = true;
        setTimeout(flush, 0);
      } else if (stream.isPaused()) stream.resume();
    };
    stream.on("data", (message) => {
      batch.push(message);
      if (!scheduled) {
        scheduled = true;
        setTimeout(() => {
          stream.pause();
          flush();
        }, 0);
      }
    });
    stream.on("error", fail);
  }

  health(): ConsumerHealth[] {
    return [];
  }

  async close(): Promise<void> {
    for (const stream of this.#streams) await stream.close().catch(() => {});
    for (const consumer of this.#consumers) await consumer.close(true).catch(() => {});
    await this.#producer.close(true);
  }
}

/** CPU seconds (user + system) of this process. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds of another process on this machine (Linux `/proc`), or null where that cannot be read. */
function processCpuSeconds(pid: number | null): number | null {
  if (pid === null) return null;
  try {
    const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

/** One timed phase of one run. */
export interface Phase {
  messages: number;
  seconds: number;
  perSecond: number;
  /** CPU seconds of the client's process over the phase. */
  cpuSeconds: number;
  /** CPU seconds of the broker's process over the phase (null where not readable). */
  brokerCpuSeconds: number | null;
}

/** One run of one client: its own process. */
export interface RunResult {
  client: Client;
  run: number;
  produce: Phase;
  consume: Phase & {
    /** Seconds from subscribing to the first batch (joining the group, the first fetch): not in `seconds`. */
    joinSeconds: number;
    /** All `messages` over the time from subscribing to the last batch (the join and the first batch included). */
    perSecondFromSubscribe: number;
    /** Messages of the first batch: in `messages`, not in `perSecond` (its work was done before the clock started). */
    firstBatch: number;
    /** Batches the handler got (each committed). */
    batches: number;
    /** Values that did not decode (should be 0). */
    decodeErrors: number;
  };
  /** Mean bytes of a message value (the JSON envelope). */
  valueBytes: number;
  /** Messages the timed topic holds after the run (sum of its partitions' high-water marks): should be `messages`. */
  topicMessages: number;
  /** Produce and consume one after the other: messages over produce seconds plus consume seconds (join included). */
  bothPerSecond: number;
  /** When the run's process started and ended (ISO 8601), and the 1-minute load average as it ended. */
  startedAt: string;
  endedAt: string;
  loadAverage: number;
}

/** Scored tickets: the ISO sample through ingest and the shipped model, as the scorer publishes them. */
async function scoredSample(): Promise<ScoredTicket[]> {
  const tickets: IngestedTicket[] = [];
  for await (const batch of readTicketFile(ISO_SAMPLE)) {
    for (const t of batch) {
      tickets.push({
        ...t,
        upload_id: "3f1f6a52-6f0e-4c53-9a57-0d2f8f0c2b11",
        ingested_at: "2026-11-30T04:00:00.000Z",
      });
    }
  }
  const model = await loadModel();
  return await scoreTickets(model, tickets);
}

/** The `from`-th to `from + count - 1`-th ticket of a run: the sample over and over, each with a fresh id. */
function ticketBatch(sample: ScoredTicket[], from: number, count: number): BusMessage<ScoredTicket>[] {
  const batch: BusMessage<ScoredTicket>[] = [];
  for (let i = from; i < from + count; i++) {
    const id = `bench-${i + 1}`;
    batch.push({ key: id, value: { ...sample[i % sample.length], ticket_id: id } });
  }
  return batch;
}

async function produceAll(bus: Bus, topic: string, sample: ScoredTicket[], messages: number, batchSize: number) {
  for (let from = 0; from < messages; from += batchSize) {
    await bus.publish(topic, ticketBatch(sample, from, Math.min(batchSize, messages - from)));
  }
}

/**
 * Consumes `messages` from `topic` as a new group. The clock starts when the first batch reaches the handler and
 * stops when the batch that completes `messages` has: the rate counts the messages after the first batch (a
 * client's first batch can be a whole fetch). Joining the group and the first fetch are reported apart.
 */
async function consumeAll(bus: Bus, topic: string, group: string, messages: number, brokerPid: number | null) {
  let count = 0, firstBatch = 0, decodeErrors = 0, batches = 0;
  let firstAt = 0, cpuAtFirst = 0, brokerCpuAtFirst: number | null = null;
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => done = resolve);
  const subscribedAt = performance.now();
  await bus.subscribe<ScoredTicket>(topic, group, (batch) => {
    if (count === 0) {
      firstAt = performance.now();
      cpuAtFirst = cpuSeconds();
      brokerCpuAtFirst = processCpuSeconds(brokerPid);
      firstBatch = batch.length;
    }
    batches++;
    count += batch.length;
    for (const m of batch) if (m.decodeError !== undefined) decodeErrors++;
    if (count >= messages) done();
    return Promise.resolve();
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) =>
    timer = setTimeout(
      () => reject(new Error(`${count} of ${messages} messages consumed after ${CONSUME_TIMEOUT_MS / 1000} s`)),
      CONSUME_TIMEOUT_MS,
    )
  );
  const failed = bus instanceof PlatformaticBus ? [bus.failed] : [];
  await Promise.race([finished, timedOut, ...failed]).finally(() => clearTimeout(timer));
  const doneAt = performance.now();
  const cpu = cpuSeconds() - cpuAtFirst, brokerCpuAtDone = processCpuSeconds(brokerPid);
  const seconds = (doneAt - firstAt) / 1000;
  return {
    messages: count,
    seconds,
    perSecond: (count - firstBatch) / seconds,
    cpuSeconds: cpu,
    brokerCpuSeconds: brokerCpuAtDone === null || brokerCpuAtFirst === null ? null : brokerCpuAtDone - brokerCpuAtFirst,
    joinSeconds: (firstAt - subscribedAt) / 1000,
    perSecondFromSubscribe: count / ((doneAt - subscribedAt) / 1000),
    firstBatch,
    batches,
    decodeErrors,
  };
}

function openBus(client: Client, brokers: string, label: string): Bus {
  const clientId = `bench-${client}-${label}`;
  if (client === "kafkajs") return new KafkaBus({ brokers: [brokers], clientId, log: (line) => console.error(line) });
  return new PlatformaticBus({ brokers: [brokers], clientId, onePartitionPerRequest: client === "platformatic" });
}

/** Produces and consumes once with `bus`, timing both. */
async function timedRound(
  bus: Bus,
  topic: string,
  sample: ScoredTicket[],
  { messages, batchSize, brokerPid }: { messages: number; batchSize: number; brokerPid: number | null },
): Promise<Pick<RunResult, "produce" | "consume">> {
  const cpuBefore = cpuSeconds(), brokerBefore = processCpuSeconds(brokerPid);
  const started = performance.now();
  await produceAll(bus, topic, sample, messages, batchSize);
  const seconds = (performance.now() - started) / 1000;
  const brokerAfter = processCpuSeconds(brokerPid);
  const produce: Phase = {
    messages,
    seconds,
    perSecond: messages / seconds,
    cpuSeconds: cpuSeconds() - cpuBefore,
    brokerCpuSeconds: brokerBefore === null || brokerAfter === null ? null : brokerAfter - brokerBefore,
  };
  const consume = await consumeAll(bus, topic, `${topic}-group`, messages, brokerPid);
  return { produce, consume };
}

/** One run, in this process: warm-up on `${topic}-warm`, then the timed round on `topic`. */
async function childRun(
  client: Client,
  { brokers, topic, payload, messages, warmUp, batchSize, brokerPid }: {
    brokers: string;
    topic: string;
    payload: string;
    messages: number;
    warmUp: number;
    batchSize: number;
    brokerPid: number | null;
  },
): Promise<Omit<RunResult, "run" | "topicMessages" | "bothPerSecond" | "startedAt" | "endedAt" | "loadAverage">> {
  const sample: ScoredTicket[] = JSON.parse(await Deno.readTextFile(payload));
  // As bus/open.ts does when the app opens a Kafka bus.
  if (client === "kafkajs") await patchKafkajs((line) => console.error(line));
  if (warmUp > 0) {
    const warm = openBus(client, brokers, "warm-up");
    try {
      await timedRound(warm, `${topic}-warm`, sample, { messages: warmUp, batchSize, brokerPid: null });
    } finally {
      await warm.close();
    }
  }
  const bus = openBus(client, brokers, "timed");
  try {
    const result = await timedRound(bus, topic, sample, { messages, batchSize, brokerPid });
    const bytes = ticketBatch(sample, 0, sample.length).reduce((sum, m) => sum + encode(m.value).length, 0);
    return { client, ...result, valueBytes: bytes / sample.length };
  } finally {
    await bus.close();
  }
}

/**
 * Creates the topics of a run: 6 partitions, as `ensureTopics` would on this broker, and waits until each partition
 * has a leader. (kafkajs's own `waitForLeaders` gives up at once when the new topic is not yet known, which a KRaft
 * broker answers for a moment after creating it.)
 */
async function createTopics(kafka: Kafka, topics: string[], brokers: number) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const replicationFactor = clusterReplicationFactor(brokers);
    await admin.createTopics({
      waitForLeaders: false,
      topics: topics.map((topic) => ({
        topic,
        numPartitions: PARTITIONS,
        replicationFactor,
        configEntries: [{ name: "min.insync.replicas", value: String(minInsyncReplicas(replicationFactor)) }],
      })),
    });
    for (let attempt = 1;; attempt++) {
      try {
        const { topics: found } = await admin.fetchTopicMetadata({ topics });
        if (found.every((t) => t.partitions.length === PARTITIONS && t.partitions.every((p) => p.leader >= 0))) return;
      } catch (error) {
        if (attempt >= 100) throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

async function deleteTopics(kafka: Kafka, topics: string[]) {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

/** Runs one client's run in a process of its own, as deployed; answers what it measured. */
async function spawnRun(
  client: Client,
  args: Record<string, string>,
): Promise<Awaited<ReturnType<typeof childRun>>> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      DEPLOYED_V8_FLAGS,
      fileURLToPath(new URL(import.meta.url)),
      "--child",
      client,
      ...Object.entries(args).flatMap(([name, value]) => [`--${name}`, value]),
    ],
    cwd: new URL("../", import.meta.url),
    stdout: "piped",
    stderr: "inherit",
  });
  const { code, stdout } = await child.output();
  const text = new TextDecoder().decode(stdout);
  if (code !== 0) throw new Error(`the ${client} run exited with code ${code}: ${text}`);
  return JSON.parse(text.trim().split("\n").at(-1)!);
}

/** Agreement of the two partitioners over `keys` bench ids, and how many keys @platformatic's default would move. */
function partitionerCheck(keys: number) {
  const kafkajs = Partitioners.DefaultPartitioner();
  const partitionMetadata = Array.from(
    { length: PARTITIONS },
    (_, i) => ({ partitionId: i, leader: 1, replicas: [1], isr: [1], partitionErrorCode: 0 }),
  );
  let same = 0, sameAsDefault = 0;
  for (let i = 1; i <= keys; i++) {
    const key = `bench-${i}`;
    const expected = kafkajs({ topic: "t", partitionMetadata, message: { key, value: null } });
    if (partitionOf(key, PARTITIONS) === expected) same++;
    const platformaticDefault = defaultPartitioner(undefined as never, Buffer.from(key)) % PARTITIONS;
    if (platformaticDefault === expected) sameAsDefault++;
  }
  return { keys, compatibilityPartitionerAgrees: same, defaultPartitionerAgrees: sameAsDefault };
}

const HELP =
  `Usage: deno task bench:kafka-clients [--messages N] [--pairs P] [--batch B] [--warm-up W] [--clients LIST] [--json FILE]

Starts a local Kafka broker and measures kafkajs, as the app runs it (KafkaBus, its varint patch), against
@platformatic/kafka with the same settings, taking turns (kafkajs, platformatic, kafkajs, platformatic...), each
run in a process of its own: the time to produce N scored tickets (default 200,000) to a fresh topic of 6
partitions in sends of B (default 1,000), then to consume them in a fresh consumer group, decoding every value and
committing every batch; and both together. Prints each run, the medians and the ratios to kafkajs, then the
figures as JSON.

--pairs P       rounds of turns (default 3)
--warm-up W     tickets each run produces and consumes untimed first, on a topic of its own (default 20,000)
--clients LIST  comma-separated, of ${CLIENTS.join(", ")}
                (default all three; platformatic-one-send gives each B tickets to the client in one send)
--json FILE     write the JSON there instead of printing it`;

if (import.meta.main) {
  runCommand(async () => {
    const { values } = commandLine(HELP, {
      messages: { type: "string", default: "200000" },
      pairs: { type: "string", default: "3" },
      batch: { type: "string", default: "1000" },
      "warm-up": { type: "string", default: "20000" },
      clients: { type: "string", default: CLIENTS.join(",") },
      json: { type: "string" },
      // Internal: one run, in this process (the parent starts these).
      child: { type: "string" },
      brokers: { type: "string" },
      topic: { type: "string" },
      payload: { type: "string" },
      "broker-pid": { type: "string" },
    });
    const [messages, pairs, batchSize, warmUp] = [values.messages, values.pairs, values.batch, values["warm-up"]]
      .map(Number);
    if (![messages, pairs, batchSize].every((n) => Number.isInteger(n) && n > 0)) {
      throw new UsageError(`--messages, --pairs and --batch take whole numbers above 0\n\n${HELP}`);
    }
    if (!Number.isInteger(warmUp) || warmUp < 0) throw new UsageError(`--warm-up takes a whole number\n\n${HELP}`);
    const clients = values.clients.split(",").map((c) => c.trim()) as Client[];
    const unknown = clients.filter((c) => !CLIENTS.includes(c));
    if (unknown.length > 0 || clients.length === 0) {
      throw new UsageError(`unknown client(s) ${unknown.join(", ")}: --clients takes ${CLIENTS.join(", ")}\n\n${HELP}`);
    }

    if (values.child !== undefined) {
      const result = await childRun(values.child as Client, {
        brokers: values.brokers!,
        topic: values.topic!,
        payload: values.payload!,
        messages,
        warmUp,
        batchSize,
        brokerPid: values["broker-pid"] ? Number(values["broker-pid"]) : null,
      });
      console.log(JSON.stringify(result));
      return;
    }

    const loadBefore = Deno.loadavg();
    const sample = await scoredSample();
    const payload = await Deno.makeTempFile({ prefix: "kafka-clients-tickets-", suffix: ".json" });
    await Deno.writeTextFile(payload, JSON.stringify(sample));
    const broker = await startLocalBroker({ quiet: true });
    const kafka = new Kafka({ clientId: "bench-admin", brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const runs: RunResult[] = [];
    try {
      for (let run = 1; run <= pairs; run++) {
        for (const client of clients) {
          const topic = `bench-clients-${run}-${client}`;
          await createTopics(kafka, [topic, `${topic}-warm`], 1);
          const startedAt = new Date().toISOString();
          const result = await spawnRun(client, {
            brokers: broker.brokers,
            topic,
            payload,
            messages: String(messages),
            "warm-up": String(warmUp),
            batch: String(batchSize),
            "broker-pid": String(broker.pid ?? ""),
          });
          const topicMessages = await topicSize(kafka, topic);
          if (topicMessages !== messages) {
            console.error(`bench kafka-clients: run ${run} ${client}: the topic holds ${topicMessages} messages`);
          }
          const endedAt = new Date().toISOString(), loadAverage = Deno.loadavg()[0];
          const bothSeconds = result.produce.seconds + messages / result.consume.perSecondFromSubscribe;
          runs.push({
            ...result,
            run,
            topicMessages,
            bothPerSecond: messages / bothSeconds,
            startedAt,
            endedAt,
            loadAverage,
          });
          console.error(
            `bench kafka-clients: run ${run} ${client}: produce ${Math.round(result.produce.perSecond)}/s, ` +
              `consume ${Math.round(result.consume.perSecond)}/s`,
          );
          await deleteTopics(kafka, [topic, `${topic}-warm`]);
        }
      }
    } finally {
      await broker.stop();
      await Deno.remove(payload);
    }
    const loadAfter = Deno.loadavg();

    const summary = clients.map((client) => {
      const mine = runs.filter((r) => r.client === client);
      return {
        client,
        produce: median(mine.map((r) => r.produce.perSecond)),
        consume: median(mine.map((r) => r.consume.perSecond)),
        consumeFromSubscribe: median(mine.map((r) => r.consume.perSecondFromSubscribe)),
        both: median(mine.map((r) => r.bothPerSecond)),
        produceCpu: median(mine.map((r) => r.produce.cpuSeconds)),
        consumeCpu: median(mine.map((r) => r.consume.cpuSeconds)),
        produceBrokerCpu: median(mine.map((r) => r.produce.brokerCpuSeconds ?? NaN)),
        consumeBrokerCpu: median(mine.map((r) => r.consume.brokerCpuSeconds ?? NaN)),
      };
    });
    const base = summary.find((s) => s.client === "kafkajs");
    const ratio = (value: number, of: number | undefined) => of === undefined ? "" : `${(value / of).toFixed(2)}×`;

    const fixed = (n: number | null, digits = 2) => n === null || Number.isNaN(n) ? "n/a" : n.toFixed(digits);
    console.log(
      `${messages} tickets (mean value ${Math.round(runs[0].valueBytes)} B), sends of ${batchSize}, ` +
        `topic of ${PARTITIONS} partitions on 1 local broker; load average ${
          loadBefore.map((l) => l.toFixed(2)).join(" ")
        } before, ${loadAfter.map((l) => l.toFixed(2)).join(" ")} after\n`,
    );
    console.log(
      "| run | client | produce tickets/s | CPU s client / broker | consume tickets/s | CPU s client / broker | " +
        "incl. join | join s | batches | produce + consume | load |",
    );
    console.log("| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const r of runs) {
      const { produce: p, consume: c } = r;
      console.log(
        `| ${r.run} | ${r.client} | ${Math.round(p.perSecond)} | ${fixed(p.cpuSeconds)} / ${
          fixed(p.brokerCpuSeconds)
        } | ` +
          `${Math.round(c.perSecond)} | ${fixed(c.cpuSeconds)} / ${fixed(c.brokerCpuSeconds)} | ` +
          `${Math.round(c.perSecondFromSubscribe)} | ${fixed(c.joinSeconds)} | ${c.batches} | ` +
          `${Math.round(r.bothPerSecond)} | ${fixed(r.loadAverage)} |`,
      );
    }
    console.log(
      "\n| median | produce tickets/s | vs kafkajs | consume tickets/s | vs kafkajs | consume incl. join | vs kafkajs | " +
        "produce + consume | vs kafkajs | CPU s produce / consume |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (const s of summary) {
      console.log(
        `| ${s.client} | ${Math.round(s.produce)} | ${ratio(s.produce, base?.produce)} | ${Math.round(s.consume)} | ` +
          `${ratio(s.consume, base?.consume)} | ${Math.round(s.consumeFromSubscribe)} | ` +
          `${ratio(s.consumeFromSubscribe, base?.consumeFromSubscribe)} | ${Math.round(s.both)} | ` +
          `${ratio(s.both, base?.both)} | ${fixed(s.produceCpu)} / ${fixed(s.consumeCpu)} |`,
      );
    }
    const figures = {
      messages,
      batchSize,
      warmUp,
      partitions: PARTITIONS,
      valueBytes: runs[0].valueBytes,
      loadAverage: { before: loadBefore, after: loadAfter },
      partitioners: partitionerCheck(10_000),
      runs,
      medians: summary.map((s) => ({
        ...s,
        produceVsKafkajs: base ? s.produce / base.produce : null,
        consumeVsKafkajs: base ? s.consume / base.consume : null,
        consumeFromSubscribeVsKafkajs: base ? s.consumeFromSubscribe / base.consumeFromSubscribe : null,
        bothVsKafkajs: base ? s.both / base.both : null,
      })),
    };
    if (values.json) await Deno.writeTextFile(values.json, JSON.stringify(figures, null, 2) + "\n");
    else console.log(`\n${JSON.stringify(figures)}`);
  });
}
