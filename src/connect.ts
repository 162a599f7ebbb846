/**
 * Connecting to the servers the app depends on (Kafka, ClickHouse), which may come up after it does (compose
 * starts everything at once; a broker restarts): the first connection is retried with exponential backoff, each
 * failed attempt logged, for up to `CONNECT_RETRY_SECONDS`, before start-up gives up with the last reason.
 *
 * @module
 */
import pRetry from "p-retry";

/** How to retry. */
export interface ConnectOptions {
  /** Give up after this many seconds of trying (`CONNECT_RETRY_SECONDS`). */
  retrySeconds: number;
  log: (line: string) => void;
}

/**
 * Runs `connect` until it succeeds, waiting twice as long after each failed attempt, up to a cap.
 *
 * @param what the server, as log lines name it ("Kafka at localhost:9092").
 * @throws the last attempt's error once `retrySeconds` have passed.
 */
export function connectWithRetry<T>(what: string, connect: () => Promise<T>, options: ConnectOptions): Promise<T> {
  return pRetry(connect, {
    retries: Number.POSITIVE_INFINITY,
    minTimeout: 250,
    maxTimeout: 5_000,
    factor: 2,
    maxRetryTime: options.retrySeconds * 1000,
    onFailedAttempt: ({ error, attemptNumber, retryDelay }) => {
      if (retryDelay > 0) {
        options.log(
          `${what} not reachable (attempt ${attemptNumber}: ${error.message}); trying again in ${retryDelay} ms`,
        );
      }
    },
  });
}
