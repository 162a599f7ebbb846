/**
 * `deno task bench:kafka [TICKETS]`: tickets per second through produce → score → store on a local Kafka broker
 * started for the run (default 101,628 tickets resampled from the shared dataset), uploaded through the app's
 * HTTP API; the clock stops when the store holds them all. The in-process bus over the same input, in the same
 * run, is the baseline.
 *
 * @module
 */
import { startLocalBroker } from "../src/bus/kafka_broker.ts";
import { eventually, startApp, type TestApp, upload } from "../tests/support/app.ts";
import { resampledCsv } from "./input.ts";

async function timeJourney(
  app: TestApp,
  input: Uint8Array<ArrayBuffer>,
): Promise<{ tickets: number; seconds: number }> {
  const started = performance.now();
  const sent = await upload(app.base, input);
  if (sent.status !== 201) throw new Error(`upload refused: ${JSON.stringify(sent.json)}`);
  const uploadId = sent.json.upload_id;
  await eventually("every ticket stored", async () => {
    const status = await (await fetch(`${app.base}/api/uploads/${uploadId}`)).json();
    return status.scored === sent.json.accepted;
  }, 30 * 60_000);
  return { tickets: sent.json.accepted, seconds: (performance.now() - started) / 1000 };
}

/** Kafka and in-process throughput over the same `tickets` resampled tickets. */
export async function measureKafka(
  tickets: number,
): Promise<{ tickets: number; kafkaRate: number; memoryRate: number }> {
  const path = await resampledCsv(tickets);
  const input = await Deno.readFile(path);
  await Deno.remove(path);

  const memory = await startApp();
  const baseline = await timeJourney(memory, input).finally(() => memory.close());

  const broker = await startLocalBroker({ quiet: true });
  try {
    const app = await startApp({ KAFKA_BROKERS: broker.brokers });
    const kafka = await timeJourney(app, input).finally(() => app.close());
    return {
      tickets: kafka.tickets,
      kafkaRate: kafka.tickets / kafka.seconds,
      memoryRate: baseline.tickets / baseline.seconds,
    };
  } finally {
    await broker.stop();
  }
}

if (import.meta.main) {
  const tickets = Number(Deno.args[0] ?? 101_628);
  if (!Number.isInteger(tickets) || tickets < 1) {
    console.log(`Usage: deno task bench:kafka [TICKETS]

Starts a local Kafka broker and measures tickets/s through produce → score → store for TICKETS resampled
tickets (default 101,628), next to the in-process bus on the same input.`);
    Deno.exit(Deno.args[0] === "--help" || Deno.args[0] === "-h" ? 0 : 2);
  }
  const result = await measureKafka(tickets);
  console.log(
    `kafka (1 broker, 6 partitions): ${result.tickets} tickets at ${Math.round(result.kafkaRate)} tickets/s; ` +
      `in-process bus ${Math.round(result.memoryRate)} tickets/s (${
        (result.kafkaRate / result.memoryRate).toFixed(2)
      }× )`,
  );
}
