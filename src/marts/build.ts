/**
 * Building the marts: staging models and mart tables, each after the models it reads, then the data tests, all in
 * one store session. A failing data test fails the build and the previous marts stay as they were.
 *
 * @module
 */
import type { Row, Store } from "../store/store.ts";
import { loadMartModels } from "./models.ts";

/** What a marts build did. */
export interface MartsReport {
  ok: boolean;
  /** Rows per mart, as built (even when a test then failed and they were thrown away). */
  marts: { name: string; rows: number }[];
  tests: { name: string; passed: boolean; failing_rows: number; sample: Row[] }[];
  /** Seconds the whole build took. */
  seconds: number;
  /** Why the build failed, when it did. */
  error: string | null;
}

/** Raised inside the session to roll it back when data tests fail. */
class DataTestsFailed extends Error {}

/** Builds the marts and runs the data tests. Never throws for a failing test: the report says so. */
export async function buildMarts(store: Store): Promise<MartsReport> {
  const started = performance.now();
  const models = await loadMartModels(store.sources);
  const report: MartsReport = { ok: false, marts: [], tests: [], seconds: 0, error: null };
  try {
    await store.withMartSession(async (session) => {
      for (const model of models.models) {
        if (model.layer === "staging") {
          await session.stage(model.name, model.sql);
        } else {
          await session.createTable(model.name, model.sql);
          report.marts.push({ name: model.name, rows: await session.count(model.name) });
        }
      }
      for (const test of models.tests) {
        const failing = await session.query(test.sql);
        report.tests.push({
          name: test.name,
          passed: failing.length === 0,
          failing_rows: failing.length,
          sample: failing.slice(0, 5),
        });
      }
      const failed = report.tests.filter((t) => !t.passed).map((t) => t.name);
      if (failed.length > 0) throw new DataTestsFailed(`data tests failed: ${failed.join(", ")}`);
    });
    report.ok = true;
  } catch (error) {
    report.error = error instanceof DataTestsFailed
      ? `${error.message}; the previous marts were kept`
      : `marts build failed: ${(error as Error).message}; the previous marts were kept`;
  }
  report.seconds = (performance.now() - started) / 1000;
  return report;
}
