/**
 * Whether a process is ready to do its work, for `GET /healthz` of the web server and of `deno task scorer`: alive
 * is answering at all (`GET /livez`); ready is also reaching its store and having every consumer keep up. The
 * reasons name what is wrong in plain words; the errors behind them go to the log, not into the answer.
 *
 * @module
 */
import type { ConsumerHealth } from "./bus/bus.ts";

/** A consumer failing for this long makes the process not ready (a broker restart takes a few seconds). */
export const FAILING_FOR_MS = 15_000;
/** A consumer with messages waiting that handled none for this long is stalled. */
export const STALLED_FOR_MS = 60_000;
/** How long a store may take to answer a health check. */
export const STORE_CHECK_MS = 3_000;

/** What a readiness check found. */
export interface Readiness {
  ready: boolean;
  /** Why not, one sentence each; empty when ready. */
  problems: string[];
}

/** Judges the consumers of a process at `now`. */
export function consumerProblems(consumers: readonly ConsumerHealth[], now = Date.now()): string[] {
  const problems: string[] = [];
  for (const c of consumers) {
    const name = `the ${c.group} consumer of ${c.topic}`;
    if (c.state === "crashed") {
      problems.push(`${name} has stopped and will not restart by itself`);
    } else if (c.failingSince !== null && now - c.failingSince >= FAILING_FOR_MS) {
      problems.push(`${name} has failed to handle its messages for ${Math.round((now - c.failingSince) / 1000)} s`);
    } else if (c.lag > 0 && now - c.lastProgressAt >= STALLED_FOR_MS) {
      problems.push(
        `${name} is stalled: ${c.lag} messages wait and none was handled for ` +
          `${Math.round((now - c.lastProgressAt) / 1000)} s`,
      );
    }
  }
  return problems;
}

/**
 * Checks the store (within {@linkcode STORE_CHECK_MS}) and the consumers; what is wrong is logged in full.
 *
 * @param ping resolves when the store answers (null: this process has no store).
 */
export async function checkReadiness(
  ping: (() => Promise<void>) | null,
  consumers: readonly ConsumerHealth[],
  log: (line: string) => void,
): Promise<Readiness> {
  const problems: string[] = [];
  if (ping) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${STORE_CHECK_MS} ms`)), STORE_CHECK_MS);
    });
    try {
      await Promise.race([ping(), timeout]);
    } catch (error) {
      log(`health: the store does not answer: ${(error as Error).message}`);
      problems.push("the store does not answer");
    } finally {
      clearTimeout(timer);
    }
  }
  problems.push(...consumerProblems(consumers));
  for (const c of consumers) if (c.lastError) log(`health: ${c.group} of ${c.topic}: ${c.lastError}`);
  return { ready: problems.length === 0, problems };
}
