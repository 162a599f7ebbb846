import { deepStrictEqual as assertEquals, equal, ok as assert, throws } from "node:assert/strict";
import { ticket } from "../../tests/support/tickets.ts";
import { FeatureSpec, ticketText } from "./features.ts";
import { bucketCounts, collectTerms, TERM_BUCKETS, termSink, TextLayer, TextLayerError } from "./text_layer.ts";

const EMPTY = { customer_gender: [], ticket_type: [], ticket_channel: [], ticket_status: [], product_purchased: [] };

/** A layer file as models/train.py writes it: buckets ascending, their idf and weights, the bias. */
function layerBytes(rows: { bucket: number; idf: number; weights: number[] }[], bias: number[], idfUnseen = 9) {
  const classes = bias.length, n = rows.length;
  const view = new DataView(new ArrayBuffer(12 + 4 * classes + n * (8 + 4 * classes)));
  view.setUint32(0, n, true);
  view.setUint32(4, classes, true);
  view.setFloat32(8, idfUnseen, true);
  let at = 12;
  for (const b of bias) view.setFloat32((at += 4) - 4, b, true);
  for (const r of rows) view.setInt32((at += 4) - 4, r.bucket, true);
  for (const r of rows) view.setFloat32((at += 4) - 4, r.idf, true);
  for (const r of rows) for (const w of r.weights) view.setFloat32((at += 4) - 4, w, true);
  return new Uint8Array(view.buffer);
}

Deno.test("terms become bucket counts, each bucket once, in bucket order", () => {
  const sink = termSink();
  collectTerms("Disk full, disk full again", sink);
  equal(sink.count, 5 + 4, "five words and four pairs");
  const buckets = new Int32Array(16), counts = new Int32Array(16);
  const n = bucketCounts(sink, buckets, counts);
  assert(n >= 5 && n <= 6, `${n} buckets (six distinct terms, two may share a bucket)`);
  assert(buckets.subarray(0, n).every((b, i) => b >= 0 && b < TERM_BUCKETS && (i === 0 || b > buckets[i - 1])));
  assertEquals(counts.subarray(0, n).reduce((a, b) => a + b, 0), 9);
  assert(counts.subarray(0, n).includes(2), '"disk", "full" and "disk full" come twice');
});

Deno.test("scores: bias plus the weights of (1 + ln count) × idf terms scaled to unit length", () => {
  const layer = new TextLayer(layerBytes(
    [
      { bucket: 3, idf: 2, weights: [1, 0, 0, 0] },
      { bucket: 10, idf: 1, weights: [0, 0, 0, 4] },
    ],
    [0.5, 0, 0, -0.5],
    3,
  ));
  const out = new Float32Array(4);
  // Bucket 3 twice, bucket 10 once, bucket 7 (never seen in training: idf 3, no weight) once.
  layer.scoreCounts(Int32Array.of(3, 7, 10), Int32Array.of(2, 1, 1), 3, out, 0);
  const w3 = (1 + Math.log(2)) * 2, norm = Math.hypot(w3, 3, 1);
  const expected = [0.5 + w3 / norm, 0, 0, -0.5 + 4 / norm];
  expected.forEach((e, c) => assert(Math.abs(out[c] - e) < 1e-6, `class ${c}: ${out[c]} vs ${e}`));
  layer.scoreCounts(new Int32Array(0), new Int32Array(0), 0, out, 0);
  assertEquals([...out], [0.5, 0, 0, -0.5], "no text: the bias alone");
});

Deno.test("a ticket's features carry the scores of its own terms, as the training matrix writes them", () => {
  const rows = Array.from(
    { length: 2000 },
    (_, i) => ({ bucket: i * 97, idf: 1 + (i % 5), weights: [i % 3, -1, 0, 2] }),
  );
  const layer = new TextLayer(layerBytes(rows, [0, 0.1, 0.2, 0.3]));
  const spec = new FeatureSpec(EMPTY, layer);
  const tickets = [
    ticket({ ticket_subject: "Checkout down", ticket_description: "Every payment fails since noon, customers angry" }),
    ticket({ ticket_subject: null, ticket_description: null }),
  ];
  const features = spec.featurize(tickets);
  tickets.forEach((t, r) => {
    const sink = termSink();
    const text = ticketText(t);
    if (text !== null) collectTerms(text, sink);
    const expected = new Float32Array(4);
    layer.score(sink, expected, 0);
    assertEquals([...features.subarray((r + 1) * spec.width - 4, (r + 1) * spec.width)], [...expected]);
  });
});

Deno.test("a text layer file that is cut short or lies about its size is refused", () => {
  const bytes = layerBytes([{ bucket: 1, idf: 1, weights: [1, 2, 3, 4] }], [0, 0, 0, 0]);
  throws(() => new TextLayer(bytes.subarray(0, bytes.length - 4)), TextLayerError);
  throws(() => new TextLayer(bytes.subarray(0, 8)), TextLayerError);
  const wrongBucket = layerBytes([{ bucket: TERM_BUCKETS, idf: 1, weights: [1, 2, 3, 4] }], [0, 0, 0, 0]);
  throws(() => new TextLayer(wrongBucket), TextLayerError);
});
