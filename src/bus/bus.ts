/**
 * The Bus: how tickets travel between stages. Two implementations stand behind it (in-process for the
 * embedded app, Kafka in production); stages only publish and subscribe.
 *
 * @module
 */

/** The topics of the ticket journey. */
export const TOPICS = {
  /** Typed tickets from uploads, keyed by ticket id. */
  tickets: "tickets",
  /** Scored tickets, keyed by ticket id. */
  scored: "tickets_scored",
  /** Messages a stage could not process, with the reason in the `error` header. */
  deadLetter: "tickets_dead_letter",
} as const;

/** One message: a key (the ticket id) and a value, plus optional string headers. */
export interface BusMessage<T> {
  key: string;
  value: T;
  headers?: Record<string, string>;
  /** Set by a consuming bus when the value could not be decoded; `value` is then the raw text or object. */
  decodeError?: string;
}

/** Handles a batch; resolving means the batch is done (and may be acknowledged). */
export type BatchHandler<T> = (messages: BusMessage<T>[]) => Promise<void>;

/** How one of this process's consumers is doing, for the health endpoints. */
export interface ConsumerHealth {
  topic: string;
  group: string;
  /** `crashed`: it stopped and will not start again by itself. */
  state: "running" | "crashed";
  /** When its handler or its connection started failing (epoch ms), null while it works. */
  failingSince: number | null;
  /** Why it fails, when it does (for the log: it may hold a server's words). */
  lastError: string | null;
  /** When it last finished a batch, or when it subscribed (epoch ms). */
  lastProgressAt: number;
  /** Messages waiting behind its position, as of its last fetch. */
  lag: number;
}

/** A message bus with consumer groups. */
export interface Bus {
  /** Publishes a batch; resolves once the bus has taken responsibility for every message. */
  publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void>;
  /** Consumes a topic as `group`; each group sees every message. */
  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<void>;
  /** How this process's consumers are doing (the in-process bus has none that can fall behind). */
  health(): ConsumerHealth[];
  close(): Promise<void>;
}
