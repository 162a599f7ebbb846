/**
 * The Kafka topics of the journey, created idempotently (`deno task kafka:setup`, and at start of any service
 * that uses Kafka): creating a topic that exists is not an error, and its partition count and replication factor
 * are reported. Unless told otherwise, topics get three copies where the cluster has three brokers, and stay
 * writable with one copy lost.
 *
 * @module
 */
import { ConfigResourceTypes, type Kafka } from "kafkajs";
import { TOPICS } from "./bus.ts";

/** What setting up one topic found or did. */
export interface TopicSetup {
  topic: string;
  created: boolean;
  partitions: number;
  /** Copies of each partition (of partition 0, for a topic that existed). */
  replicationFactor: number;
  /** The replication factor this setup wanted (what a topic created now gets). */
  wantedReplicationFactor: number;
  /** The topic's `min.insync.replicas`, as the brokers report it. */
  minInsyncReplicas: number;
}

/** Copies of each partition on a cluster of `brokers`: three where there are three brokers or more. */
export function clusterReplicationFactor(brokers: number): number {
  return Math.max(1, Math.min(3, brokers));
}

/**
 * `min.insync.replicas` for a replication factor: a write (acks=all) is refused only when more than one copy is
 * missing, so one broker may die without stopping uploads, and an acknowledged write has at least two copies
 * wherever there are three.
 */
export function minInsyncReplicas(replicationFactor: number): number {
  return Math.max(1, replicationFactor - 1);
}

/**
 * Creates the journey's topics where missing.
 *
 * @param partitions partitions for topics created now (existing ones are left as they are).
 * @param replicationFactor copies for topics created now; null: {@linkcode clusterReplicationFactor} of the
 * brokers the cluster has now.
 */
export async function ensureTopics(
  kafka: Kafka,
  partitions: number,
  replicationFactor: number | null,
): Promise<TopicSetup[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const wantedFactor = replicationFactor ?? clusterReplicationFactor((await admin.describeCluster()).brokers.length);
    const wanted: string[] = Object.values(TOPICS);
    const existing = new Set(await admin.listTopics());
    const missing = wanted.filter((topic) => !existing.has(topic));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((topic) => ({
          topic,
          numPartitions: partitions,
          replicationFactor: wantedFactor,
          configEntries: [{ name: "min.insync.replicas", value: String(minInsyncReplicas(wantedFactor)) }],
        })),
      });
    }
    const { topics } = await admin.fetchTopicMetadata({ topics: wanted });
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: wanted.map((name) => ({
        type: ConfigResourceTypes.TOPIC,
        name,
        configNames: ["min.insync.replicas"],
      })),
    });
    const minInsync = new Map(
      resources.map((r) => [r.resourceName, Number(r.configEntries[0]?.configValue ?? 1)]),
    );
    return topics.map((t) => ({
      topic: t.name,
      created: missing.includes(t.name),
      partitions: t.partitions.length,
      replicationFactor: t.partitions.find((p) => p.partitionId === 0)?.replicas.length ?? 0,
      wantedReplicationFactor: wantedFactor,
      minInsyncReplicas: minInsync.get(t.name) ?? 1,
    }));
  } finally {
    await admin.disconnect();
  }
}
