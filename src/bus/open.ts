/**
 * Choosing the bus from the configuration: the in-process bus, or Kafka when `KAFKA_BROKERS` is set, with the
 * journey's topics created where missing. This is where kafkajs is patched (its encoder's varints,
 * `kafkajs_varint.ts`; its record batches, `kafkajs_record_batch.ts`; its idle request queues' polling,
 * `kafkajs_request_queue.ts`), once, when a Kafka bus starts; nothing patches on import.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { connectWithRetry } from "../connect.ts";
import type { Bus } from "./bus.ts";
import { KafkaBus } from "./kafka_bus.ts";
import { installFastRecordBatch } from "./kafkajs_record_batch.ts";
import { installIdleQueueFix } from "./kafkajs_request_queue.ts";
import { installFastVarints } from "./kafkajs_varint.ts";
import { ensureTopics } from "./kafka_topics.ts";
import { MemoryBus } from "./memory_bus.ts";

/** Installs the project's kafkajs patches (each only over what it was written against); says what it kept. */
export async function patchKafkajs(log: (line: string) => void): Promise<void> {
  if (installFastVarints().length < 2) log("kafkajs: its encoder changed; kept some of its own varint writers");
  const batches = await installFastRecordBatch();
  if (batches !== "installed" && batches !== "already") log(`kafkajs: ${batches}; kept its own record batch writer`);
  if (!installIdleQueueFix()) log("kafkajs: its request queue changed; kept its own scheduling of checks");
}

/**
 * Opens the bus the configuration names.
 *
 * @param clientId how this process names itself to Kafka.
 * @param log where to say what it did.
 */
export async function openBus(config: Config, clientId: string, log: (line: string) => void): Promise<Bus> {
  if (config.kafkaBrokers.length === 0) return new MemoryBus();
  await patchKafkajs(log);
  const bus = new KafkaBus({ brokers: config.kafkaBrokers, clientId, log });
  const topics = await connectWithRetry(
    `Kafka at ${config.kafkaBrokers.join(",")}`,
    () => ensureTopics(bus.kafka, config.kafkaPartitions, config.kafkaReplicationFactor),
    { retrySeconds: config.connectRetrySeconds, log },
  );
  log(
    `kafka ${config.kafkaBrokers.join(",")}: ${
      topics.map((t) => `${t.topic} (${t.partitions} partitions)`).join(", ")
    }`,
  );
  return bus;
}
