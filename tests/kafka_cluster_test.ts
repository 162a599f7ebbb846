/**
 * Beyond one machine, on a real three-node Kafka cluster (KRaft; three Java processes on 127.0.0.1, topics set up
 * by `deno task kafka:setup`): two web servers, each with its own DuckDB file, and two `deno task scorer`
 * processes. One broker is killed (SIGKILL) in the middle of a 100,000-ticket upload to the first server:
 * - the upload still answers 201 with every ticket accepted;
 * - every ticket is scored and counted once, in both servers (each DuckDB file's sink is a consumer group of its
 *   own, so each sees every scored ticket);
 * - the two servers' marts agree row for row (tickets uploaded to the second server included);
 * - the killed broker starts again and is back in every partition's in-sync replicas.
 * The web servers run in this process on the app's own wiring (`scripts/harness/app.ts`, no site build: two site
 * builds at each refresh would only slow a two-core machine down). Without Java and the Kafka jars it is ignored
 * (under CI: failed).
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { Kafka, logLevel } from "kafkajs";
import { TOPICS } from "../src/bus/bus.ts";
import { martNames } from "../src/marts/models.ts";
import { startLocalCluster } from "../scripts/kafka/broker.ts";
import { eventually, heldUpload, refreshedTotal, startApp, type TestApp, upload } from "../scripts/harness/app.ts";
import { needing } from "../scripts/means.ts";
import { startScorerProcess, topicSize } from "../scripts/kafka/harness.ts";
import { writeTicketsFile } from "../scripts/samples/synthetic.ts";

const ROOT = new URL("../", import.meta.url);
const MODEL_DIR = new URL("models/", ROOT).pathname;
const TICKETS = 100_000;
/** Tickets the second server takes, so that both servers' uploads are in both servers' marts. */
const SECOND_SERVER_TICKETS = 2_000;
/** The broker dies once this many tickets of the upload are on the `tickets` topic. */
const KILL_AT = 30_000;

/** Messages of `topic` that consumer group `group` has not committed yet. */
async function lag(kafka: Kafka, group: string, topic: string): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const [committed] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    const at = new Map(committed.partitions.map((p) => [p.partition, Math.max(0, Number(p.offset))]));
    return (await admin.fetchTopicOffsets(topic)).reduce(
      (sum, p) => sum + Number(p.high) - (at.get(p.partition) ?? 0),
      0,
    );
  } finally {
    await admin.disconnect();
  }
}

/** Partitions of the journey's topics whose in-sync replicas lack `nodeId`. */
async function partitionsWithout(kafka: Kafka, nodeId: number): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const { topics } = await admin.fetchTopicMetadata({ topics: Object.values(TOPICS) });
    return topics.flatMap((t) =>
      t.partitions.filter((p) => !p.isr.includes(nodeId)).map((p) => `${t.name}/${p.partitionId}`)
    );
  } finally {
    await admin.disconnect();
  }
}

/**
 * Numbers to 12 significant digits: two DuckDB files sum floating-point values in whatever order their threads
 * take the rows, and the last digit of a mean may differ (macro-F1 0.16163370246932374 against ...376).
 */
function toPrecision(value: unknown): unknown {
  if (typeof value === "number") return Number(value.toPrecision(12));
  if (Array.isArray(value)) return value.map(toPrecision);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toPrecision(v)]));
  }
  return value;
}

/** Every mart as a server reads it. */
async function allMarts(app: TestApp): Promise<Record<string, unknown>> {
  const marts: Record<string, unknown> = {};
  for (const name of await martNames()) {
    marts[name] = toPrecision((await (await fetch(`${app.base}/api/marts/${name}`)).json()).rows);
  }
  return marts;
}

/** Stored tickets of an upload, as a server's API counts them. */
async function storedOf(app: TestApp, uploadId: string): Promise<number> {
  return (await (await fetch(`${app.base}/api/tickets?upload_id=${uploadId}&limit=1`)).json()).total;
}

Deno.test(
  await needing(["kafka"], {
    name: "kafka cluster: a broker killed mid-upload loses nothing; two web servers and two scorers agree",
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const started = performance.now();
      const seconds = () => ((performance.now() - started) / 1000).toFixed(1);
      const file = await writeTicketsFile(TICKETS, { prefix: "cluster-" });
      const secondFile = await writeTicketsFile(SECOND_SERVER_TICKETS, { prefix: "second-", seed: 11 });
      const cluster = await startLocalCluster({ brokers: 3, quiet: true });
      // The test's own look at the topics, patient with a loaded two-core machine (kafkajs waits 1 s to connect).
      const kafka = new Kafka({
        brokers: cluster.brokers.split(","),
        clientId: "cluster-test",
        logLevel: logLevel.NOTHING,
        connectionTimeout: 10_000,
        retry: { retries: 10 },
      });
      const env = { KAFKA_BROKERS: cluster.brokers, MODEL_DIR };
      const running: [string, { close(): Promise<unknown> }][] = [];
      const closeAll = async () => {
        for (const [what, service] of running.reverse()) {
          const closing = performance.now();
          await service.close().catch((error) => console.log(`${what}: ${error}`));
          console.log(`${what} closed in ${((performance.now() - closing) / 1000).toFixed(1)} s`);
        }
        running.length = 0;
      };
      try {
        console.log(`3 nodes ready in ${(cluster.startMs / 1000).toFixed(1)} s`);
        const setup = await new Deno.Command(Deno.execPath(), {
          args: ["task", "kafka:setup"],
          cwd: ROOT,
          env,
          stdout: "piped",
          stderr: "piped",
        }).output();
        const said = new TextDecoder().decode(setup.stdout);
        ok(setup.success, new TextDecoder().decode(setup.stderr));
        for (const topic of Object.values(TOPICS)) {
          match(
            said,
            new RegExp(`^${topic}: created, 6 partitions, replication factor 3, min.insync.replicas 2$`, "m"),
          );
        }

        const scorers = await Promise.all([
          startScorerProcess(cluster.brokers, env),
          startScorerProcess(cluster.brokers, env),
        ]);
        for (const [i, scorer] of scorers.entries()) running.push([`scorer ${i + 1}`, { close: () => scorer.stop() }]);
        const [first, second] = await Promise.all([
          startApp({ ...env, RUN_SCORER: "false" }),
          startApp({ ...env, RUN_SCORER: "false" }),
        ]);
        running.push(["server 1", first], ["server 2", second]);
        ok(first.app.store.sinkGroup !== second.app.store.sinkGroup, "each DuckDB file's sink is its own group");

        // The upload, with node 2 killed once KILL_AT of its tickets are on the topic. The upload holds back its
        // second half until then, so the broker dies while it is still going, however fast the machine.
        const bytes = await Deno.readFile(file);
        const held = heldUpload(first.base, bytes, Math.floor(bytes.length / 2));
        const victim = cluster.nodes[1];
        try {
          await eventually(
            `${KILL_AT} tickets on the topic`,
            async () => (await topicSize(kafka, TOPICS.tickets)) >= KILL_AT,
          );
          const onTopic = await topicSize(kafka, TOPICS.tickets);
          await victim.kill();
          console.log(`${seconds()} s: node 2 killed (SIGKILL) with ${onTopic} tickets on the topic`);
        } finally {
          held.release();
        }

        const { status, json } = await held.sending;
        console.log(
          `${seconds()} s: the upload answered ${status}: ${json.accepted} accepted, ${json.rejected} rejected`,
        );
        equal(status, 201, JSON.stringify(json).slice(0, 500));
        equal(json.accepted, TICKETS);
        equal(json.rejected, 0);
        const other = await upload(second.base, await Deno.readFile(secondFile));
        equal(other.status, 201);
        equal(other.json.accepted, SECOND_SERVER_TICKETS);

        const everything = TICKETS + SECOND_SERVER_TICKETS;
        // Where the journey is, every 15 s while the test waits: a stall shows which stage stands still.
        let reportedAt = 0;
        const progress = async () => {
          if (performance.now() - reportedAt < 15_000) return;
          reportedAt = performance.now();
          const lags = [
            `scorer ${await lag(kafka, "scorer", TOPICS.tickets)}`,
            ...[first, second].map(async (app, i) =>
              `server ${i + 1} sink ${await lag(kafka, app.app.store.sinkGroup, TOPICS.scored)}`
            ),
          ];
          console.log(
            `${seconds()} s: ${await topicSize(kafka, TOPICS.scored)} scored; not yet committed: ${
              (await Promise.all(lags)).join(", ")
            }; stored ${await storedOf(first, json.upload_id)} and ${await storedOf(second, json.upload_id)}`,
          );
        };
        for (const [name, app] of [["first", first], ["second", second]] as const) {
          await eventually(
            `the ${name} server stores all ${TICKETS} tickets of the upload`,
            async () => {
              await progress();
              return (await storedOf(app, json.upload_id)) === TICKETS;
            },
          ).catch((error) => {
            for (const [i, scorer] of scorers.entries()) console.log(`scorer ${i + 1}:\n${scorer.log().slice(-3000)}`);
            throw error;
          });
          await eventually(
            `the ${name} server's marts count ${everything} tickets`,
            async () => (await refreshedTotal(app.base)) === everything,
          );
        }
        console.log(`${seconds()} s: both servers count ${everything} tickets`);
        deepStrictEqual(await allMarts(second), await allMarts(first), "both servers serve the same marts");
        const scored = await topicSize(kafka, TOPICS.scored);
        ok(scored >= everything, `${scored} scored messages`);
        console.log(`${scored - everything} scored tickets were delivered twice (at least once), counted once`);
        equal(await topicSize(kafka, TOPICS.deadLetter), 0, "nothing dead-lettered");

        // The clients go first: what is checked next is the broker itself.
        await closeAll();
        await victim.restart();
        await eventually(
          "node 2 back in every partition's in-sync replicas",
          async () => (await partitionsWithout(kafka, 2)).length === 0,
          120_000,
        );
        console.log(`${seconds()} s: node 2 restarted in ${(victim.startMs / 1000).toFixed(1)} s and in sync again`);
      } finally {
        await closeAll();
        await cluster.stop();
        await Deno.remove(file).catch(() => {});
        await Deno.remove(secondFile).catch(() => {});
      }
    },
  }),
);
