/**
 * Messages a consumer may meet on a topic, for property tests: well-formed tickets, the same with one field
 * mutated into any value or removed, anything at all as the value, and values that did not decode.
 *
 * @module
 */
import fc from "fast-check";
import type { BusMessage } from "../../src/bus/bus.ts";

/** A field of `base` replaced by any value, or removed. */
function mutated(base: Record<string, unknown>): fc.Arbitrary<unknown> {
  const fields = Object.keys(base);
  return fc.record({
    field: fc.constantFrom(...fields, "unknown_field"),
    value: fc.oneof(
      fc.anything(),
      fc.string(),
      fc.double(),
      fc.integer(),
      fc.constant(null),
      fc.constant(undefined),
      fc.boolean(),
    ),
  }).map(({ field, value }) => {
    const copy: Record<string, unknown> = { ...base };
    if (value === undefined) delete copy[field];
    else copy[field] = value;
    return copy;
  });
}

/** One message: mostly a ticket like `base` (whole or mutated), sometimes anything, sometimes undecodable. */
export function messageLike(base: Record<string, unknown>): fc.Arbitrary<BusMessage<unknown>> {
  return fc.tuple(
    fc.oneof(
      { weight: 2, arbitrary: fc.constant(base) },
      { weight: 5, arbitrary: mutated(base) },
      { weight: 1, arbitrary: fc.anything() },
      { weight: 1, arbitrary: fc.jsonValue() },
    ),
    fc.option(fc.string({ minLength: 1 }), { freq: 8 }),
    fc.string({ maxLength: 12 }),
  ).map(([value, decodeError, key]) => ({ key, value, ...(decodeError === null ? {} : { decodeError }) }));
}

/** A batch of 1 to 20 such messages. */
export function batchLike(base: Record<string, unknown>): fc.Arbitrary<BusMessage<unknown>[]> {
  return fc.array(messageLike(base), { minLength: 1, maxLength: 20 });
}
