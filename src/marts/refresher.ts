/**
 * Keeping marts and site fresh: one refresh at a time (marts, then site), requests coalesced while one runs,
 * a debounced refresh shortly after the store changes, scheduled refreshes that skip when nothing changed, and a
 * log line for each outcome.
 *
 * @module
 */
import type { Store } from "../store/store.ts";
import { buildMarts, type MartsReport } from "./build.ts";

/** The outcome of a site build, as the refresher needs it. */
export interface SiteBuildOutcome {
  ok: boolean;
  seconds: number;
  log?: string;
}

/** What one refresh did. */
export interface RefreshReport {
  marts: MartsReport;
  /** Null when the marts failed (the site keeps showing the previous marts) or no site builder is set. */
  site: SiteBuildOutcome | null;
  finished_at: string;
}

/** Serialises refreshes of marts and site. */
export class Refresher {
  readonly #store: Store;
  readonly #buildSite: (() => Promise<SiteBuildOutcome>) | null;
  readonly #log: (line: string) => void;
  #running: Promise<RefreshReport> | null = null;
  #queued: Promise<RefreshReport> | null = null;
  #soon: ReturnType<typeof setTimeout> | null = null;
  /** Changes noted so far, and how many of them the last successful refresh covered (-1: none yet). */
  #changes = 0;
  #refreshedUpTo = -1;
  /** The last finished refresh, if any. */
  last: RefreshReport | null = null;

  constructor(store: Store, buildSite: (() => Promise<SiteBuildOutcome>) | null, log: (line: string) => void) {
    this.#store = store;
    this.#buildSite = buildSite;
    this.#log = log;
  }

  /**
   * The scheduled refresh: skipped (null) when the last one succeeded and nothing changed since, so an idle server
   * does not rebuild marts and site every minute.
   */
  refreshIfChanged(): Promise<RefreshReport | null> {
    if (this.#refreshedUpTo === this.#changes && !this.#running && !this.#queued) return Promise.resolve(null);
    return this.refreshNow();
  }

  /** Refreshes now, or right after the refresh under way; resolves when marts and site reflect every write so far. */
  refreshNow(): Promise<RefreshReport> {
    if (this.#soon !== null) clearTimeout(this.#soon); // this refresh covers the one asked for later
    this.#soon = null;
    if (this.#queued) return this.#queued;
    if (!this.#running) return this.#start();
    this.#queued = this.#running.catch(() => {}).then(() => {
      this.#queued = null;
      return this.#start();
    });
    return this.#queued;
  }

  /**
   * Records that the store changed and asks for a refresh a little later; calls within the delay are merged into
   * one.
   */
  changed(delayMs = 1000): void {
    this.#changes++;
    if (this.#soon !== null) clearTimeout(this.#soon);
    this.#soon = setTimeout(() => {
      this.#soon = null;
      this.refreshNow().catch((error) => this.#log(`refresh failed: ${error.message}`));
    }, delayMs);
  }

  /** Cancels a pending delayed refresh and waits for any refresh under way. */
  async stop(): Promise<void> {
    if (this.#soon !== null) clearTimeout(this.#soon);
    this.#soon = null;
    await this.#queued?.catch(() => {});
    await this.#running?.catch(() => {});
  }

  #start(): Promise<RefreshReport> {
    const run = this.#run().finally(() => {
      if (this.#running === run) this.#running = null;
    });
    this.#running = run;
    return run;
  }

  async #run(): Promise<RefreshReport> {
    const covers = this.#changes;
    const marts = await buildMarts(this.#store);
    const counts = marts.marts.map((m) => `${m.name}=${m.rows}`).join(" ");
    if (marts.ok) {
      this.#log(`marts rebuilt in ${marts.seconds.toFixed(2)} s; ${marts.tests.length} data tests passed; ${counts}`);
    } else {
      this.#log(`marts NOT rebuilt: ${marts.error}`);
    }
    let site: SiteBuildOutcome | null = null;
    if (marts.ok && this.#buildSite) {
      site = await this.#buildSite();
      this.#log(site.ok ? `site rebuilt in ${site.seconds.toFixed(1)} s` : `site build FAILED:\n${site.log ?? ""}`);
    }
    if (marts.ok && (site?.ok ?? true)) this.#refreshedUpTo = covers;
    this.last = { marts, site, finished_at: new Date().toISOString() };
    return this.last;
  }
}
