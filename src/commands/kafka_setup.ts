/**
 * `deno task kafka:setup`: creates the journey's topics on the brokers in `KAFKA_BROKERS` where missing, and
 * prints what exists. Safe to run any number of times.
 *
 * @module
 */
import { Kafka, logLevel } from "kafkajs";
import { commandLine, runCommand } from "../cli.ts";
import { ConfigError, loadConfig } from "../config.ts";
import { ensureTopics } from "../bus/kafka_topics.ts";

const HELP = `Usage: deno task kafka:setup

Creates the topics tickets, tickets_scored and tickets_dead_letter where missing (idempotent).
Environment:
  KAFKA_BROKERS             bootstrap brokers, host:port,... (required)
  KAFKA_PARTITIONS          partitions of a topic created now (default 6)
  KAFKA_REPLICATION_FACTOR  copies of each partition (default: min(3, brokers in the cluster));
                            min.insync.replicas is one less, at least 1
Existing topics are left as they are.`;

async function main(): Promise<void> {
  commandLine(HELP, {});
  const config = loadConfig();
  if (config.kafkaBrokers.length === 0) throw new ConfigError("KAFKA_BROKERS is not set");
  const kafka = new Kafka({ brokers: config.kafkaBrokers, clientId: "kafka-setup", logLevel: logLevel.WARN });
  for (const t of await ensureTopics(kafka, config.kafkaPartitions, config.kafkaReplicationFactor)) {
    const factor = `replication factor ${t.replicationFactor}, min.insync.replicas ${t.minInsyncReplicas}`;
    const note = t.replicationFactor < t.wantedReplicationFactor
      ? ` (fewer copies than the ${t.wantedReplicationFactor} wanted: it existed before; kafka-reassign-partitions adds copies)`
      : "";
    console.log(`${t.topic}: ${t.created ? "created" : "exists"}, ${t.partitions} partitions, ${factor}${note}`);
  }
}

if (import.meta.main) runCommand(main);
