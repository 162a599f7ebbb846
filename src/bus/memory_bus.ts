/**
 * The in-process bus of the embedded app. Publishing hands the batch to every subscribed group and waits for
 * them, so an upload proceeds only as fast as tickets are scored and stored (memory stays bounded by one batch),
 * and an error in a stage reaches the publisher instead of vanishing.
 *
 * @module
 */
import type { BatchHandler, Bus, BusMessage, ConsumerHealth } from "./bus.ts";

/** The embedded {@linkcode Bus}. */
export class MemoryBus implements Bus {
  readonly #groups = new Map<string, Map<string, BatchHandler<unknown>>>();
  #closed = false;

  async publish<T>(topic: string, messages: BusMessage<T>[]): Promise<void> {
    if (this.#closed) throw new Error("the bus is closed");
    const groups = this.#groups.get(topic);
    if (!groups || groups.size === 0) throw new Error(`no consumer subscribes to topic "${topic}"`);
    if (messages.length === 0) return;
    for (const handler of groups.values()) await handler(messages as BusMessage<unknown>[]);
  }

  subscribe<T>(topic: string, group: string, handler: BatchHandler<T>): Promise<void> {
    const groups = this.#groups.get(topic) ?? new Map();
    if (groups.has(group)) throw new Error(`group "${group}" already subscribes to "${topic}"`);
    groups.set(group, handler as BatchHandler<unknown>);
    this.#groups.set(topic, groups);
    return Promise.resolve();
  }

  /** Its consumers run inside `publish`: a failure reaches the publisher, and nothing waits behind them. */
  health(): ConsumerHealth[] {
    return [];
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
