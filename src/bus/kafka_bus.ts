/**
 * The Kafka bus (kafkajs): the production {@linkcode Bus}. Publishing is idempotent with `acks=all`, so a
 * resolved publish means every message is durable. Consumers take batches and commit a batch's offsets only
 * after its handler resolved (at least once); a handler that throws makes the batch come again. Values are JSON
 * with a schema version; a value that cannot be decoded reaches the handler with `error` set.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { type Consumer, Kafka, logLevel, Partitioners, type Producer } from "kafkajs";
import type { BatchHandler, Bus, BusMessage, ConsumerHealth } from "./bus.ts";

/** The version of the JSON value format; a consumer refuses (dead-letters) other versions. */
export const MESSAGE_SCHEMA_VERSION = 1;

/** Tries at sending one request, each with a new producer after the first (see `KafkaBus.#send`). */
const PUBLISH_ATTEMPTS = 3;

/** Bytes of message values sent in one produce request (under the record batch size a broker takes by default). */
export const MAX_REQUEST_BYTES = 512 * 1024;

/**
 * How old a consumer's view of the cluster (which broker leads which partition) may get. kafkajs refreshes it only
 * when it is this old (kafkajs's default: minutes): when a broker dies, a consumer keeps fetching from it, failing,
 * until then. With a few seconds the store sink carries on soon after a broker's death, and the metadata requests
 * cost next to nothing (`bench/HISTORY.md`, "Figures behind the code").
 */
export const CONSUMER_METADATA_MAX_AGE_MS = 5_000;

/** How long `close` waits for consumers to leave their groups and producers to disconnect. */
const CLOSE_TIMEOUT_MS = 20_000;

/** kafkajs errors of a batch after which a consumer restarts at once (see `subscribe`). */
const RESTART_ON = new Set(["KafkaJSBrokerNotFound", "KafkaJSConnectionError"]);

/** Tries a consumer makes at a failing fetch or batch before it restarts (see `subscribe`). */
const CONSUMER_RETRIES = 5;

/**
 * Batches of different partitions a consumer handles at once (kafkajs: one at a time). Each batch ends in a few
 * round trips (the scorer's publish, the commit) and the store's load, which cost about as much for a small batch
 * as for a large one; one partition after another, six partitions under a steady load kept the stages busy with
 * those costs alone. Handled together, their publishes go out side by side (one producer per partition) and the
 * store loads what arrives together in one go, which halved the latency (`bench/HISTORY.md`, "Figures behind the
 * code").
 */
export const PARTITIONS_AT_ONCE = 6;

/** Bytes a consumer fetches from one partition at a time: the size of the batches handlers see. */
export const MAX_BATCH_BYTES_PER_PARTITION = 4 * 1024 * 1024;

/**
 * kafkajs warnings about choices made on purpose, left out of the log: the idempotent producer's retries are
 * bounded so that a publish fails rather than hang, and `#send` sends the request again itself.
 */
const EXPECTED_WARNINGS = new Set(["Limiting retries for the idempotent producer may invalidate EoS guarantees"]);

/** Options for {@linkcode KafkaBus}. */
export interface KafkaBusOptions {
  brokers: string[];
  clientId?: string;
  /** Called with a line to log. */
  log?: (line: string) => void;
}

function encode(value: unknown): string {
  return JSON.stringify({ schema_version: MESSAGE_SCHEMA_VERSION, value });
}

/** Decodes a message value, or says why it cannot. */
export function decodeValue(raw: Buffer | null): { value: unknown; error?: string } {
  const text = raw?.toString("utf8") ?? "";
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    return { value: text, error: `the value is not JSON: ${(error as Error).message}` };
  }
  const envelope = parsed as { schema_version?: unknown; value?: unknown };
  if (typeof envelope !== "object" || envelope === null || !("value" in envelope)) {
    return { value: parsed, error: "the value is not a message envelope {schema_version, value}" };
  }
  if (envelope.schema_version !== MESSAGE_SCHEMA_VERSION) {
    return {
      value: parsed,
      error: `schema_version ${JSON.stringify(envelope.schema_version)} is not ${MESSAGE_SCHEMA_VERSION}`,
    };
  }
  return { value: envelope.value };
}

/** A message as it is sent: its value encoded, its partition chosen. */
interface OutgoingMessage {
  key: string;
  value: string;
  headers?: Record<string, string>;
  partition: number;
}

/** The cause kafkajs attaches to a log entry (an Error, or its message), as ": cause", or nothing. */
function because(error: unknown): string {
  if (error === undefined || error === null) return "";
  return `: ${error instanceof Error ? error.message : String(error)}`;
}

/** The key of a topic and partition's producer. */
const producerSlot = (topic: string, partition: number) => `${topic}/${partition}`;

/** The Kafka-backed {@linkcode Bus}. */
export class KafkaBus implements Bus {
  readonly kafka: Kafka;
  /** One producer per topic and partition: an idempotent producer sends one request at a time, and requests for
   * different partitions (of one batch, or of batches handled at once) should not queue behind each other. */
  readonly #producers = new Map<string, { producer: Producer; ready: Promise<void> }>();
  readonly #partitioners = new Map<string, Promise<(key: string) => number>>();
  readonly #consumers: Consumer[] = [];
  readonly #health: ConsumerHealth[] = [];
  readonly #log: (line: string) => void;

  constructor(options: KafkaBusOptions) {
    this.#log = options.log ?? (() => {});
    this.kafka = new Kafka({
      clientId: options.clientId ?? "ticket-triage",
      brokers: options.brokers,
      logLevel: logLevel.WARN,
      logCreator: () => ({ namespace, log }) => {
        if (!EXPECTED_WARNINGS.has(log.message)) this.#log(`kafka ${namespace}: ${log.message}${because(log.error)}`);
      },
      // Keep retrying through a broker restart instead of giving up after kafkajs's default retries.
      retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 50 },
    });
  }

  /**
   * The topic's producer and its connection under way. kafkajs retries a connect with backoff (the client's
   * `retry`); a connect that still fails is forgotten, so the next publish connects afresh rather than failing
   * forever.
   */
  #producerEntry(topic: string, partition: number): { producer: Producer; ready: Promise<void> } {
    const slot = producerSlot(topic, partition);
    let entry = this.#producers.get(slot);
    if (!entry) {
      const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
      const ready = producer.connect();
      const created = entry = { producer, ready };
      this.#producers.set(slot, created);
      ready.catch(() => {
        if (this.#producers.get(slot) === created) this.#producers.delete(slot);
      });
    }
    return entry;
  }

  /**
   * Publishes messages, each to the partition kafkajs's default partitioner gives its key, one partition per
   * request. kafkajs, retrying a request that reached several brokers, skips every broker that answered the first
   * try, even one that has meanwhile become the leader of a partition whose broker died: that partition's
   * messages are never sent, and the send resolves. Seen on three local brokers with one killed mid-upload: 131
   * tickets of 100,000 missing from the topic, the upload accepted. A request of one partition goes to one broker,
   * so a retry sends all of it to the partition's leader of the moment.
   */
  async publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void> {
    if (messages.length === 0) return;
    const partitionOf = await this.#partitioner(topic);
    const byPartition = new Map<number, OutgoingMessage[]>();
    for (const m of messages) {
      const partition = partitionOf(m.key);
      const message: OutgoingMessage = { key: m.key, value: encode(m.value), headers: m.headers, partition };
      const list = byPartition.get(partition);
      if (list) list.push(message);
      else byPartition.set(partition, [message]);
    }
    // Partitions in parallel (kafkajs sends one request at a time per broker), each in order, a chunk at a time:
    // a request must stay under the broker's message.max.bytes.
    await Promise.all([...byPartition.values()].map(async (list) => {
      let chunk: OutgoingMessage[] = [];
      let bytes = 0;
      for (const message of list) {
        chunk.push(message);
        // Bytes, not characters: text in other scripts takes two to four bytes a character.
        bytes += Buffer.byteLength(message.value) + Buffer.byteLength(message.key);
        if (bytes >= MAX_REQUEST_BYTES) {
          await this.#send(topic, chunk);
          chunk = [];
          bytes = 0;
        }
      }
      if (chunk.length > 0) await this.#send(topic, chunk);
    }));
  }

  /**
   * The partition of a message by its key, as kafkajs's default (Java-compatible, murmur2) partitioner chooses it,
   * over the topic's partitions as they were when this process first published to it.
   */
  #partitioner(topic: string): Promise<(key: string) => number> {
    let found = this.#partitioners.get(topic);
    if (!found) {
      found = (async () => {
        const admin = this.kafka.admin();
        await admin.connect();
        try {
          const { topics: [metadata] } = await admin.fetchTopicMetadata({ topics: [topic] });
          const partitionMetadata = metadata.partitions;
          const partition = Partitioners.DefaultPartitioner();
          return (key: string) => partition({ topic, partitionMetadata, message: { key, value: null } });
        } finally {
          await admin.disconnect();
        }
      })();
      const attempt = found;
      this.#partitioners.set(topic, attempt);
      attempt.catch(() => {
        if (this.#partitioners.get(topic) === attempt) this.#partitioners.delete(topic);
      });
    }
    return found;
  }

  /**
   * Sends one request's messages. kafkajs retries what it deems retriable; when its producer fails for good, a new
   * producer sends them again (up to {@linkcode PUBLISH_ATTEMPTS} in all). A broker that dies after writing a
   * request but before answering leaves the idempotent producer's sequence numbers out of step with the new
   * partition leader (OUT_OF_ORDER_SEQUENCE_NUMBER, which kafkajs never recovers from): seen on three local
   * brokers with one killed mid-upload. Sending again may write some messages twice; consumers are at least once
   * anyway, and the store counts the latest copy of a ticket once.
   */
  async #send(topic: string, messages: OutgoingMessage[]) {
    const partition = messages[0].partition; // a request holds one partition's messages (see `publish`)
    for (let attempt = 1;; attempt++) {
      const entry = this.#producerEntry(topic, partition);
      try {
        await entry.ready;
        await entry.producer.send({ topic, acks: -1, messages });
        return;
      } catch (error) {
        if (attempt >= PUBLISH_ATTEMPTS) throw error;
        this.#log(
          `kafka: sending ${messages.length} messages to ${topic} failed (${(error as Error).message}); ` +
            `sending them again with a new producer (attempt ${attempt + 1} of ${PUBLISH_ATTEMPTS})`,
        );
        const slot = producerSlot(topic, partition);
        if (this.#producers.get(slot) === entry) this.#producers.delete(slot);
        await entry.producer.disconnect().catch(() => {});
        await new Promise((resolve) => setTimeout(resolve, 1_000 * attempt));
      }
    }
  }

  async subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: group,
      allowAutoTopicCreation: false,
      // Larger batches per partition than kafkajs's default: fewer, larger model runs and store writes.
      maxBytesPerPartition: MAX_BATCH_BYTES_PER_PARTITION,
      metadataMaxAge: CONSUMER_METADATA_MAX_AGE_MS,
      // A consumer that crashed (broker gone too long, a handler error kafkajs deems fatal) starts again rather
      // than leaving the stream unconsumed; uncommitted batches come again. It crashes after a few failed tries
      // (seconds), not kafkajs's 50 (minutes): kafkajs keeps committing to the group coordinator it found when it
      // joined, and when that broker dies only a restart finds the new one.
      retry: {
        initialRetryTime: 300,
        maxRetryTime: 5_000,
        retries: CONSUMER_RETRIES,
        restartOnFailure: () => Promise.resolve(true),
      },
    });
    const health: ConsumerHealth = {
      topic,
      group,
      state: "running",
      failingSince: null,
      lastError: null,
      lastProgressAt: Date.now(),
      lag: 0,
    };
    const lagByPartition = new Map<number, number>();
    const failing = (error: Error) => {
      health.failingSince ??= Date.now();
      health.lastError = error.message;
    };
    consumer.on(consumer.events.CRASH, (event) => {
      this.#log(`consumer ${group} crashed (${event.payload.error.message}); restarting: ${event.payload.restart}`);
      failing(event.payload.error);
      if (!event.payload.restart) health.state = "crashed";
    });
    this.#consumers.push(consumer);
    this.#health.push(health);
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        if (!isRunning() || isStale() || batch.messages.length === 0) return;
        const messages = batch.messages.map((m) => {
          const { value, error } = decodeValue(m.value);
          const headers = Object.fromEntries(
            Object.entries(m.headers ?? {}).map(([k, v]) => [k, v?.toString() ?? ""]),
          );
          return { key: m.key?.toString() ?? "", value: value as T, headers, decodeError: error };
        });
        try {
          await handler(messages);
          resolveOffset(batch.lastOffset()); // the consumer's own position: fetch on from here
          const next = (BigInt(batch.lastOffset()) + 1n).toString();
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: next }]);
        } catch (error) {
          // Said once per run of failures (the same error can repeat every few seconds while a broker is away).
          if (health.failingSince === null) {
            this.#log(
              `consumer ${group}: a batch of ${batch.topic}/${batch.partition} failed (${(error as Error).message}); ` +
                "it comes again",
            );
          }
          failing(error as Error);
          // A broker that cannot be reached or has left the cluster (the group coordinator this consumer commits to,
          // when it died) is replaced only by joining the group afresh: marked not retriable, the error makes
          // kafkajs restart the consumer at once instead of after its tries, each a failed commit. A broker that
          // comes back is found by the restarted consumer all the same.
          if (RESTART_ON.has((error as Error).name)) (error as { retriable?: boolean }).retriable = false;
          throw error; // the batch comes again
        }
        lagByPartition.set(batch.partition, Number(batch.offsetLag()));
        health.lag = [...lagByPartition.values()].reduce((a, b) => a + b, 0);
        health.failingSince = null;
        health.lastError = null;
        health.lastProgressAt = Date.now();
        await heartbeat();
      },
    });
  }

  health(): ConsumerHealth[] {
    return this.#health.map((h) => ({ ...h }));
  }

  /**
   * Leaves consumer groups (after the batch in hand is done) and disconnects, waiting at most
   * {@linkcode CLOSE_TIMEOUT_MS}: kafkajs can wait on a group coordinator that moved (seen after a broker of three
   * came back) for minutes, and a process asked to stop should stop.
   */
  async close(): Promise<void> {
    const leaving = Promise.all([
      ...this.#consumers.map((c) => c.disconnect()),
      ...[...this.#producers.values()].map(async ({ producer, ready }) => {
        await ready.catch(() => {});
        await producer.disconnect();
      }),
    ]);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const gaveUp = new Promise<true>((resolve) => timer = setTimeout(() => resolve(true), CLOSE_TIMEOUT_MS));
    if (await Promise.race([leaving.then(() => false), gaveUp])) {
      this.#log(
        `kafka: not disconnected after ${CLOSE_TIMEOUT_MS / 1000} s; closing anyway (batches not committed come again)`,
      );
    }
    clearTimeout(timer);
  }
}
