/**
 * `deno task start` as a user runs it, for end-to-end tests: a child process on a free port (`PORT=0`) with its own
 * temporary data directory and the scheduled marts refresh pushed far into the future (the tests refresh
 * explicitly). The port is read from the log line that says where it listens (`Ticket Triage on http://...:PORT/`).
 *
 * @module
 */

const ROOT = new URL("../../", import.meta.url);

/** A once a year schedule: the scheduled refresh never runs during a test. */
export const MARTS_CRON_NEVER = "0 0 1 1 *";

/** The app started by {@linkcode startTask}. */
export interface StartedApp {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  base: string;
  /** Its data directory (removed by `dispose` unless it was given). */
  dataDir: string;
  /** The `deno task start` process. */
  child: Deno.ChildProcess;
  /** Everything it printed on stdout so far. */
  log(): string;
  /** Waits until the start-up build of marts and site is done (`/healthz` names a last refresh). */
  ready(timeoutMs?: number): Promise<void>;
  /** SIGTERM, then the exit status once the process and its log ended. */
  stop(): Promise<Deno.CommandStatus>;
  /** Kills the process if it still runs and removes the data directory. Safe to call more than once. */
  dispose(): Promise<void>;
}

/** The ids of a process's descendants, deepest first (Linux `/proc`; none elsewhere). */
async function descendants(pid: number): Promise<number[]> {
  const children: number[] = [];
  try {
    for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
      const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`).catch(() => "");
      children.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
    }
  } catch { /* gone, or no /proc */ }
  const deeper = await Promise.all(children.map(descendants));
  return [...deeper.flat(), ...children];
}

/** Peak resident set size, in MiB, of a process or its largest descendant (the app under `deno task`); Linux. */
export async function peakRssMiB(pid: number): Promise<number> {
  const peaks = await Promise.all([pid, ...(await descendants(pid))].map(async (id) => {
    const status = await Deno.readTextFile(`/proc/${id}/status`).catch(() => "");
    return Number(/VmHWM:\s+(\d+) kB/.exec(status)?.[1] ?? 0) / 1024;
  }));
  return Math.max(...peaks);
}

/** Where and how to start the app. */
export interface StartOptions {
  /** The project folder to run it from (default: this project). */
  root?: string;
  /**
   * Run it on a read-only view of the project folder (a bind mount in a private mount namespace; needs root and
   * `unshare`), to prove that it writes only under its data directory.
   */
  readOnlyRoot?: boolean;
  /** The data directory to use (kept by `dispose`), e.g. the one of an app that ran before; default: a fresh one. */
  dataDir?: string;
}

/** Starts `deno task start` with a fresh data directory; `env` adds to or overrides its environment. */
export async function startTask(env: Record<string, string> = {}, options: StartOptions = {}): Promise<StartedApp> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "triage-task-start-" });
  const root = options.root ?? ROOT.pathname;
  const [command, args] = options.readOnlyRoot
    ? ["unshare", [
      "--mount",
      "sh",
      "-c",
      'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && exec "$0" task start',
      Deno.execPath(),
      root,
    ]]
    : [Deno.execPath(), ["task", "start"]];
  const child = new Deno.Command(command, {
    args,
    cwd: root,
    env: { DATA_DIR: dataDir, PORT: "0", MARTS_CRON: MARTS_CRON_NEVER, ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const chunks: string[] = [];
  const log = () => chunks.join("");
  let disposed = false;
  const dispose = async () => {
    if (disposed) return;
    disposed = true;
    // `deno task` runs the app as its child: kill the app too, or it would outlive the test.
    for (const pid of [...(await descendants(child.pid)), child.pid]) {
      try {
        Deno.kill(pid, "SIGKILL");
      } catch { /* already gone */ }
    }
    await child.status;
    if (!options.dataDir) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };

  let base = "";
  try {
    while (!base) {
      const { value, done } = await lines.read();
      if (done) throw new Error(`the app exited before listening:\n${log()}`);
      chunks.push(value);
      const port = /Ticket Triage on http:\/\/\S+:(\d+)\//.exec(log())?.[1];
      if (port) base = `http://127.0.0.1:${port}`;
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  const draining = (async () => {
    for (let r = await lines.read(); !r.done; r = await lines.read()) chunks.push(r.value);
  })();

  return {
    base,
    dataDir,
    child,
    log,
    async ready(timeoutMs = 120_000) {
      const deadline = Date.now() + timeoutMs;
      while ((await fetch(`${base}/healthz`).then((r) => r.json())).last_refresh === null) {
        if (Date.now() > deadline) throw new Error(`no start-up refresh within ${timeoutMs} ms:\n${log()}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    },
    async stop() {
      child.kill("SIGTERM");
      const status = await child.status;
      await draining;
      return status;
    },
    dispose,
  };
}
