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

/** A message bus with consumer groups. */
export interface Bus {
  /** Publishes a batch; resolves once the bus has taken responsibility for every message. */
  publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void>;
  /** Consumes a topic as `group`; each group sees every message. */
  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<void>;
  close(): Promise<void>;
}
