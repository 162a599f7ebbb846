import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Buffer } from "node:buffer";
import fc from "fast-check";
import kafkajsCrc32C from "kafkajs/src/protocol/recordBatch/crc32C/index.js";
import {
  batchBytes,
  type BatchFields,
  crc32c,
  kafkajsWriters,
  keepRecord,
  type RecordFields,
  writeRecordBatchWith,
} from "./kafkajs_record_batch.ts";

Deno.test("CRC-32C eight bytes at a time agrees with kafkajs's, byte at a time", () => {
  const theirs = kafkajsCrc32C as unknown as (bytes: Uint8Array) => number;
  strictEqual(crc32c(new TextEncoder().encode("123456789")), 0xe3069283); // the standard check value
  fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
    strictEqual(crc32c(bytes), theirs(Buffer.from(bytes)));
  }));
});

const text = fc.string({ unit: "binary", maxLength: 40 });
const bytesOrText = fc.oneof(text, fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)));
const record: fc.Arbitrary<RecordFields> = fc.record({
  key: fc.option(bytesOrText),
  value: fc.option(bytesOrText),
  headers: fc.dictionary(fc.string({ maxLength: 8 }), fc.oneof(bytesOrText, fc.array(text, { maxLength: 3 }))),
  offsetDelta: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  timestampDelta: fc.oneof(fc.integer({ min: 0, max: 100_000 }), fc.maxSafeInteger()),
});
const batch: fc.Arbitrary<BatchFields> = fc.record({
  firstTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
  maxTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
  producerId: fc.integer({ min: -1, max: 2 ** 40 }),
  producerEpoch: fc.integer({ min: 0, max: 32_767 }),
  firstSequence: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  lastOffsetDelta: fc.integer({ min: 0, max: 1_000 }),
  partitionLeaderEpoch: fc.integer({ min: -1, max: 1_000 }),
  transactional: fc.boolean(),
  records: fc.array(record, { maxLength: 12 }),
});

Deno.test("a batch written in one buffer has kafkajs's bytes, header, records, CRC and all", async () => {
  const { batch: theirs, record: theirRecord } = kafkajsWriters();
  const ours = writeRecordBatchWith(theirs, theirRecord);
  await fc.assert(fc.asyncProperty(batch, async (fields) => {
    deepStrictEqual(await batchBytes(ours, keepRecord, fields), await batchBytes(theirs, theirRecord, fields));
  }));
});

Deno.test("compressed batches and records kafkajs made go to kafkajs's writer", async () => {
  const { batch: theirs, record: theirRecord } = kafkajsWriters();
  const ours = writeRecordBatchWith(theirs, theirRecord);
  const fields = { firstTimestamp: 5, maxTimestamp: 5, records: [{ key: "k", value: "x".repeat(500) }] };
  const gzip = { ...fields, compression: 1 };
  deepStrictEqual(await batchBytes(ours, keepRecord, gzip), await batchBytes(theirs, theirRecord, gzip));
  deepStrictEqual(await batchBytes(ours, theirRecord, fields), await batchBytes(theirs, theirRecord, fields));
});

Deno.test("installing takes effect once, before kafkajs loads its produce request", async () => {
  const script = `
    import { installFastRecordBatch } from ${JSON.stringify(new URL("./kafkajs_record_batch.ts", import.meta.url))};
    console.log(await installFastRecordBatch(), await installFastRecordBatch());`;
  const lateScript = `
    import { createRequire } from "node:module";
    import { installFastRecordBatch } from ${JSON.stringify(new URL("./kafkajs_record_batch.ts", import.meta.url))};
    createRequire(import.meta.url)("kafkajs/src/protocol/requests/produce/v3/request.js");
    console.log(await installFastRecordBatch());`;
  const run = async (code: string) => {
    const { stdout, success } = await new Deno.Command(Deno.execPath(), {
      args: ["eval", code],
      cwd: new URL("../../", import.meta.url),
      stderr: "inherit",
    }).output();
    strictEqual(success, true);
    return new TextDecoder().decode(stdout).trim();
  };
  strictEqual(await run(script), "installed already");
  strictEqual(await run(lateScript), "kafkajs's produce request was loaded before it could be changed");
});
