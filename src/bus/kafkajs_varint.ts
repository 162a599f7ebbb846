/**
 * Faster varint writers for kafkajs 2.2.4's protocol encoder. kafkajs writes each varint of a record (several
 * per message) by building an array and copying it through a new `Buffer`, and 64-bit ones through `Long`
 * objects; under Deno's `Buffer` those allocations were the largest single CPU cost of the Kafka path. Writing the
 * bytes in place removes them (the figures are in `bench/HISTORY.md`, "Figures behind the code").
 *
 * kafkajs is no longer released, so its internals hold still; even so, each replacement is installed only after
 * it wrote exactly the bytes of the original for a set of sample values, and otherwise kafkajs is left as it is.
 * Importing this module changes nothing: `bus/open.ts` calls {@linkcode installFastVarints} when a Kafka bus starts.
 *
 * @module
 */
import Encoder from "kafkajs/src/protocol/encoder.js";

/** The parts of kafkajs's Encoder the writers use. */
export interface EncoderInstance {
  buf: Uint8Array;
  offset: number;
  ensureAvailable(length: number): void;
  writeUVarInt(value: number): EncoderInstance;
  writeVarLong(value: unknown): EncoderInstance;
  readonly buffer: Uint8Array;
}
type Writer = (this: EncoderInstance, value: number) => EncoderInstance;
const EncoderClass = Encoder as unknown as { new (): EncoderInstance; prototype: EncoderInstance };

/** Writes an unsigned LEB128 varint (at most 5 bytes for 32 bits) straight into the encoder's buffer. */
function writeUVarIntInPlace(this: EncoderInstance, value: number): EncoderInstance {
  this.ensureAvailable(5);
  while ((value & 0xffffff80) !== 0) {
    this.buf[this.offset++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  this.buf[this.offset++] = value & 0x7f;
  return this;
}

/** The kafkajs originals, kept for the comparison (and for values the fast paths leave to them). */
export const ORIGINAL = {
  writeUVarInt: EncoderClass.prototype.writeUVarInt as Writer,
  writeVarLong: EncoderClass.prototype.writeVarLong as Writer,
};

/**
 * A zig-zag varint of a 64-bit value. Record timestamp deltas are small numbers: within ±2^30 the zig-zag value
 * fits 31 bits, and its varint is the same whether computed on 32 or 64 bits. Anything else goes to kafkajs.
 */
function writeVarLongInPlace(this: EncoderInstance, value: number): EncoderInstance {
  if (typeof value !== "number" || !Number.isInteger(value) || value < -(2 ** 30) || value >= 2 ** 30) {
    return ORIGINAL.writeVarLong.call(this, value);
  }
  return writeUVarIntInPlace.call(this, (value << 1) ^ (value >> 31));
}

/** The replacements and the values each is checked on before it is installed. */
export const REPLACEMENTS = {
  writeUVarInt: {
    writer: writeUVarIntInPlace,
    samples: [0, 1, 127, 128, 300, 16_383, 16_384, 2_097_152, 268_435_456, 2_147_483_647, -1, -2_147_483_648],
  },
  writeVarLong: {
    writer: writeVarLongInPlace,
    samples: [0, 1, -1, 63, 64, -64, -65, 1_000, 86_400_000, 2 ** 30 - 1, -(2 ** 30), 2 ** 30, 2 ** 40, -(2 ** 40)],
  },
} as const;

/** The bytes `write` produces for each of `values`, each written by a fresh encoder. */
export function encodeEach(write: Writer, values: readonly number[]): number[][] {
  return values.map((value) => {
    const encoder = new EncoderClass();
    write.call(encoder, value);
    return [...encoder.buffer];
  });
}

/** Installs each in-place writer that matches kafkajs's byte for byte; answers the names installed. */
export function installFastVarints(): string[] {
  const installed: string[] = [];
  for (const [name, { writer, samples }] of Object.entries(REPLACEMENTS)) {
    const key = name as keyof typeof REPLACEMENTS;
    const current = EncoderClass.prototype[key] as unknown;
    const same = current === writer ||
      JSON.stringify(encodeEach(ORIGINAL[key], samples)) === JSON.stringify(encodeEach(writer, samples));
    if (!same) continue;
    (EncoderClass.prototype as unknown as Record<string, Writer>)[key] = writer;
    installed.push(name);
  }
  return installed;
}
