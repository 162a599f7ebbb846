/**
 * Configuration: the one place that reads the environment, from one table of settings ({@linkcode SETTINGS}).
 * Every setting has a default that runs the embedded app; a bad value stops start-up with a message naming the
 * variable.
 *
 * @module
 */
import { join } from "node:path";

/** One access token, and whose it is when given as `name:token`. */
export interface AuthToken {
  name: string | null;
  token: string;
}

/**
 * The validated settings of one process. Each field's variable, default and description are in
 * {@linkcode SETTINGS}.
 */
export interface Config {
  port: number;
  host: string;
  authTokens: AuthToken[];
  dataDir: string;
  /** A model folder that overrides the registry, or null. */
  modelDir: string | null;
  modelRegistryDir: string;
  maxUploadBytes: number;
  uploadIdleSeconds: number;
  martsCron: string;
  /** Empty: the in-process bus. */
  kafkaBrokers: string[];
  /** null: the embedded DuckDB store. */
  clickhouseUrl: string | null;
  clickhouseUser: string | null;
  clickhousePassword: string | null;
  batchSize: number;
  maxConcurrentUploads: number;
  duckdbMemoryLimit: string;
  kafkaPartitions: number;
  /** null: decided by the cluster's size. */
  kafkaReplicationFactor: number | null;
  runScorer: boolean;
  scorerPort: number;
  connectRetrySeconds: number;
}

/** Raised when an environment variable holds a value the app cannot use. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const MIB = 1024 * 1024;

/** The largest upload accepted unless `MAX_UPLOAD_BYTES` says otherwise. */
const DEFAULT_MAX_UPLOAD_BYTES = 512 * MIB;

/**
 * One setting: the environment variable it is read from, what it does (for `--help`), the default as `--help`
 * shows it, and how its text becomes a value. `read` gets the variable's text (trimmed; undefined when unset or
 * empty) and the settings read before it (the table's order).
 */
export interface Setting<T> {
  readonly env: string;
  readonly help: string;
  /** The default as people read it, or null when the help says what unset means. */
  readonly shown: string | null;
  /** For a setting a deployment must set in its `.env`: the example value `.env.example` gives. */
  readonly example?: string;
  readonly read: (raw: string | undefined, before: Partial<Config>) => T;
}

const text = (fallback: string) => (raw: string | undefined) => raw ?? fallback;
const optional = (raw: string | undefined) => raw ?? null;

/** A whole number from `min` to `max`. */
function integer(env: string, fallback: number, min: number, max: number) {
  return (raw: string | undefined): number => {
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(`${env} must be a whole number from ${min} to ${max}, got "${raw}"`);
    }
    return value;
  };
}

/**
 * Every setting, in the order they are read and listed. {@linkcode loadConfig} reads them, `deno task start --help`
 * and `deno task scorer --help` list them ({@linkcode settingsHelp}), `.env.example` is written from those a
 * deployment must set ({@linkcode envExample}), and the compose test checks compose's variables against them.
 */
export const SETTINGS: { readonly [K in keyof Config]: Setting<Config[K]> } = {
  port: { env: "PORT", help: "HTTP port", shown: "8000", read: integer("PORT", 8000, 0, 65535) },
  host: {
    env: "HOST",
    help: "address to listen on; any address but this machine's own (loopback) needs AUTH_TOKEN",
    shown: "127.0.0.1: this machine only",
    read: text("127.0.0.1"),
  },
  authTokens: {
    env: "AUTH_TOKEN",
    help: "access tokens, comma-separated, each TOKEN or NAME:TOKEN (16+ letters, digits or -._~+/; the name is " +
      "recorded with uploads and overrides). When set, every page and API route needs one: browsers sign in at " +
      '/login, API clients send "Authorization: Bearer TOKEN". /healthz and /livez stay open. Make one with: ' +
      "openssl rand -base64 24",
    shown: null,
    example: "change-me-to-a-long-random-token",
    read: (raw) => {
      const tokens = parseTokens(raw ?? "");
      for (const { token } of tokens) {
        if (token.length < 16) throw new ConfigError("AUTH_TOKEN: each token needs at least 16 characters");
        // What an Authorization: Bearer header can carry (RFC 6750's b64token).
        if (!/^[A-Za-z0-9._~+/-]+=*$/.test(token)) {
          throw new ConfigError(
            "AUTH_TOKEN: a token may hold letters, digits and - . _ ~ + / (then = at its end) only",
          );
        }
      }
      return tokens;
    },
  },
  dataDir: { env: "DATA_DIR", help: "database, marts snapshot and built site", shown: "./data", read: text("./data") },
  modelDir: {
    env: "MODEL_DIR",
    help: "a model folder to score with, whatever the registry says (priority.onnx, priority.json, text_layer.bin; " +
      "deno task train --out-dir writes one). Unset (default): the registry's live version, at first the shipped " +
      "models/",
    shown: null,
    read: optional,
  },
  modelRegistryDir: {
    env: "MODEL_REGISTRY_DIR",
    help: "the model registry: every trained version, and which is live",
    shown: "DATA_DIR/models",
    read: (raw, before) => raw ?? join(before.dataDir!, "models"),
  },
  maxUploadBytes: {
    env: "MAX_UPLOAD_BYTES",
    help: "largest upload accepted, in bytes",
    shown: `${DEFAULT_MAX_UPLOAD_BYTES}, ${DEFAULT_MAX_UPLOAD_BYTES / MIB} MiB`,
    read: integer("MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES, 1, Number.MAX_SAFE_INTEGER),
  },
  uploadIdleSeconds: {
    env: "UPLOAD_IDLE_SECONDS",
    help: "an upload whose client sends nothing for this long is ended with 408",
    shown: "60",
    read: integer("UPLOAD_IDLE_SECONDS", 60, 1, 86_400),
  },
  martsCron: {
    env: "MARTS_CRON",
    help: "when marts and site are rebuilt if the store changed, cron syntax in UTC; they are also rebuilt " +
      "shortly after tickets are stored",
    shown: '"* * * * *"',
    read: (raw) => {
      const cron = raw ?? "* * * * *";
      if (cron.split(/\s+/).length !== 5) {
        throw new ConfigError(`MARTS_CRON must be a five-field cron expression such as "* * * * *", got "${cron}"`);
      }
      return cron;
    },
  },
  kafkaBrokers: {
    env: "KAFKA_BROKERS",
    help: "Kafka bootstrap servers, host:port, comma-separated (unset: the in-process bus)",
    shown: null,
    read: (raw) => {
      const brokers = (raw ?? "").split(",").map((b) => b.trim()).filter(Boolean);
      for (const broker of brokers) {
        if (!/^[\w.-]+:\d+$/.test(broker)) {
          throw new ConfigError(`KAFKA_BROKERS must list host:port pairs separated by commas, got "${broker}"`);
        }
      }
      return brokers;
    },
  },
  clickhouseUrl: {
    env: "CLICKHOUSE_URL",
    help: "ClickHouse HTTP URL (unset: the DuckDB file in DATA_DIR); with KAFKA_BROKERS, ClickHouse reads scored " +
      "tickets from Kafka itself (run deno task db:migrate first)",
    shown: null,
    read: (raw) => {
      if (raw !== undefined && !URL.canParse(raw)) {
        throw new ConfigError(`CLICKHOUSE_URL must be a URL such as http://localhost:8123, got "${raw}"`);
      }
      return raw ?? null;
    },
  },
  clickhouseUser: {
    env: "CLICKHOUSE_USER",
    help: "ClickHouse user (the compose stack's server creates it)",
    shown: null,
    example: "triage",
    read: optional,
  },
  clickhousePassword: {
    env: "CLICKHOUSE_PASSWORD",
    help: "ClickHouse password",
    shown: null,
    example: "change-me",
    read: optional,
  },
  batchSize: {
    env: "BATCH_SIZE",
    help: "tickets per batch through bus, scorer and store",
    shown: "4096",
    read: integer("BATCH_SIZE", 4096, 1, 1_000_000),
  },
  maxConcurrentUploads: {
    env: "MAX_CONCURRENT_UPLOADS",
    help: "uploads processed at once; more get 429",
    shown: "2",
    read: integer("MAX_CONCURRENT_UPLOADS", 2, 1, 64),
  },
  duckdbMemoryLimit: {
    env: "DUCKDB_MEMORY_LIMIT",
    help: "memory DuckDB may use before spilling to disk, in DuckDB's syntax",
    shown: "128MB",
    read: text("128MB"),
  },
  kafkaPartitions: {
    env: "KAFKA_PARTITIONS",
    help: "partitions of topics created if missing",
    shown: "6",
    read: integer("KAFKA_PARTITIONS", 6, 1, 1000),
  },
  kafkaReplicationFactor: {
    env: "KAFKA_REPLICATION_FACTOR",
    help: "replicas of topics created if missing (default: 3 with 3 brokers or more, else one per broker)",
    shown: null,
    read: (raw) => raw === undefined ? null : integer("KAFKA_REPLICATION_FACTOR", 1, 1, 10)(raw),
  },
  runScorer: {
    env: "RUN_SCORER",
    help: 'with Kafka: false when separate "deno task scorer" services score',
    shown: "true",
    read: (raw) => {
      const value = (raw ?? "true").toLowerCase();
      if (value !== "true" && value !== "false") {
        throw new ConfigError(`RUN_SCORER must be true or false, got "${value}"`);
      }
      return value === "true";
    },
  },
  scorerPort: {
    env: "SCORER_PORT",
    help: "health and metrics port of deno task scorer; 0 picks a free port",
    shown: "8001",
    read: integer("SCORER_PORT", 8001, 0, 65535),
  },
  connectRetrySeconds: {
    env: "CONNECT_RETRY_SECONDS",
    help: "how long start-up keeps trying to reach Kafka and ClickHouse",
    shown: "60",
    read: integer("CONNECT_RETRY_SECONDS", 60, 0, 86_400),
  },
};

/** A variable's text as settings read it: trimmed, and undefined when unset or empty. */
function rawValue(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
}

/**
 * Reads and validates the configuration.
 *
 * @param env the variables to read; defaults to the process environment.
 * @throws {ConfigError} naming the variable and the value expected.
 */
export function loadConfig(env: Record<string, string | undefined> = Deno.env.toObject()): Config {
  const config: Partial<Config> = {};
  for (const key of Object.keys(SETTINGS) as (keyof Config)[]) {
    const setting = SETTINGS[key] as Setting<unknown>;
    (config as Record<string, unknown>)[key] = setting.read(rawValue(env, setting.env), config);
  }
  if (!isLoopback(config.host!) && config.authTokens!.length === 0) {
    throw new ConfigError(
      `HOST=${config.host} would let other machines reach the app with no sign-in: set AUTH_TOKEN as well ` +
        "(one or more tokens, comma-separated), or keep HOST=127.0.0.1",
    );
  }
  return config as Config;
}

/** One setting's value alone, from the process environment (for a command that needs no other). */
export function readSetting<K extends keyof Config>(key: K, env = Deno.env.toObject()): Config[K] {
  const setting = SETTINGS[key];
  return setting.read(rawValue(env, setting.env), loadDefaults());
}

/** Every setting at its default (what settings read before another see when that one is read alone). */
function loadDefaults(): Partial<Config> {
  const config: Partial<Config> = {};
  for (const key of Object.keys(SETTINGS) as (keyof Config)[]) {
    (config as Record<string, unknown>)[key] = (SETTINGS[key] as Setting<unknown>).read(undefined, config);
  }
  return config;
}

/** Width of `--help` text, and where a setting's description starts. */
const HELP_WIDTH = 118, HELP_INDENT = 26;

/**
 * The settings of `keys` as `--help` lists them: each variable, what it does and its default, wrapped to the
 * terminal's usual width.
 */
export function settingsHelp(keys: readonly (keyof Config)[] = Object.keys(SETTINGS) as (keyof Config)[]): string {
  return keys.map((key) => {
    const { env, help, shown } = SETTINGS[key] as Setting<unknown>;
    return wrap(
      `${help}${shown === null ? "" : ` (default ${shown})`}`,
      `  ${env}`.padEnd(HELP_INDENT - 1),
      " ".repeat(HELP_INDENT - 1),
    );
  }).join("\n");
}

/** `words` wrapped to {@linkcode HELP_WIDTH}, the first line after `first`, the others after `next`. */
function wrap(words: string, first: string, next: string): string {
  const lines: string[] = [];
  let line = first;
  for (const word of words.split(" ")) {
    if (line.length + 1 + word.length > HELP_WIDTH && line.trim() !== first.trim()) {
      lines.push(line);
      line = next;
    }
    line += ` ${word}`;
  }
  return [...lines, line].join("\n");
}

/**
 * `.env.example`: the settings a deployment must set, with example values to change (`deno task env:example`
 * writes it; a test checks the committed file is this).
 */
export function envExample(): string {
  const lines = ["# Settings for `docker compose up`: copy to .env (never committed) and change every value."];
  for (const { env, help, example } of Object.values(SETTINGS) as Setting<unknown>[]) {
    if (example === undefined) continue;
    lines.push(wrap(help, `# ${env}:`, "#"), `${env}=${example}`);
  }
  return lines.join("\n") + "\n";
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
