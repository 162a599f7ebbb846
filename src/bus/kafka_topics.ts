/**
 * The Kafka topics of the journey, created idempotently (`deno task kafka:setup`, and at start of any service
 * that uses Kafka): creating a topic that exists is not an error, and its partition count is reported.
 *
 * @module
 */
import type { Kafka } from "kafkajs";
import { TOPICS } from "./bus.ts";

/** What setting up one topic found or did. */
export interface TopicSetup {
  topic: string;
  created: boolean;
  partitions: number;
}

/**
 * Creates the journey's topics where missing.
 *
 * @param partitions partitions for topics created now (existing ones are left as they are).
 */
export async function ensureTopics(kafka: Kafka, partitions: number, replicationFactor: number): Promise<TopicSetup[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wanted: string[] = Object.values(TOPICS);
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor,
          configEntries: [{ name: "min.insync.replicas", value: String(Math.min(2, replicationFactor)) }],
        })),
      });
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
    return topics.map((t) => ({ topic: t.name, created: missing.includes(t.name), partitions: t.partitions.length }));
  } finally {
    await admin.disconnect();
  }
}
