/**
 * Faults a running app meets, tried for real, each checked for what it leaves behind:
 * - `kill -9` in the middle of an upload, then a restart (DuckDB, and ClickHouse on its own engine): the marts and
 *   the API count exactly what they did before, the upload's record says failed and how far it got, and the same
 *   file uploaded again completes;
 * - the disk filling while an upload is stored (a small tmpfs): a clear answer (507), the store still consistent,
 *   and after a restart with room, the same file completes;
 * - a client that stalls mid-upload holds up nobody else, and is ended after `UPLOAD_IDLE_SECONDS`;
 * - twenty uploads at once of files that overlap: every wait finishes, and the marts count the distinct tickets.
 *
 * Each prints what it measured (`fault: ...`), which the notes on the issues quote.
 */
import { deepStrictEqual, equal, match, ok } from "node:assert/strict";
import { DATABASE } from "../src/store/clickhouse_migrations.ts";
import { openClickHouseStore } from "../src/store/clickhouse_store.ts";
import { postCsvFile, waitForUpload } from "../src/client/upload.ts";
import {
  eventually,
  refreshMarts,
  startApp,
  startPartialUpload,
  startStalledMultipart,
  upload,
  utf8Bytes,
} from "../scripts/harness/app.ts";
import { startClickHouseServer } from "../scripts/clickhouse/server.ts";
import { needing } from "../scripts/means.ts";
import { EXCEL_SAMPLE, ISO_SAMPLE } from "../scripts/samples/paths.ts";
import { writeTicketsFile } from "../scripts/samples/synthetic.ts";
import { type StartedApp, startTask } from "../scripts/harness/task_start.ts";

// deno-lint-ignore no-explicit-any
async function json(url: string, init?: RequestInit): Promise<any> {
  return await (await fetch(url, init)).json();
}

/** Tickets the marts count (after a refresh) and the API lists. */
async function counted(base: string): Promise<{ marts: number; api: number }> {
  await refreshMarts(base);
  const [overview] = (await json(`${base}/api/marts/mart_overview`)).rows;
  return { marts: overview.tickets, api: (await json(`${base}/api/tickets?limit=1`)).total };
}

/** Seconds until `/healthz` answers 200 (ready). */
async function secondsToReady(app: StartedApp, since: number): Promise<number> {
  await eventually("ready", async () => {
    const response = await fetch(`${app.base}/healthz`).catch(() => null);
    await response?.body?.cancel();
    return response?.status === 200;
  });
  return (performance.now() - since) / 1000;
}

/**
 * Starts an upload of all of `file` but sends only its first two thirds, so the upload is still receiving however
 * fast the server is (a whole file could be stored between two polls). Answers the open connection.
 */
async function sendTwoThirds(app: StartedApp, file: string): Promise<Deno.TcpConn> {
  const bytes = await Deno.readFile(file);
  return await startPartialUpload(app.base, bytes.subarray(0, Math.floor(bytes.length * 2 / 3)), bytes.length);
}

/**
 * Uploads two thirds of `file` and, once `storedAtLeast` of its tickets are stored (and its record has counted
 * rows), kills the app with SIGKILL. Answers what the upload's record said last.
 */
async function killMidUpload(app: StartedApp, file: string, storedAtLeast: number) {
  const connection = await sendTwoThirds(app, file);
  // deno-lint-ignore no-explicit-any
  let last: any = null;
  try {
    await eventually("an upload half stored", async () => {
      const receiving = (await json(`${app.base}/api/uploads`)).rows.find((u: { status: string }) =>
        u.status === "receiving"
      );
      if (!receiving) return false;
      last = await json(`${app.base}/api/uploads/${receiving.upload_id}`);
      return last.scored >= storedAtLeast && last.received > 0;
    });
    await app.dispose(); // SIGKILL, the app and its `deno task` parent
  } finally {
    connection.close();
  }
  return last as { upload_id: string; scored: number; received: number; updated_at: string };
}

Deno.test("kill -9 mid-upload (DuckDB): after a restart no mart changed, the record says failed, the file goes again", async () => {
  const dataDir = await Deno.makeTempDir({ prefix: "triage-kill-" });
  const big = await writeTicketsFile(60_000, { prefix: "K" });
  try {
    const first = await startTask({ BATCH_SIZE: "1000" }, { dataDir });
    await first.ready();
    const sample = await upload(first.base, await Deno.readFile(EXCEL_SAMPLE));
    await waitForUpload(first.base, sample.json.upload_id);
    const before = await counted(first.base);
    deepStrictEqual(before, { marts: 8469, api: 8469 });
    const cut = await killMidUpload(first, big, 10_000);

    const restarted = performance.now();
    const second = await startTask({}, { dataDir });
    try {
      const ready = await secondsToReady(second, restarted);
      const record = await json(`${second.base}/api/uploads/${cut.upload_id}`);
      equal(record.status, "failed");
      match(record.failure, /the server stopped while this upload was being received; none of its tickets count/);
      ok(record.received > 0, "the record says how far it got");
      const after = await counted(second.base);
      deepStrictEqual(after, before, "no mart and no API answer changed");
      console.log(
        `fault: kill -9 (DuckDB) with ${cut.scored} of 60000 tickets stored, record at ${record.received} rows: ` +
          `tickets in marts ${before.marts} before, ${after.marts} after; ready ${ready.toFixed(1)} s after restart`,
      );

      const again = await postCsvFile(`${second.base}/api/uploads`, big);
      equal(again.status, 201);
      equal(again.json.tickets, 60_000);
      await waitForUpload(second.base, again.json.upload_id);
      deepStrictEqual(await counted(second.base), { marts: 68_469, api: 68_469 });
    } finally {
      await second.dispose();
    }
  } finally {
    await Deno.remove(dataDir, { recursive: true });
    await Deno.remove(big);
  }
});

Deno.test(
  await needing(["chdb"], {
    name: "kill -9 mid-upload (ClickHouse): no mart changed, the stale upload is failed at the next start",
    fn: async () => {
      const chdb = await startClickHouseServer();
      const dataDir = await Deno.makeTempDir({ prefix: "triage-kill-ch-" });
      const big = await writeTicketsFile(60_000, { prefix: "C" });
      const env = { CLICKHOUSE_URL: chdb.url, BATCH_SIZE: "1000" };
      try {
        const migrator = await openClickHouseStore({ url: chdb.url });
        await migrator.migrate({ kafkaBrokers: [] });
        await migrator.close();
        const first = await startTask(env, { dataDir });
        await first.ready();
        const sample = await upload(first.base, await Deno.readFile(EXCEL_SAMPLE));
        await waitForUpload(first.base, sample.json.upload_id);
        const before = await counted(first.base);
        deepStrictEqual(before, { marts: 8469, api: 8469 });
        const cut = await killMidUpload(first, big, 5_000);

        // Another process of the deployment may still be receiving: an upload is stale only once its record went
        // unsaved for 20 s (4 heartbeats). Restart after that, as a crashed container comes back.
        const stale = Date.parse(cut.updated_at) + 21_000 - Date.now();
        if (stale > 0) await new Promise((resolve) => setTimeout(resolve, stale));
        const restarted = performance.now();
        const second = await startTask(env, { dataDir });
        try {
          const ready = await secondsToReady(second, restarted);
          const record = await json(`${second.base}/api/uploads/${cut.upload_id}`);
          equal(record.status, "failed");
          ok(record.received > 0, "the record says how far it got");
          const stored = (await chdb.sql(
            `SELECT count() AS n FROM ${DATABASE}.tickets WHERE upload_id = '${cut.upload_id}'`,
          ))[0].n;
          const after = await counted(second.base);
          deepStrictEqual(after, before, "no mart and no API answer changed");
          console.log(
            `fault: kill -9 (ClickHouse) with ${stored} of 60000 tickets stored: tickets in marts ${before.marts} ` +
              `before, ${after.marts} after; ready ${ready.toFixed(1)} s after restart`,
          );
          const again = await postCsvFile(`${second.base}/api/uploads`, big);
          equal(again.status, 201);
          await waitForUpload(second.base, again.json.upload_id);
          deepStrictEqual(await counted(second.base), { marts: 68_469, api: 68_469 });
        } finally {
          await second.dispose();
        }
      } finally {
        await chdb.close();
        await Deno.remove(dataDir, { recursive: true });
        await Deno.remove(big);
      }
    },
  }),
);

Deno.test(
  await needing(["mounts"], {
    name: "the disk fills while an upload is stored: 507 with a clear reason, the store consistent, then it fits",
    fn: async () => {
      const dataDir = await Deno.makeTempDir({ prefix: "triage-full-" });
      const big = await writeTicketsFile(100_000, { prefix: "F" });
      const mount = (...args: string[]) => new Deno.Command("mount", { args }).output();
      ok((await mount("-t", "tmpfs", "-o", "size=24m", "tmpfs", dataDir)).success, "a 24 MiB tmpfs");
      try {
        const first = await startTask({ BATCH_SIZE: "2000" }, { dataDir });
        let before;
        try {
          await first.ready();
          const sample = await upload(first.base, await Deno.readFile(EXCEL_SAMPLE));
          await waitForUpload(first.base, sample.json.upload_id);
          before = await counted(first.base);
          const full = await postCsvFile(`${first.base}/api/uploads`, big);
          equal(full.status, 507, JSON.stringify(full.json));
          match(full.json.error, /The server's disk is full, so the upload could not be stored/);
          const health = await fetch(`${first.base}/healthz`);
          console.log(
            `fault: disk full: upload answered ${full.status}; /healthz ${health.status} ${await health.text()}`,
          );
        } finally {
          await first.dispose();
        }
        // Room again: the store opens, counts what it did, and takes the file.
        ok((await mount("-o", "remount,size=512m", dataDir)).success);
        const restarted = performance.now();
        const second = await startTask({}, { dataDir });
        try {
          const ready = await secondsToReady(second, restarted);
          const after = await counted(second.base);
          deepStrictEqual(after, before, "the store is as it was before the upload that did not fit");
          const failed = (await json(`${second.base}/api/uploads`)).rows.filter((u: { status: string }) =>
            u.status === "failed"
          );
          equal(failed.length, 1, "the upload that did not fit is recorded as failed");
          console.log(
            `fault: disk full: tickets in marts ${before!.marts} before, ${after.marts} after; ` +
              `ready ${ready.toFixed(1)} s after restart with room; failed record: ${failed[0].failure}`,
          );
          const again = await postCsvFile(`${second.base}/api/uploads`, big);
          equal(again.status, 201);
          await waitForUpload(second.base, again.json.upload_id);
          deepStrictEqual(await counted(second.base), { marts: 108_469, api: 108_469 });
        } finally {
          await second.dispose();
        }
      } finally {
        await new Deno.Command("umount", { args: ["--lazy", dataDir] }).output(); // the killed app may not be reaped yet
        await Deno.remove(dataDir, { recursive: true });
        await Deno.remove(big);
      }
    },
  }),
);

Deno.test("a client that stalls mid-upload holds up nobody, and is ended after UPLOAD_IDLE_SECONDS", async () => {
  const app = await startApp({ UPLOAD_IDLE_SECONDS: "2" });
  try {
    const csv = await Deno.readTextFile(EXCEL_SAMPLE);
    const head = csv.slice(0, csv.indexOf("\n", 20_000) + 1);
    const slow = await startPartialUpload(app.base, head, utf8Bytes(csv) * 2);
    const started = performance.now();
    const other = await upload(app.base, csv);
    equal(other.status, 201, "another upload goes through while the first is stalled");
    await waitForUpload(app.base, other.json.upload_id);
    equal((await counted(app.base)).marts, 8469);
    const otherSeconds = (performance.now() - started) / 1000;

    const answer = new Uint8Array(4096);
    const n = await slow.read(answer);
    slow.close();
    const text = new TextDecoder().decode(answer.subarray(0, n ?? 0));
    match(text, /^HTTP\/1\.1 408/);
    match(text, /The upload stalled: nothing arrived for 2 s/);
    const [stalled] = (await json(`${app.base}/api/uploads`)).rows.filter((u: { status: string }) =>
      u.status === "failed"
    );
    match(stalled.failure, /stalled/);
    console.log(
      `fault: stalled client: another 8469-ticket upload stored and counted in ${otherSeconds.toFixed(1)} s ` +
        `meanwhile; the stalled one ended with 408 after ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  } finally {
    await app.close();
  }
});

Deno.test("two multipart uploads that stall in the file part end with 408 and free their slots", async () => {
  const app = await startApp({ UPLOAD_IDLE_SECONDS: "2", MAX_CONCURRENT_UPLOADS: "2" });
  try {
    const csv = await Deno.readTextFile(EXCEL_SAMPLE);
    const head = csv.slice(0, csv.indexOf("\n", 20_000) + 30); // stops mid-row
    const stalled = await Promise.all([startStalledMultipart(app.base, head), startStalledMultipart(app.base, head)]);
    const started = performance.now();
    for (const connection of stalled) {
      // A server that never answers fails the test instead of hanging it: the connection is closed after 60 s.
      const deadline = setTimeout(() => connection.close(), 60_000);
      const answer = new Uint8Array(4096);
      const n = await connection.read(answer).catch(() => null);
      clearTimeout(deadline);
      try {
        connection.close();
      } catch { /* closed at the deadline */ }
      const text = new TextDecoder().decode(answer.subarray(0, n ?? 0));
      match(text, /^HTTP\/1\.1 408/);
      match(text, /The upload stalled: nothing arrived for 2 s/);
    }
    const ended = (performance.now() - started) / 1000;
    const rows = (await json(`${app.base}/api/uploads`)).rows as { status: string; failure: string }[];
    equal(rows.filter((u) => u.status === "failed" && /stalled/.test(u.failure)).length, 2, JSON.stringify(rows));
    const next = await upload(app.base, csv);
    equal(next.status, 201, "the next upload finds a free slot");
    await waitForUpload(app.base, next.json.upload_id);
    console.log(`fault: two stalled multipart uploads ended with 408 ${ended.toFixed(1)} s after they stalled`);
  } finally {
    await app.close();
  }
});

Deno.test("twenty uploads at once of overlapping files: every wait finishes, the marts count distinct tickets", async () => {
  const app = await startApp({ MAX_CONCURRENT_UPLOADS: "20", BATCH_SIZE: "200" });
  // File k holds tickets 500k .. 500k+999: each overlaps the next by half; 10,500 distinct in all.
  const files = await Promise.all(Array.from({ length: 20 }, (_, k) => writeTicketsFile(1000, { first: 500 * k })));
  try {
    const answers = await Promise.all(files.map((file) => postCsvFile(`${app.base}/api/uploads`, file)));
    deepStrictEqual(answers.map((a) => a.status), Array(20).fill(201));
    deepStrictEqual(answers.map((a) => a.json.tickets), Array(20).fill(1000));
    await Promise.all(answers.map((a) => waitForUpload(app.base, a.json.upload_id)));
    deepStrictEqual(await counted(app.base), { marts: 10_500, api: 10_500 });
    console.log("fault: 20 concurrent overlapping uploads of 1000 tickets: 10500 distinct counted (10500 expected)");
  } finally {
    await app.close();
    for (const file of files) await Deno.remove(file);
  }
});

Deno.test("an upload refused mid-stream (413 too large, 415 not UTF-8) changes no mart and says how far it got", async () => {
  const app = await startApp({ MAX_UPLOAD_BYTES: "300000", BATCH_SIZE: "100" });
  try {
    const csv = await Deno.readFile(EXCEL_SAMPLE);
    // Streamed without a length, so the limit is only found on the way, after batches went on (the date order is
    // given, so rows go on from the first).
    const tooLarge = await fetch(`${app.base}/api/uploads?date_order=DMY`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: ReadableStream.from([csv.subarray(0, 200_000), csv.subarray(200_000, 400_000)]),
    });
    equal(tooLarge.status, 413);
    const refused = await tooLarge.json();
    match(
      refused.error,
      /larger than the limit of 300000 bytes \(after \d+ tickets had been sent on; none of them count\)/,
    );
    // Bytes that are not UTF-8 after 600 good rows (not the sniffed start of the file).
    const lines = (await Deno.readTextFile(ISO_SAMPLE)).split("\n");
    const good = new TextEncoder().encode(lines.slice(0, 601).join("\n") + "\n");
    const notText = new Uint8Array([...good, 0xff, 0xfe, 0xfd, 10]);
    const binary = await fetch(`${app.base}/api/uploads?date_order=DMY`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: ReadableStream.from([notText]),
    });
    equal(binary.status, 415);
    match((await binary.json()).error, /not UTF-8 text .*after \d+ tickets had been sent on/);
    deepStrictEqual(await counted(app.base), { marts: 0, api: 0 });
    const records = (await json(`${app.base}/api/uploads`)).rows;
    deepStrictEqual(records.map((r: { status: string }) => r.status), ["failed", "failed"]);
    ok(records.every((r: { received: number }) => r.received > 0), "each record says how far it got");
    console.log(`fault: refused mid-stream: ${refused.error}; tickets in marts 0 before and after`);
  } finally {
    await app.close();
  }
});
