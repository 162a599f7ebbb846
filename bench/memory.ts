/**
 * The memory a running app takes, counted so that it cannot flatter: every process of its tree (the `deno task`
 * parent, the server, and any child it starts), summed, sampled every 20 ms while the work runs. The site build
 * (Observable Framework and its data loaders) is counted apart, as the issue asks. Two figures per group:
 *
 * - `peakSumMiB`: the largest sum of resident sizes seen in one sample;
 * - `sumOfPeaksMiB`: the sum of each process's own peak (Linux `VmHWM`), an upper bound that a short spike between
 *   two samples cannot escape. Targets are judged on this one.
 *
 * The watch shares the machine with the work it measures, so it reads `/proc` synchronously: beside an idle server,
 * async reads took 1.15 s of CPU per 10 s (11.5% of a core), these about 0.6 s.
 *
 * Linux only (`/proc`); MiB (1,048,576 bytes) throughout.
 *
 * @module
 */

/** What a watch saw, for one group of processes. */
export interface GroupMemory {
  peakSumMiB: number;
  sumOfPeaksMiB: number;
  /** Distinct processes seen in the group. */
  processes: number;
}

/** What a watch saw: the app's processes, and the site build's apart. */
export interface TreeMemory {
  app: GroupMemory;
  siteBuild: GroupMemory;
  samples: number;
}

interface ProcessInfo {
  rssMiB: number;
  hwmMiB: number;
  siteBuild: boolean;
  cmdline: string;
}

/** Reads a /proc file, or null when its process is gone. */
function readProc(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

/**
 * A process's memory, and whether it belongs to a site build: its parent does, it was seen to before (its command
 * line reads empty once it exits), or its command line says so. Site build processes seen join `siteBuildPids`.
 * Null when the process is gone, or when it is a child between fork and exec: it still runs its parent's command
 * line and its resident pages are its parent's, shared (the likely cause, not proved, of a site build process counted
 * as a 333 MiB app process in some runs).
 */
function processInfo(
  pid: number,
  parent: ProcessInfo | null,
  siteBuildPids: Set<number>,
): ProcessInfo | null {
  const status = readProc(`/proc/${pid}/status`);
  if (status === null) return null; // gone between listing and reading
  const cmdline = readProc(`/proc/${pid}/cmdline`) ?? "";
  if (parent !== null && cmdline !== "" && cmdline === parent.cmdline) return null;
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0);
  const siteBuild = (parent?.siteBuild ?? false) || siteBuildPids.has(pid) || cmdline.includes("observable.js");
  if (siteBuild) siteBuildPids.add(pid);
  return { rssMiB: kib("VmRSS") / 1024, hwmMiB: kib("VmHWM") / 1024, siteBuild, cmdline };
}

/** The tree under `root` (itself included), each with whether it belongs to a site build. */
function tree(root: number, siteBuildPids: Set<number>): Map<number, ProcessInfo> {
  const seen = new Map<number, ProcessInfo>();
  const visit = (pid: number, parent: ProcessInfo | null) => {
    const info = processInfo(pid, parent, siteBuildPids);
    if (!info) return;
    seen.set(pid, info);
    let tasks: Deno.DirEntry[] = [];
    try {
      tasks = [...Deno.readDirSync(`/proc/${pid}/task`)];
    } catch { /* gone */ }
    for (const task of tasks) {
      const text = readProc(`/proc/${pid}/task/${task.name}/children`) ?? "";
      for (const child of text.trim().split(/\s+/)) if (child) visit(Number(child), info);
    }
  };
  visit(root, null);
  return seen;
}

/**
 * Starts watching the process tree under `root`; `stop()` ends the watch and answers what it saw.
 *
 * @example
 * ```ts
 * const watch = watchMemory(app.child.pid);
 * await upload();
 * const { app: used, siteBuild } = await watch.stop();
 * ```
 */
export function watchMemory(root: number, everyMs = 20): { stop(): Promise<TreeMemory> } {
  const peaks = { app: new Map<number, number>(), siteBuild: new Map<number, number>() };
  const peakSum = { app: 0, siteBuild: 0 };
  const siteBuildPids = new Set<number>();
  let samples = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const sum = { app: 0, siteBuild: 0 };
      for (const [pid, info] of tree(root, siteBuildPids)) {
        const group = info.siteBuild ? "siteBuild" : "app";
        // A process first seen as the app's and then found to be a site build's counts as the site build's only.
        if (info.siteBuild) peaks.app.delete(pid);
        sum[group] += info.rssMiB;
        peaks[group].set(pid, Math.max(peaks[group].get(pid) ?? 0, info.hwmMiB));
      }
      peakSum.app = Math.max(peakSum.app, sum.app);
      peakSum.siteBuild = Math.max(peakSum.siteBuild, sum.siteBuild);
      samples++;
      await new Promise((resolve) => setTimeout(resolve, everyMs));
    }
  })();
  const group = (name: "app" | "siteBuild"): GroupMemory => ({
    peakSumMiB: peakSum[name],
    sumOfPeaksMiB: [...peaks[name].values()].reduce((a, b) => a + b, 0),
    processes: peaks[name].size,
  });
  return {
    async stop() {
      running = false;
      await loop;
      return { app: group("app"), siteBuild: group("siteBuild"), samples };
    },
  };
}
