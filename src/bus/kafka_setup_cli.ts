/**
 * `deno task kafka:setup`: creates the journey's topics on the brokers in `KAFKA_BROKERS` where missing, and
 * prints what exists. Safe to run any number of times.
 *
 * @module
 */
import { ConfigError, loadConfig } from "../config.ts";
import { KafkaBus } from "./kafka_bus.ts";
import { ensureTopics } from "./kafka_topics.ts";

const HELP = `Usage: deno task kafka:setup

Creates the topics tickets, tickets_scored and tickets_dead_letter where missing (idempotent).
Environment: KAFKA_BROKERS (required), KAFKA_PARTITIONS (default 6), KAFKA_REPLICATION_FACTOR (default 1).`;

if (import.meta.main) {
  if (Deno.args.includes("--help") || Deno.args.includes("-h")) {
    console.log(HELP);
    Deno.exit(0);
  }
  try {
    const config = loadConfig();
    if (config.kafkaBrokers.length === 0) throw new ConfigError("KAFKA_BROKERS is not set");
    const bus = new KafkaBus({ brokers: config.kafkaBrokers, clientId: "kafka-setup" });
    for (const t of await ensureTopics(bus.kafka, config.kafkaPartitions, config.kafkaReplicationFactor)) {
      console.log(`${t.topic}: ${t.created ? "created" : "exists"}, ${t.partitions} partitions`);
    }
    await bus.close();
  } catch (error) {
    console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
    Deno.exit(1);
  }
}
