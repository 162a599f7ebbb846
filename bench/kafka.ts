/**
 * `deno task bench:kafka [COPIES]`: tickets per second through produce → score → store on a local Kafka broker
 * started for the run. The input is the one-line ISO dataset repeated COPIES times (default 12, i.e. 101,628
 * tickets) with fresh ids, uploaded through the app's HTTP API; the clock stops when the store holds them all.
 * The in-process bus over the same input is timed in the same run as the baseline.
 *
 * @module
 */
import { startLocalBroker } from "../src/bus/kafka_broker.ts";
import { DATASETS, eventually, startApp, type TestApp, upload } from "../tests/support/app.ts";

async function makeInput(copies: number): Promise<Uint8Array<ArrayBuffer>> {
  const [header, ...rows] = (await Deno.readTextFile(new URL("tickets_iso_regenerated.csv", DATASETS))).trimEnd()
    .split("\n");
  const parts = [header];
  for (let copy = 0; copy < copies; copy++) parts.push(rows.map((row) => `b${copy}-${row}`).join("\n"));
  return new TextEncoder().encode(parts.join("\n") + "\n");
}

async function timeJourney(app: TestApp, input: Uint8Array<ArrayBuffer>): Promise<{ tickets: number; seconds: number }> {
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

if (import.meta.main) {
  const copies = Number(Deno.args[0] ?? 12);
  const input = await makeInput(copies);
  console.log(`input: ${copies} copies of the ISO dataset, ${(input.length / 1e6).toFixed(1)} MB`);

  const memory = await startApp();
  const baseline = await timeJourney(memory, input);
  await memory.close();
  console.log(
    `in-process bus: ${baseline.tickets} tickets in ${baseline.seconds.toFixed(2)} s ` +
      `(${Math.round(baseline.tickets / baseline.seconds)} tickets/s)`,
  );

  const broker = await startLocalBroker({ quiet: true });
  const app = await startApp({ KAFKA_BROKERS: broker.brokers });
  try {
    const kafka = await timeJourney(app, input);
    const rate = kafka.tickets / kafka.seconds;
    console.log(
      `kafka (1 broker, 6 partitions): ${kafka.tickets} tickets in ${kafka.seconds.toFixed(2)} s ` +
        `(${Math.round(rate)} tickets/s, ${
          (rate / (baseline.tickets / baseline.seconds)).toFixed(2)
        }× the in-process bus)`,
    );
  } finally {
    await app.close();
    await broker.stop();
  }
}
