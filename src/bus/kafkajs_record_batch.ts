/**
 * A faster record-batch writer for kafkajs 2.2.4's produce requests. kafkajs encodes each record into an encoder of
 * its own (a zero-filled buffer, grown and copied as it fills), each header into another, sizes every timestamp delta
 * through 64-bit `Long` arithmetic, copies all of them into the batch, computes the batch's CRC-32C one byte at a
 * time, and copies the batch twice more. Producing was the largest cost of the Kafka path, more than twice the cost
 * of consuming. This writes a batch's records straight into one buffer of the right size and computes CRC-32C eight
 * bytes at a time, which cut producing by about a third (`bench/HISTORY.md`, "Figures behind the code").
 *
 * kafkajs's produce request takes its record writers when it is first loaded, at the first produce, so the
 * replacement is installed before that: {@linkcode installFastRecordBatch} puts it in kafkajs's module cache, and
 * only after it wrote exactly kafkajs's bytes for a set of sample batches. Compressed batches, and records made
 * some other way, still go to kafkajs's own writers. Importing this module changes nothing: `bus/open.ts` installs
 * it when a Kafka bus starts.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);

/** The modules involved, as kafkajs requires them (one module cache for kafkajs and this file). */
const PATHS = {
  record: require.resolve("kafkajs/src/protocol/recordBatch/record/v0/index.js"),
  batch: require.resolve("kafkajs/src/protocol/recordBatch/v0/index.js"),
  produceRequest: require.resolve("kafkajs/src/protocol/requests/produce/v3/request.js"),
  encoder: require.resolve("kafkajs/src/protocol/encoder.js"),
  long: require.resolve("kafkajs/src/utils/long.js"),
};

/** A record's fields as kafkajs's produce request hands them to its record writer. */
export interface RecordFields {
  key?: unknown;
  value?: unknown;
  headers?: Record<string, unknown>;
  offsetDelta?: number;
  timestampDelta?: number;
}

/** What kafkajs's batch writer is given (see `recordBatch/v0/index.js`). */
export interface BatchFields {
  compression?: number;
  firstOffset?: unknown;
  firstTimestamp?: unknown;
  maxTimestamp?: unknown;
  partitionLeaderEpoch?: number;
  lastOffsetDelta?: number;
  transactional?: boolean;
  producerId?: unknown;
  producerEpoch?: number;
  firstSequence?: number;
  records?: unknown[];
}

/** The parts of a kafkajs Encoder the produce request reads from a batch. */
interface EncoderLike {
  buf: Buffer;
  offset: number;
  readonly buffer: Buffer;
}
type RecordWriter = (fields: RecordFields) => unknown;
type BatchWriter = (fields: BatchFields) => Promise<EncoderLike>;
interface LongValue {
  getHighBits(): number;
  getLowBits(): number;
}

/** kafkajs's Encoder and Long, from its own module cache (kafkajs loads both when it is imported). */
const Encoder = require(PATHS.encoder) as new () => EncoderLike;
const Long = require(PATHS.long) as { fromValue(value: unknown): LongValue; fromInt(value: number): LongValue };

let originals: { record: RecordWriter; batch: BatchWriter } | null = null;

/** kafkajs's own record and batch writers, as they were before {@linkcode installFastRecordBatch}. */
export function kafkajsWriters(): { record: RecordWriter; batch: BatchWriter } {
  originals ??= {
    record: require(PATHS.record) as RecordWriter,
    batch: (require(PATHS.batch) as { RecordBatch: BatchWriter }).RecordBatch,
  };
  return originals;
}

/** A record kept as its fields until the batch writes it (kafkajs makes an encoder per record at once). */
class PendingRecord {
  constructor(readonly fields: RecordFields) {}
}

/** Stands in for kafkajs's record writer: keeps the fields for {@linkcode writeRecordBatchWith}. */
export function keepRecord(fields: RecordFields): PendingRecord {
  return new PendingRecord(fields);
}

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), eight bytes at a time (slicing-by-8).
const CRC_TABLES = (() => {
  const tables = Array.from({ length: 8 }, () => new Int32Array(256));
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    tables[0][i] = c;
  }
  for (let i = 0; i < 256; i++) {
    for (let t = 1; t < 8; t++) tables[t][i] = (tables[t - 1][i] >>> 8) ^ tables[0][tables[t - 1][i] & 0xff];
  }
  return tables;
})();

/** The CRC-32C of `bytes[from, to)`, as an unsigned 32-bit number. */
export function crc32c(bytes: Uint8Array, from = 0, to = bytes.length): number {
  const [t0, t1, t2, t3, t4, t5, t6, t7] = CRC_TABLES;
  let crc = -1;
  let at = from;
  for (; at + 8 <= to; at += 8) {
    crc ^= bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16) | (bytes[at + 3] << 24);
    crc = t7[crc & 0xff] ^ t6[(crc >>> 8) & 0xff] ^ t5[(crc >>> 16) & 0xff] ^ t4[crc >>> 24] ^
      t3[bytes[at + 4]] ^ t2[bytes[at + 5]] ^ t1[bytes[at + 6]] ^ t0[bytes[at + 7]];
  }
  for (; at < to; at++) crc = t0[(crc ^ bytes[at]) & 0xff] ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** Zig-zag encoding as an unsigned 64-bit value (kafkajs's varlong); a BigInt so every safe integer is exact. */
const zigZag64 = (value: number): bigint => {
  const v = BigInt.asIntN(64, BigInt(value));
  return BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
};
const zigZag32 = (value: number): number => ((value << 1) ^ (value >> 31)) >>> 0;

function sizeOfUVarInt(value: number): number {
  let bytes = 1;
  while ((value & 0xffffff80) !== 0) bytes++, value >>>= 7;
  return bytes;
}

function sizeOfVarLong(value: number): number {
  if (Number.isInteger(value) && value >= -(2 ** 30) && value < 2 ** 30) return sizeOfUVarInt(zigZag32(value));
  let v = zigZag64(value), bytes = 1;
  while (v >= 0x80n) bytes++, v >>= 7n;
  return bytes;
}

/** Bytes as kafkajs writes them: a Buffer as it is, anything else as its UTF-8 text; null is no bytes at all. */
const bytesOf = (value: unknown): Buffer | string | null =>
  value == null ? null : Buffer.isBuffer(value) ? value : String(value);
const lengthOf = (bytes: Buffer | string): number =>
  typeof bytes === "string" ? Buffer.byteLength(bytes, "utf8") : bytes.length;
/** kafkajs's `sizeOfVarInt(length) + length`, or of -1 for no bytes. */
const sizeOfVarIntBytes = (length: number | null): number =>
  length === null ? 1 : sizeOfUVarInt(zigZag32(length)) + length;

/** One record, measured: its parts and the size of its body (everything after the length varint). */
interface MeasuredRecord {
  offsetDelta: number;
  timestampDelta: number;
  key: Buffer | string | null;
  keyLength: number | null;
  value: Buffer | string | null;
  valueLength: number | null;
  headers: { key: string; keyLength: number; value: Buffer | string; valueLength: number }[];
  bodySize: number;
}

function measure({ offsetDelta = 0, timestampDelta = 0, key, value, headers = {} }: RecordFields): MeasuredRecord {
  const keyBytes = bytesOf(key), valueBytes = bytesOf(value);
  const keyLength = keyBytes === null ? null : lengthOf(keyBytes);
  const valueLength = valueBytes === null ? null : lengthOf(valueBytes);
  const measuredHeaders: MeasuredRecord["headers"] = [];
  for (const headerKey of Object.keys(headers)) {
    const values = headers[headerKey];
    for (const headerValue of Array.isArray(values) ? values : [values]) {
      const bytes = bytesOf(headerValue);
      // kafkajs measures a header's value with Buffer.byteLength, which throws for no value: so must this.
      if (bytes === null) throw new TypeError(`kafka header ${headerKey} has no value`);
      measuredHeaders.push({
        key: headerKey,
        keyLength: Buffer.byteLength(headerKey, "utf8"),
        value: bytes,
        valueLength: lengthOf(bytes),
      });
    }
  }
  let bodySize = 1 + sizeOfVarLong(timestampDelta) + sizeOfUVarInt(zigZag32(offsetDelta)) +
    sizeOfVarIntBytes(keyLength) + sizeOfVarIntBytes(valueLength) + sizeOfUVarInt(zigZag32(measuredHeaders.length));
  for (const h of measuredHeaders) bodySize += sizeOfVarIntBytes(h.keyLength) + sizeOfVarIntBytes(h.valueLength);
  return {
    offsetDelta,
    timestampDelta,
    key: keyBytes,
    keyLength,
    value: valueBytes,
    valueLength,
    headers: measuredHeaders,
    bodySize,
  };
}

/** Writes into one buffer, front to back. */
class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  uvarint(value: number): void {
    while ((value & 0xffffff80) !== 0) {
      this.buf[this.offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.offset++] = value & 0x7f;
  }

  varlong(value: number): void {
    if (Number.isInteger(value) && value >= -(2 ** 30) && value < 2 ** 30) return this.uvarint(zigZag32(value));
    let v = zigZag64(value);
    while (v >= 0x80n) {
      this.buf[this.offset++] = Number(v & 0x7fn) | 0x80;
      v >>= 7n;
    }
    this.buf[this.offset++] = Number(v);
  }

  bytes(value: Buffer | string | null, length: number | null): void {
    if (value === null || length === null) return this.uvarint(zigZag32(-1));
    this.uvarint(zigZag32(length));
    if (typeof value === "string") this.buf.write(value, this.offset, length, "utf8");
    else value.copy(this.buf, this.offset);
    this.offset += length;
  }

  int64(value: LongValue): void {
    this.buf.writeInt32BE(value.getHighBits(), this.offset);
    this.buf.writeInt32BE(value.getLowBits(), this.offset + 4);
    this.offset += 8;
  }
}

/** Bytes of a batch before its records: first offset, length, leader epoch, magic, CRC, then the CRC'd header. */
const BATCH_HEADER_BYTES = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4 + 4;

/**
 * Stands in for kafkajs's batch writer: the same bytes, from records kept by {@linkcode keepRecord}, written once
 * into a buffer of their size. Compressed batches and records made by kafkajs's own writer go to `original`.
 */
export function writeRecordBatchWith(original: BatchWriter, originalRecord: RecordWriter): BatchWriter {
  return (fields: BatchFields) => {
    const records = fields.records ?? [];
    if ((fields.compression ?? 0) !== 0 || !records.every((r) => r instanceof PendingRecord)) {
      const made = records.map((r) => r instanceof PendingRecord ? originalRecord(r.fields) : r);
      return original({ ...fields, records: made });
    }
    const measured = (records as PendingRecord[]).map((r) => measure(r.fields));
    let size = BATCH_HEADER_BYTES;
    for (const r of measured) size += sizeOfUVarInt(zigZag32(r.bodySize)) + r.bodySize;
    const out = new Writer(Buffer.allocUnsafe(size));
    const now = Date.now();
    out.int64(Long.fromValue(fields.firstOffset ?? Long.fromInt(0)));
    out.buf.writeInt32BE(size - 12, 8); // the batch's length, after the first offset and itself
    out.buf.writeInt32BE(fields.partitionLeaderEpoch ?? 0, 12);
    out.buf.writeInt8(2, 16); // magic: record batch format v2
    out.offset = 21; // the CRC (17 to 20) is written last, over what follows it
    out.buf.writeInt16BE(fields.transactional ? 16 : 0, out.offset); // attributes: no compression
    out.buf.writeInt32BE(fields.lastOffsetDelta ?? 0, out.offset + 2);
    out.offset += 6;
    out.int64(Long.fromValue(fields.firstTimestamp ?? now));
    out.int64(Long.fromValue(fields.maxTimestamp ?? now));
    out.int64(Long.fromValue(fields.producerId ?? -1));
    out.buf.writeInt16BE(fields.producerEpoch ?? 0, out.offset);
    out.buf.writeInt32BE(fields.firstSequence ?? 0, out.offset + 2);
    out.buf.writeInt32BE(records.length, out.offset + 6);
    out.offset += 10;
    for (const r of measured) {
      out.uvarint(zigZag32(r.bodySize));
      out.buf[out.offset++] = 0; // record attributes: none
      out.varlong(r.timestampDelta);
      out.uvarint(zigZag32(r.offsetDelta));
      out.bytes(r.key, r.keyLength);
      out.bytes(r.value, r.valueLength);
      out.uvarint(zigZag32(r.headers.length));
      for (const h of r.headers) out.bytes(h.key, h.keyLength), out.bytes(h.value, h.valueLength);
    }
    out.buf.writeUInt32BE(crc32c(out.buf, 21, size), 17);
    const encoder = new Encoder();
    encoder.buf = out.buf;
    encoder.offset = size;
    return Promise.resolve(encoder);
  };
}

/** Sample batches the replacement must write byte for byte as kafkajs does before it is installed. */
export const SAMPLE_BATCHES: BatchFields[] = [
  {
    firstTimestamp: 1_764_460_800_000,
    maxTimestamp: 1_764_460_800_000,
    producerId: 4_000,
    producerEpoch: 1,
    firstSequence: 7,
    lastOffsetDelta: 2,
    records: [
      { key: "ticket-1", value: JSON.stringify({ schema_version: 1, value: { subject: "écran noir ✓" } }) },
      { key: "ticket-2", value: null, headers: { error: "bad", extra: ["a", "b"] }, offsetDelta: 1 },
      { key: null, value: Buffer.from([0, 1, 2, 255]), offsetDelta: 2, timestampDelta: 70_000 },
    ],
  },
  {
    firstTimestamp: 1_764_460_800_000,
    maxTimestamp: 1_764_460_900_000,
    records: [{ key: "k", value: "v".repeat(300), offsetDelta: 0, timestampDelta: 2 ** 35 }],
    transactional: true,
  },
  { firstTimestamp: 0, maxTimestamp: 0, records: [] },
];

/** Bytes of a batch written by `writeBatch` from records made by `writeRecord`. */
export async function batchBytes(
  writeBatch: BatchWriter,
  writeRecord: RecordWriter,
  fields: BatchFields,
): Promise<number[]> {
  const records = (fields.records as RecordFields[] | undefined ?? []).map((r) => writeRecord(r));
  return [...(await writeBatch({ ...fields, records })).buffer];
}

/**
 * Installs the record-batch writer in kafkajs's module cache. Answers what happened: "installed", "already" (it was
 * installed before), or why kafkajs was left as it is.
 */
export async function installFastRecordBatch(): Promise<string> {
  const original = kafkajsWriters();
  if (require.cache[PATHS.record]?.exports === keepRecord) return "already";
  if (require.cache[PATHS.produceRequest]) return "kafkajs's produce request was loaded before it could be changed";
  const fast = writeRecordBatchWith(original.batch, original.record);
  for (const sample of SAMPLE_BATCHES) {
    const theirs = await batchBytes(original.batch, original.record, sample);
    const ours = await batchBytes(fast, keepRecord, sample);
    if (JSON.stringify(theirs) !== JSON.stringify(ours)) return "kafkajs's record batches changed";
  }
  require.cache[PATHS.record]!.exports = keepRecord;
  (require(PATHS.batch) as { RecordBatch: BatchWriter }).RecordBatch = fast;
  return "installed";
}
