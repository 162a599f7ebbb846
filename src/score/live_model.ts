/**
 * The live model of a process: the model scoring now, switched for another without a restart when the registry's
 * live version changes. A batch is scored wholly by the version live when it started and carries that version; the
 * model it replaced is released once its last batch is done, so no batch is dropped or scored twice by a switch.
 *
 * @module
 */
import { type Explanation, loadModel, type Prediction, type PriorityModel } from "./model.ts";
import type { ModelRegistry } from "./registry.ts";
import type { Ticket } from "../ticket/schema.ts";

/** A model and how many batches it is scoring now. */
interface InUse {
  model: PriorityModel;
  batches: number;
  retired: boolean;
}

/** The switchable model. Scorers call {@linkcode LiveModel.predict}; it never changes under a batch. */
export class LiveModel {
  #current: InUse;
  #watch: ReturnType<typeof setInterval> | null = null;
  /** Called with the new version after each switch (the web process rebuilds the pages that show the model). */
  onSwitch: ((version: string) => void) | null = null;
  #switching: Promise<void> = Promise.resolve();

  constructor(model: PriorityModel) {
    this.#current = { model, batches: 0, retired: false };
  }

  /** The model scoring new batches. */
  get model(): PriorityModel {
    return this.#current.model;
  }

  /** The live version. */
  get version(): string {
    return this.#current.model.version;
  }

  /** Scores a batch with the model live when it starts. */
  predict(tickets: readonly Ticket[]): Promise<Prediction[]> {
    return this.#withLive((model) => model.predict(tickets));
  }

  /** Explains a ticket's prediction by the model live when it starts (see `Explanation`). */
  explain(ticket: Ticket): Promise<Explanation> {
    return this.#withLive((model) => model.explain(ticket));
  }

  /** The similarity of `ticket`'s text to each of `others`' by the live model (see `PriorityModel.similarity`). */
  similarity(ticket: Ticket, others: readonly Ticket[]): Promise<number[]> {
    return this.#withLive((model) => Promise.resolve(model.similarity(ticket, others)));
  }

  /** Runs `work` on the live model, which is not closed under it if another is made live meanwhile. */
  async #withLive<T>(work: (model: PriorityModel) => Promise<T>): Promise<T> {
    const using = this.#current;
    using.batches++;
    try {
      return await work(using.model);
    } finally {
      using.batches--;
      if (using.retired && using.batches === 0) await using.model.close();
    }
  }

  /** Makes `model` the live one; the previous one is closed once its batches are done. */
  async switchTo(model: PriorityModel): Promise<void> {
    const previous = this.#current;
    this.#current = { model, batches: 0, retired: false };
    previous.retired = true;
    if (previous.batches === 0) await previous.model.close();
  }

  /**
   * Follows the registry's live version, looking every `intervalMs`. A version that cannot be loaded is logged and
   * the current one kept.
   */
  watch(registry: ModelRegistry, log: (line: string) => void, intervalMs = 1000): void {
    this.#watch = setInterval(() => {
      this.refresh(registry, log).catch((error) =>
        log(`the live model could not be switched; ${this.version} stays live: ${(error as Error).message}`)
      );
    }, intervalMs);
  }

  /** Looks at the registry now and switches to its live version if it changed (one switch at a time). */
  refresh(registry: ModelRegistry, log: (line: string) => void): Promise<void> {
    const run = this.#switching.then(async () => {
      const { version } = await registry.live();
      if (version === this.version) return;
      const next = await loadModel(registry.versionDir(version));
      const before = this.version;
      await this.switchTo(next);
      log(`model ${before} -> ${version}: new batches are scored by ${version}`);
      this.onSwitch?.(version);
    });
    this.#switching = run.catch(() => {});
    return run;
  }

  /** Stops watching and closes the model (after the batches in flight). */
  async close(): Promise<void> {
    if (this.#watch !== null) clearInterval(this.#watch);
    await this.#switching;
    const current = this.#current;
    current.retired = true;
    if (current.batches === 0) await current.model.close();
  }
}
