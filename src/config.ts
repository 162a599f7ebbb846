/**
 * Configuration: the one place that reads the environment. Every setting has a default that runs the embedded
 * app; a bad value stops start-up with a message naming the variable.
 *
 * @module
 */
import { join } from "node:path";

/** One access token, and whose it is when given as `name:token`. */
export interface AuthToken {
  name: string | null;
  token: string;
}

/** The validated settings of one process. */
export interface Config {
  /** HTTP port of the upload server. `PORT`, default 8000. */
  port: number;
  /**
   * The address the server listens on. `HOST`, default `127.0.0.1` (this machine only); any other address needs
   * `AUTH_TOKEN`.
   */
  host: string;
  /**
   * Access tokens: when any is set, every route but `/healthz` needs one. `AUTH_TOKEN`, comma-separated, each
   * `token` or `name:token` (the name is recorded with uploads and overrides). Never in files in the repository.
   */
  authTokens: AuthToken[];
  /** Where the DuckDB file, the built site and other state live. `DATA_DIR`, default `./data`. */
  dataDir: string;
  /**
   * A model folder (`priority.onnx`, `priority.json`; `deno task train --out-dir` writes one) that the app scores
   * with, whatever the registry says. `MODEL_DIR`; unset (the default), the app scores with the registry's live
   * version.
   */
  modelDir: string | null;
  /**
   * The model registry: a folder of model versions and which one is live, shared by every process of a deployment.
   * `MODEL_REGISTRY_DIR`, default `DATA_DIR/models`.
   */
  modelRegistryDir: string;
  /** Largest accepted upload body in bytes. `MAX_UPLOAD_BYTES`, default 512 MiB. */
  maxUploadBytes: number;
  /** An upload whose client sends nothing for this long is ended (408). `UPLOAD_IDLE_SECONDS`, default 60. */
  uploadIdleSeconds: number;
  /** When marts are rebuilt (cron syntax, UTC). `MARTS_CRON`, default every minute. */
  martsCron: string;
  /** Kafka bootstrap servers; empty means the in-process bus. `KAFKA_BROKERS` (comma-separated). */
  kafkaBrokers: string[];
  /** ClickHouse HTTP URL; `null` means the embedded DuckDB store. `CLICKHOUSE_URL`. */
  clickhouseUrl: string | null;
  /** ClickHouse user and password (from the environment only, never from files in the repo). */
  clickhouseUser: string | null;
  clickhousePassword: string | null;
  /**
   * Tickets an upload hands on at a time: published to the bus together, and (with the in-process bus) scored in
   * one model run and stored in one write. A Kafka scorer scores what one fetch brings. `BATCH_SIZE`, default 4096.
   */
  batchSize: number;
  /** Uploads processed at once; more are refused with 429 (a limit on the rate of work). `MAX_CONCURRENT_UPLOADS`, default 2. */
  maxConcurrentUploads: number;
  /** How much memory DuckDB may use before it spills to disk (DuckDB syntax). `DUCKDB_MEMORY_LIMIT`, default 128MB. */
  duckdbMemoryLimit: string;
  /** Partitions of each topic created by `kafka:setup` (and at start). `KAFKA_PARTITIONS`, default 6. */
  kafkaPartitions: number;
  /**
   * Replication factor of those topics. `KAFKA_REPLICATION_FACTOR`; default (null): three copies where the cluster
   * has three brokers or more, else one per broker. `min.insync.replicas` is one less (at least 1).
   */
  kafkaReplicationFactor: number | null;
  /** Whether `deno task start` scores in-process; false when `deno task scorer` services do it. `RUN_SCORER`. */
  runScorer: boolean;
  /** Health and metrics port of `deno task scorer`. `SCORER_PORT`, default 8001 (0 picks a free port). */
  scorerPort: number;
  /**
   * How long start-up keeps trying to reach Kafka and ClickHouse (with backoff) before it gives up.
   * `CONNECT_RETRY_SECONDS`, default 60.
   */
  connectRetrySeconds: number;
}

/** Raised when an environment variable holds a value the app cannot use. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const MIB = 1024 * 1024;

/**
 * Reads and validates the configuration.
 *
 * @param env the variables to read; defaults to the process environment.
 * @throws {ConfigError} naming the variable and the value expected.
 */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const get = (name: string) => {
    const value = env[name]?.trim();
    return value === undefined || value === "" ? undefined : value;
  };
  const integer = (name: string, fallback: number, min: number, max: number) => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };

  const dataDir = get("DATA_DIR") ?? "./data";
  const martsCron = get("MARTS_CRON") ?? "* * * * *";
  if (martsCron.split(/\s+/).length !== 5) {
    throw new ConfigError(`MARTS_CRON must be a five-field cron expression such as "* * * * *", got "${martsCron}"`);
  }

  const clickhouseUrl = get("CLICKHOUSE_URL") ?? null;
  if (clickhouseUrl !== null && !URL.canParse(clickhouseUrl)) {
    throw new ConfigError(`CLICKHOUSE_URL must be a URL such as http://localhost:8123, got "${clickhouseUrl}"`);
  }

  const kafkaBrokers = (get("KAFKA_BROKERS") ?? "").split(",").map((b) => b.trim()).filter(Boolean);
  for (const broker of kafkaBrokers) {
    if (!/^[\w.-]+:\d+$/.test(broker)) {
      throw new ConfigError(`KAFKA_BROKERS must list host:port pairs separated by commas, got "${broker}"`);
    }
  }

  const authTokens = parseTokens(get("AUTH_TOKEN") ?? "");
  for (const { token } of authTokens) {
    if (token.length < 16) throw new ConfigError("AUTH_TOKEN: each token needs at least 16 characters");
  }
  const host = get("HOST") ?? "127.0.0.1";
  if (!isLoopback(host) && authTokens.length === 0) {
    throw new ConfigError(
      `HOST=${host} would let other machines reach the app with no sign-in: set AUTH_TOKEN as well ` +
        "(one or more tokens, comma-separated), or keep HOST=127.0.0.1",
    );
  }

  const runScorer = (get("RUN_SCORER") ?? "true").toLowerCase();
  if (runScorer !== "true" && runScorer !== "false") {
    throw new ConfigError(`RUN_SCORER must be true or false, got "${runScorer}"`);
  }

  return {
    port: integer("PORT", 8000, 0, 65535),
    host,
    authTokens,
    dataDir,
    modelDir: get("MODEL_DIR") ?? null,
    modelRegistryDir: get("MODEL_REGISTRY_DIR") ?? join(dataDir, "models"),
    maxUploadBytes: integer("MAX_UPLOAD_BYTES", 512 * MIB, 1, Number.MAX_SAFE_INTEGER),
    uploadIdleSeconds: integer("UPLOAD_IDLE_SECONDS", 60, 1, 86_400),
    martsCron,
    kafkaBrokers,
    clickhouseUrl,
    clickhouseUser: get("CLICKHOUSE_USER") ?? null,
    clickhousePassword: get("CLICKHOUSE_PASSWORD") ?? null,
    batchSize: integer("BATCH_SIZE", 4096, 1, 1_000_000),
    duckdbMemoryLimit: get("DUCKDB_MEMORY_LIMIT") ?? "128MB",
    maxConcurrentUploads: integer("MAX_CONCURRENT_UPLOADS", 2, 1, 64),
    kafkaPartitions: integer("KAFKA_PARTITIONS", 6, 1, 1000),
    kafkaReplicationFactor: get("KAFKA_REPLICATION_FACTOR") === undefined
      ? null
      : integer("KAFKA_REPLICATION_FACTOR", 1, 1, 10),
    runScorer: runScorer === "true",
    scorerPort: integer("SCORER_PORT", 8001, 0, 65535),
    connectRetrySeconds: integer("CONNECT_RETRY_SECONDS", 60, 0, 86_400),
  };
}

/** True for an address only this machine can reach. */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

/**
 * The token a command sends to a running app (`deno task upload`, `models`, `train --from-store`...): the first of
 * `AUTH_TOKEN`, or null when it is unset (the app then asks for none).
 */
export function clientToken(env: Record<string, string | undefined> = Deno.env.toObject()): string | null {
  return parseTokens(env.AUTH_TOKEN?.trim() ?? "")[0]?.token ?? null;
}

/** `AUTH_TOKEN`'s entries: `token` or `name:token`, comma-separated. */
function parseTokens(value: string): AuthToken[] {
  return value.split(",").map((t) => t.trim()).filter(Boolean).map((entry) => {
    const colon = entry.indexOf(":");
    return colon > 0 ? { name: entry.slice(0, colon), token: entry.slice(colon + 1) } : { name: null, token: entry };
  });
}
