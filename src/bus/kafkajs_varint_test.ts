import { deepStrictEqual } from "node:assert/strict";
import fc from "fast-check";
import record from "kafkajs/src/protocol/recordBatch/record/v0/index.js";
import { encodeEach, installFastVarints, ORIGINAL, REPLACEMENTS } from "./kafkajs_varint.ts";

/** kafkajs's record encoder (v0 of the record batch format). */
const encodeKafkaRecord = record as unknown as (fields: Record<string, unknown>) => { buffer: Uint8Array };
const encodeRecord = (timestampDelta: number): number[] => [
  ...encodeKafkaRecord({
    offsetDelta: 300,
    timestampDelta,
    key: "ticket-1",
    value: "é".repeat(200),
    headers: { error: "x" },
  })
    .buffer,
];

Deno.test("the in-place varint writers write what kafkajs writes", () => {
  const deltas = [0, 5, 70_000, 2 ** 35];
  const before = deltas.map(encodeRecord);
  deepStrictEqual(installFastVarints(), ["writeUVarInt", "writeVarLong"]);
  const { writeUVarInt, writeVarLong } = REPLACEMENTS;
  fc.assert(fc.property(fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 }), { maxLength: 50 }), (values) => {
    deepStrictEqual(encodeEach(writeUVarInt.writer, values), encodeEach(ORIGINAL.writeUVarInt, values));
  }));
  fc.assert(fc.property(fc.array(fc.maxSafeInteger(), { maxLength: 50 }), (values) => {
    deepStrictEqual(encodeEach(writeVarLong.writer, values), encodeEach(ORIGINAL.writeVarLong, values));
  }));
  // kafkajs's own record encoder shares the patched Encoder class: it now takes the new writers, same bytes.
  deepStrictEqual(deltas.map(encodeRecord), before);
});
