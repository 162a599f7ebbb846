/**
 * `deno task bench:kafka [TICKETS]`: the Kafka path on a local broker started for the run.
 *
 * - Throughput: tickets per second through produce → score → store (default 101,628 tickets resampled from the
 *   ISO sample), uploaded through the app's HTTP API; the clock stops when the store holds them all. Measured
 *   as deployed (the scorer in its own process, `deno task scorer`) and with everything in one process; the
 *   in-process bus over the same input, in the same run, is the baseline.
 * - Latency: tickets published to the `tickets` topic at an offered rate (default 5,000/s for 20 s), each stamped
 *   with the time it was scheduled to be sent (so a send that waited shows the wait); its latency ends when the
 *   store sink has written it. Reported as p50/p99/max.
 *
 * @module
 */
import { type LocalBroker, startLocalBroker, startLocalCluster } from "../scripts/kafka/broker.ts";
import { buildApp } from "../src/app.ts";
import { TOPICS } from "../src/bus/bus.ts";
import { KafkaBus } from "../src/bus/kafka_bus.ts";
import { commandLine, runCommand, UsageError } from "../src/cli.ts";
import { loadConfig } from "../src/config.ts";
import { readTicketFile } from "../src/ingest/read_file.ts";
import { waitForUpload } from "../src/client/upload.ts";
import type { IngestedTicket, Ticket } from "../src/ticket/schema.ts";
import { eventually, startApp, type TestApp, upload } from "../scripts/harness/app.ts";
import { resampledCsv } from "./input.ts";

async function timeJourney(
  app: TestApp,
  input: Uint8Array<ArrayBuffer>,
): Promise<{ tickets: number; seconds: number }> {
  const started = performance.now();
  const sent = await upload(app.base, input);
  if (sent.status !== 201) throw new Error(`upload refused: ${JSON.stringify(sent.json)}`);
  await waitForUpload(app.base, sent.json.upload_id, { intervalMs: 250 });
  return { tickets: sent.json.accepted, seconds: (performance.now() - started) / 1000 };
}

/** Throughput of the Kafka path, next to the in-process bus, over the same input. */
export interface KafkaThroughput {
  tickets: number;
  /** As deployed (docker-compose): the web process stores, `deno task scorer` scores in its own process. */
  kafkaRate: number;
  /** One process doing all of it (`KAFKA_BROKERS=… deno task start` with the default `RUN_SCORER=true`). */
  singleProcessRate: number;
  /** The in-process bus (no Kafka). */
  memoryRate: number;
}

/** `deno task scorer` as its own process, as docker-compose runs it. */
function startScorerProcess(brokers: string, app: TestApp): Deno.ChildProcess {
  return new Deno.Command(Deno.execPath(), {
    args: ["task", "scorer"],
    cwd: new URL("../", import.meta.url),
    env: { KAFKA_BROKERS: brokers, SCORER_PORT: "0", MODEL_REGISTRY_DIR: `${app.dataDir}/models` },
    stdout: "null",
    stderr: "null",
  }).spawn();
}

/**
 * Kafka and in-process throughput over the same `tickets` resampled tickets. Each Kafka topology first takes an
 * untimed warm-up upload (the first tenth of the input, at most 8 MB): the broker's JVM compiles its hot paths
 * during the first seconds of traffic, and the consumers join their groups.
 */
export async function measureKafka(tickets: number): Promise<KafkaThroughput> {
  const path = await resampledCsv(tickets);
  const input = await Deno.readFile(path);
  await Deno.remove(path);
  const warmUp = input.subarray(0, input.indexOf(10, Math.min(input.length / 10, 8_000_000)) + 1);
  const warmThenTime = (app: TestApp) => timeJourney(app, warmUp).then(() => timeJourney(app, input));

  const memory = await startApp();
  const baseline = await timeJourney(memory, input).finally(() => memory.close());

  const broker = await startLocalBroker({ quiet: true });
  try {
    const single = await startApp({ KAFKA_BROKERS: broker.brokers });
    const singleProcess = await warmThenTime(single).finally(() => single.close());

    const web = await startApp({ KAFKA_BROKERS: broker.brokers, RUN_SCORER: "false" });
    const scorer = startScorerProcess(broker.brokers, web);
    const deployed = await warmThenTime(web).finally(async () => {
      scorer.kill("SIGTERM");
      await scorer.status;
      await web.close();
    });
    return {
      tickets: deployed.tickets,
      kafkaRate: deployed.tickets / deployed.seconds,
      singleProcessRate: singleProcess.tickets / singleProcess.seconds,
      memoryRate: baseline.tickets / baseline.seconds,
    };
  } finally {
    await broker.stop();
  }
}

/** Throughput with `scorers` scorer processes on a cluster of `brokers`. */
export interface ScalingRow {
  brokers: number;
  scorers: number;
  tickets: number;
  rate: number;
}

/**
 * Kafka throughput as deployed with 1, 2, … scorer processes, each on a fresh cluster of `brokers` nodes (topics of
 * 6 partitions, replication factor min(3, brokers), so a fresh store reads only this run's tickets), after the same
 * untimed warm-up as {@linkcode measureKafka}. On two cores the brokers, the web server and the scorers share the
 * same two cores: more scorers show what the partitioning allows here, not what more machines would give.
 */
export async function measureKafkaScaling(
  tickets: number,
  { brokers = 3, scorers = [1, 2, 3] }: { brokers?: number; scorers?: number[] } = {},
): Promise<ScalingRow[]> {
  const path = await resampledCsv(tickets);
  const input = await Deno.readFile(path);
  await Deno.remove(path);
  const warmUp = input.subarray(0, input.indexOf(10, Math.min(input.length / 10, 8_000_000)) + 1);
  const rows: ScalingRow[] = [];
  for (const count of scorers) {
    const cluster = await startLocalCluster({ brokers, quiet: true });
    try {
      const web = await startApp({ KAFKA_BROKERS: cluster.brokers, RUN_SCORER: "false" });
      const processes = Array.from({ length: count }, () => startScorerProcess(cluster.brokers, web));
      const timed = await timeJourney(web, warmUp).then(() => timeJourney(web, input)).finally(async () => {
        for (const scorer of processes) scorer.kill("SIGTERM");
        await Promise.all(processes.map((scorer) => scorer.status));
        await web.close();
      });
      rows.push({ brokers, scorers: count, tickets: timed.tickets, rate: timed.tickets / timed.seconds });
      console.error(`bench kafka scaling: ${brokers} brokers, ${count} scorer(s): ${Math.round(rows.at(-1)!.rate)}/s`);
    } finally {
      await cluster.stop();
    }
  }
  return rows;
}

/** Produce → stored latency, in seconds, at an offered rate. */
export interface LatencyResult {
  offeredPerSecond: number;
  /** The rate the producer actually achieved (below the offer if publishing could not keep up). */
  achievedPerSecond: number;
  tickets: number;
  p50: number;
  p99: number;
  max: number;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/**
 * Publishes tickets to the `tickets` topic at `perSecond` for `seconds` (in ticks of 100 ms) while a scorer and
 * the DuckDB store sink consume them, as `deno task start` with Kafka runs them; each ticket's latency runs from
 * its scheduled send time (`ingested_at`) to the moment the sink has stored it. A warm-up of 5,000 tickets is not
 * counted.
 */
export async function measureKafkaLatency(perSecond = 5_000, seconds = 20): Promise<LatencyResult> {
  const tickPerSecond = 10;
  const perTick = Math.round(perSecond / tickPerSecond);
  const warmUp = 5_000;
  const path = await resampledCsv(warmUp + perTick * tickPerSecond * seconds);
  const tickets: Ticket[] = [];
  for await (const batch of readTicketFile(path)) tickets.push(...batch);
  await Deno.remove(path);

  const broker: LocalBroker = await startLocalBroker({ quiet: true });
  const dataDir = await Deno.makeTempDir({ prefix: "triage-bench-latency-" });
  const log = (line: string) => {
    if (line.startsWith("kafka")) console.error(`bench latency: ${line}`);
  };
  const latencies: number[] = [];
  let stored = 0;
  // The app as `KAFKA_BROKERS=… deno task start` runs it (scorer and store sink in one process), minus the site.
  const app = await buildApp(loadConfig({ KAFKA_BROKERS: broker.brokers, DATA_DIR: dataDir }), {
    site: false,
    clientId: "bench-pipeline",
    log,
    onStored: (batch) => {
      const now = Date.now();
      stored += batch.length;
      for (const t of batch) if (t.upload_id === "timed") latencies.push((now - Date.parse(t.ingested_at)) / 1000);
    },
  });
  const producer = new KafkaBus({ brokers: [broker.brokers], clientId: "bench-producer", log });
  try {
    // Each timed ticket is stamped with the moment it was due to be sent, not when the send happened: a send held
    // up behind the previous one shows its wait in the latency.
    const publish = (slice: Ticket[], uploadId: string, dueAt = Date.now()) => {
      const ingestedAt = new Date(dueAt).toISOString();
      return producer.publish<IngestedTicket>(
        TOPICS.tickets,
        slice.map((t) => ({ key: t.ticket_id, value: { ...t, upload_id: uploadId, ingested_at: ingestedAt } })),
      );
    };
    await publish(tickets.slice(0, warmUp), "warm-up");
    await eventually("the warm-up stored", () => Promise.resolve(stored >= warmUp), 120_000);

    const timed = tickets.slice(warmUp);
    const ticks = Math.ceil(timed.length / perTick);
    const started = performance.now();
    for (let tick = 0; tick < ticks; tick++) {
      const due = started + (tick * 1000) / tickPerSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      await publish(timed.slice(tick * perTick, (tick + 1) * perTick), "timed", performance.timeOrigin + due);
    }
    // The offer spans every tick's slot; publishing that overran the last slot lowers the achieved rate.
    const producing = Math.max((performance.now() - started) / 1000, ticks / tickPerSecond);
    await eventually("every timed ticket stored", () => Promise.resolve(latencies.length >= timed.length), 300_000);
    const sorted = latencies.sort((a, b) => a - b);
    return {
      offeredPerSecond: perSecond,
      achievedPerSecond: timed.length / producing,
      tickets: timed.length,
      p50: quantile(sorted, 0.5),
      p99: quantile(sorted, 0.99),
      max: sorted[sorted.length - 1],
    };
  } finally {
    await producer.close();
    await app.close();
    await broker.stop();
    await Deno.remove(dataDir, { recursive: true });
  }
}

const HELP = `Usage: deno task bench:kafka [--tickets N] [--rate R] [--seconds S] [--scaling]

Starts a local Kafka broker and measures (1) tickets/s through produce → score → store for N resampled tickets
(default 101,628): with the scorer in its own process (deno task scorer, as docker-compose runs it) and with
everything in one process, next to the in-process bus on the same input; and (2) produce → stored latency (p50,
p99, max) with R tickets/s offered for S seconds (defaults 5,000 and 20), on a fresh broker.

--scaling  instead: tickets/s as deployed with 1, 2 and 3 scorers on a three-broker cluster (a fresh cluster
           each), beside 1 scorer on one broker, for N tickets.`;

if (import.meta.main) {
  runCommand(async () => {
    const { values } = commandLine(HELP, {
      tickets: { type: "string", default: "101628" },
      rate: { type: "string", default: "5000" },
      seconds: { type: "string", default: "20" },
      scaling: { type: "boolean" },
    });
    const [tickets, rate, seconds] = [values.tickets, values.rate, values.seconds].map(Number);
    if (![tickets, rate, seconds].every((n) => Number.isInteger(n) && n > 0)) {
      throw new UsageError(`--tickets, --rate and --seconds take whole numbers above 0\n\n${HELP}`);
    }
    if (values.scaling) {
      const rows = [
        ...await measureKafkaScaling(tickets, { brokers: 1, scorers: [1] }),
        ...await measureKafkaScaling(tickets, { brokers: 3, scorers: [1, 2, 3] }),
      ];
      const base = rows[1].rate;
      console.log("| brokers | scorers | tickets | tickets/s | vs 1 scorer on 3 brokers |");
      console.log("| ---: | ---: | ---: | ---: | ---: |");
      for (const r of rows) {
        console.log(
          `| ${r.brokers} | ${r.scorers} | ${r.tickets} | ${Math.round(r.rate)} | ${(r.rate / base).toFixed(2)}× |`,
        );
      }
      return;
    }
    const result = await measureKafka(tickets);
    console.log(
      `kafka (1 broker, 6 partitions), ${result.tickets} tickets: ${Math.round(result.kafkaRate)} tickets/s with the ` +
        `scorer in its own process (as deployed); ${Math.round(result.singleProcessRate)} tickets/s with everything ` +
        `in one process; in-process bus ${Math.round(result.memoryRate)} tickets/s`,
    );
    const latency = await measureKafkaLatency(rate, seconds);
    console.log(
      `kafka latency, produce → stored, ${latency.tickets} tickets offered at ${rate}/s (achieved ` +
        `${Math.round(latency.achievedPerSecond)}/s): p50 ${latency.p50.toFixed(3)} s, p99 ${
          latency.p99.toFixed(3)
        } s, ` +
        `max ${latency.max.toFixed(3)} s`,
    );
  });
}
