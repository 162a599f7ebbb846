/**
 * The local broker is a real Kafka that kafkajs 2.2.4 can use for everything the KafkaBus needs: topic creation
 * through the admin API, the idempotent producer with acks=all, consumer groups with committed offsets, and
 * durability of both data and offsets across a broker restart on the same port and log dir (clean and after a
 * SIGKILL). Prints how long each phase took (`jars_ms` is Maven's first-run download, near 0 once cached).
 */
import { deepStrictEqual, equal, ok } from "node:assert/strict";
import { type Consumer, Kafka, logLevel, Partitioners } from "kafkajs";
import { startLocalBroker } from "../scripts/kafka/broker.ts";
import { ensureKafkaJars, KAFKA_VERSION } from "../scripts/kafka/jars.ts";
import { needing } from "../scripts/means.ts";

const MESSAGES = 1_000;
const TOPIC = "broker-test";

/** What a consumer received: value by key, and how often each key came. */
interface Received {
  values: Map<string, string>;
  counts: Map<string, number>;
  partitions: Set<number>;
  /** Next offset to commit, per partition. */
  next: Map<number, string>;
  /** Fetches completed since the consumer last joined its group. */
  fetchesSinceJoin: number;
}

/** Runs a consumer of `TOPIC` in `group` that records what it gets; commits only when asked. */
async function consume(kafka: Kafka, group: string): Promise<{ consumer: Consumer; received: Received }> {
  const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 250 });
  const received: Received = {
    values: new Map(),
    counts: new Map(),
    partitions: new Set(),
    next: new Map(),
    fetchesSinceJoin: -1,
  };
  consumer.on(consumer.events.GROUP_JOIN, () => received.fetchesSinceJoin = 0);
  consumer.on(consumer.events.FETCH, () => {
    if (received.fetchesSinceJoin >= 0) received.fetchesSinceJoin++;
  });
  await consumer.connect();
  await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: ({ partition, message }) => {
      const key = message.key!.toString();
      received.values.set(key, message.value!.toString());
      received.counts.set(key, (received.counts.get(key) ?? 0) + 1);
      received.partitions.add(partition);
      received.next.set(partition, (BigInt(message.offset) + 1n).toString());
      return Promise.resolve();
    },
  });
  return { consumer, received };
}

/** Waits until `condition` holds, failing with `what` after `timeoutMs`. */
async function until(what: string, condition: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function assertExactlyOnce(received: Received, expected: number) {
  equal(received.values.size, expected, "distinct keys received");
  const repeated = [...received.counts].filter(([, count]) => count !== 1);
  deepStrictEqual(repeated, [], "keys delivered more than once");
  for (let i = 0; i < expected; i++) equal(received.values.get(`ticket-${i}`), `payload-${i}`);
}

Deno.test(
  await needing(["kafka"], {
    name: `local Kafka ${KAFKA_VERSION} broker serves kafkajs: topics, idempotent producer, groups, restart`,
    sanitizeOps: false,
    sanitizeResources: false,
    async fn() {
      const timings: Record<string, number> = {};
      let t = performance.now();
      const lap = (name: string) => {
        timings[name] = Math.round(performance.now() - t);
        t = performance.now();
      };

      await ensureKafkaJars();
      lap("jars_ms");
      const broker = await startLocalBroker({ quiet: true });
      lap("start_ms");
      console.log(`broker ${KAFKA_VERSION} on ${broker.brokers} (data ${broker.dataDir})`);
      const kafka = new Kafka({ clientId: "broker-test", brokers: [broker.brokers], logLevel: logLevel.WARN });
      const admin = kafka.admin();
      const consumers: Consumer[] = [];
      try {
        await admin.connect();
        ok(await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }] }));
        const [metadata] = (await admin.fetchTopicMetadata({ topics: [TOPIC] })).topics;
        equal(metadata.partitions.length, 3, "partitions of the created topic");
        lap("create_topic_ms");

        const producer = kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
        });
        await producer.connect();
        for (let start = 0; start < MESSAGES; start += 100) {
          const messages = Array.from({ length: 100 }, (_, i) => ({
            key: `ticket-${start + i}`,
            value: `payload-${start + i}`,
          }));
          const results = await producer.send({ topic: TOPIC, acks: -1, messages });
          for (const result of results) equal(result.errorCode, 0);
        }
        await producer.disconnect();
        const ends = await admin.fetchTopicOffsets(TOPIC);
        equal(ends.reduce((sum, p) => sum + Number(p.high), 0), MESSAGES, "messages on the broker");
        lap("produce_ms");

        // A consumer group reads every message exactly once and commits.
        const first = await consume(kafka, "group-a");
        consumers.push(first.consumer);
        await until(`${MESSAGES} messages for group-a`, () => first.received.values.size >= MESSAGES);
        await new Promise((resolve) => setTimeout(resolve, 500)); // room for a duplicate to show up
        assertExactlyOnce(first.received, MESSAGES);
        equal(first.received.partitions.size, 3, "keys spread over all partitions");
        await first.consumer.commitOffsets(
          [...first.received.next].map(([partition, offset]) => ({ topic: TOPIC, partition, offset })),
        );
        await first.consumer.disconnect();
        consumers.length = 0;
        const committed = await admin.fetchOffsets({ groupId: "group-a", topics: [TOPIC] });
        equal(committed[0].partitions.reduce((sum, p) => sum + Number(p.offset), 0), MESSAGES, "committed offsets");
        lap("consume_commit_ms");

        // Restart on the same port and log dir; data and committed offsets survive.
        await admin.disconnect();
        await broker.restart();
        lap("restart_ms");
        await admin.connect();
        const after = await admin.fetchTopicOffsets(TOPIC);
        equal(after.reduce((sum, p) => sum + Number(p.high), 0), MESSAGES, "messages after restart");
        const committedAfter = await admin.fetchOffsets({ groupId: "group-a", topics: [TOPIC] });
        deepStrictEqual(committedAfter, committed, "committed offsets after restart");

        // The same group reads nothing old, yet gets a new message: it resumes from its committed offsets.
        const again = await consume(kafka, "group-a");
        consumers.push(again.consumer);
        await until("group-a to join and fetch", () => again.received.fetchesSinceJoin >= 3);
        equal(again.received.values.size, 0, "messages group-a read again after the restart");
        const producer2 = kafka.producer({
          idempotent: true,
          maxInFlightRequests: 1,
          createPartitioner: Partitioners.DefaultPartitioner,
        });
        await producer2.connect();
        await producer2.send({ topic: TOPIC, acks: -1, messages: [{ key: "ticket-new", value: "payload-new" }] });
        await producer2.disconnect();
        await until("the new message for group-a", () => again.received.values.size >= 1);
        deepStrictEqual([...again.received.values], [["ticket-new", "payload-new"]]);

        // Another group reads everything from the beginning.
        const other = await consume(kafka, "group-b");
        consumers.push(other.consumer);
        await until(`${MESSAGES + 1} messages for group-b`, () => other.received.values.size >= MESSAGES + 1);
        await new Promise((resolve) => setTimeout(resolve, 500));
        other.received.values.delete("ticket-new");
        other.received.counts.delete("ticket-new");
        assertExactlyOnce(other.received, MESSAGES);
        lap("after_restart_checks_ms");

        // A crash (SIGKILL) loses nothing that was acknowledged with acks=all either.
        for (const consumer of consumers) await consumer.disconnect();
        consumers.length = 0;
        await admin.disconnect();
        await broker.kill();
        await broker.restart();
        await admin.connect();
        const afterCrash = await admin.fetchTopicOffsets(TOPIC);
        equal(afterCrash.reduce((sum, p) => sum + Number(p.high), 0), MESSAGES + 1, "messages after a crash");
        lap("kill_restart_ms");
        console.log(`timings: ${JSON.stringify(timings)} (broker start ${broker.startMs} ms after restart)`);
      } finally {
        for (const consumer of consumers) await consumer.disconnect().catch(() => {});
        await admin.disconnect().catch(() => {});
        await broker.stop();
      }
    },
  }),
);
